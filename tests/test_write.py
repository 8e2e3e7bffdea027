"""The table writer: what it keeps in memory while rows gather into a row group."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline import write


def _rows_one_by_one(dataset, table: str) -> list[tuple]:
    """A built table's rows as one-row batches with their JSON lines, as a build appends a table
    that has a row in few chunks of documents."""
    rows = pq.read_table(dataset / f"{table}.parquet")
    lines = (dataset / f"{table}.jsonl").read_bytes().splitlines(keepends=True)
    assert rows.num_rows == len(lines)
    return [(batch, lines[i]) for i, batch in enumerate(rows.to_batches(max_chunksize=1))]


def _write(directory, table: str, parts: list[tuple], hold_dir=None) -> tuple[bytes, int]:
    """The Parquet file written from ``parts``, and the most batches the writer kept in memory."""
    directory.mkdir()
    writer = write.TableWriter(directory, table, hold_dir=hold_dir)
    most = 0
    for batch, lines in parts:
        writer.append(batch, lines)
        most = max(most, len(writer.batches))
    writer.close()
    return (directory / f"{table}.parquet").read_bytes(), most


def test_small_batches_wait_in_a_file_not_in_memory(dataset, tmp_path):
    """However little JSON the batches hold, no more than HOLD_BATCHES of them stay in memory
    once a writer has somewhere to keep them, and the file is the same byte for byte."""
    parts = _rows_one_by_one(dataset, "dates")
    assert len(parts) > write.HOLD_BATCHES  # enough rows to go past the bound
    assert sum(len(lines) for _, lines in parts) < write.HOLD_BYTES  # the JSON alone never would
    in_memory, most_in_memory = _write(tmp_path / "memory", "dates", parts)
    held, most_held = _write(tmp_path / "held", "dates", parts, hold_dir=tmp_path / "hold")
    assert most_in_memory == len(parts)
    assert most_held <= write.HOLD_BATCHES
    assert held == in_memory
    assert not [p for p in (tmp_path / "hold").rglob("*") if p.is_file()]  # the file of the held batches is gone


def test_free_memory_is_given_back_every_few_row_groups(dataset, tmp_path, monkeypatch):
    """The heap's free pages are handed back once every TRIM_EVERY row groups written."""
    import itertools

    parts = _rows_one_by_one(dataset, "dates")
    calls = []
    monkeypatch.setattr(write, "ROW_GROUP_ROWS", 1)  # a row group per row
    monkeypatch.setattr(write, "_ROW_GROUPS", itertools.count(1))
    monkeypatch.setattr(write, "release_free_memory", lambda: calls.append(1))
    _write(tmp_path / "out", "dates", parts)
    assert pq.ParquetFile(tmp_path / "out" / "dates.parquet").metadata.num_row_groups == len(parts)
    assert len(calls) == len(parts) // write.TRIM_EVERY


def test_free_memory_can_be_given_back_here():
    """On Linux with glibc the call is made (elsewhere it is skipped, and says so)."""
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        assert write.release_free_memory() in (True, False)
    else:
        assert write.release_free_memory() is True


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1), st.one_of(st.none(), st.text(min_size=1)), st.booleans())))
@example([("a/\udcff.txt", None, False), ("\U0001f600", "x", True)])  # a name that is not UTF-8, one beyond the BMP
def test_the_packed_list_of_inputs_gives_back_every_input(entries):
    """Inputs packed into one run of bytes come back as they went in, in order, whatever their
    names (a name that is not UTF-8 keeps its escaped bytes), indexed and sliced like a list."""
    from pipeline.build import InputFile, InputList

    items = [InputFile(where if where is not None else source, source, outside) for source, where, outside in entries]
    packed = InputList(items)
    assert len(packed) == len(items)
    assert list(packed) == items
    assert packed[1:3] == items[1:3]
    if items:
        assert packed[-1] == items[-1]
    with pytest.raises(IndexError):
        packed[len(items)]


def test_inputs_are_listed_packed(tmp_path):
    from pipeline.build import InputList, collect_inputs

    (tmp_path / "b").mkdir()
    for name in ("a.txt", "b/c.txt", "b/\u4e2d.txt"):
        (tmp_path / name).write_text("x", "utf-8")
    listed = collect_inputs([tmp_path])
    assert isinstance(listed, InputList)
    assert [Path(item.where).relative_to(tmp_path).as_posix() for item in listed] == ["a.txt", "b/c.txt", "b/\u4e2d.txt"]


def test_a_missing_c_function_is_not_called(monkeypatch):
    from pipeline import libc

    monkeypatch.setattr(libc, "glibc", lambda: None)
    assert libc.call("malloc_trim", 0) is False
    assert write.release_free_memory() is False
