"""JSON Lines against Parquet (ZG018) as the build establishes it: a plain row's JSON line reads
back as its Arrow row by construction (tested here for every column of every table, through the
reader ``validate`` uses), any other row is compared as ``validate`` compares the files, and a
fault put into the rows gives ZG018 from the build's own validation without reading JSON again."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import struct
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

import pipeline.validate as validation
from pipeline.build import arrow_batch, json_lines, rows_of_bytes
from pipeline.models import TABLES
from pipeline.schema import arrow_schema
from pipeline.validate import _same_columns, check_formats, read_lines

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
EXIT_FINDINGS = 1


@pytest.fixture(scope="module")
def example_rows() -> dict[str, dict]:
    """A real row of every table the corpus fills, and a reject made up."""
    rows: dict[str, dict] = {}
    for path in sorted(CORPUS.glob("*.txt")):
        for table, table_rows in rows_of_bytes(path.read_bytes(), path.name).items():
            rows.setdefault(table, table_rows[0]) if table_rows else None
    rows["rejects"] = {"source": "x.pdf", "doc_id": None, "size_bytes": 3, "reason": "error", "message": "m"}
    assert set(rows) == set(TABLES)
    return rows


def _floats(n: int) -> list[float]:
    rng = random.Random(15)
    found = [0.1, 0.3, -0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 2.0**53 + 2, 229999999.99999997]
    while len(found) < n:
        x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(x):
            found.append(x)
    return found


TEXTS = ["整改\u3000落实", 'tab\tquote"back\\slash', "\x00\x1f\x7f", "\u2028\u2029", "😀 emoji", "", "a/b", "\r\n", "</script>", "𠀀"]


def plain_values(field: pa.Field) -> list:
    """Values of every kind a column of this type takes, None where it may be null."""
    t = field.type
    if pa.types.is_list(t):
        values = [[], [None], TEXTS, ["a"] * 3]
    elif pa.types.is_floating(t):
        values = _floats(400)
    elif pa.types.is_boolean(t):
        values = [True, False]
    elif pa.types.is_date(t):
        values = [dt.date(1, 1, 1), dt.date(999, 12, 31), dt.date(2024, 2, 29), dt.date(9999, 12, 31)]
    elif pa.types.is_integer(t):
        bits = t.bit_width
        values = [0, -1, 1, 2 ** (bits - 1) - 1, -(2 ** (bits - 1))]
    else:
        values = TEXTS
    return values + [None] if field.nullable else values


COLUMNS = [(table, f) for table in TABLES for f in arrow_schema(TABLES[table])]


@pytest.mark.parametrize("table, field", COLUMNS, ids=[f"{t}.{f.name}" for t, f in COLUMNS])
def test_every_value_of_every_column_reads_back_as_its_arrow_row(example_rows, table, field):
    rows = [{**example_rows[table], field.name: v} for v in plain_values(field)]
    batch, plain = arrow_batch(table, rows)
    assert plain
    lines = json_lines(rows)
    read = read_lines(table, lines)  # the reader validate compares the files with
    assert read.num_rows == len(rows) and _same_columns(read, pa.Table.from_batches([batch]), table)
    assert check_formats(table, rows, lines, batch) == []
    assert batch.equals(pa.RecordBatch.from_pylist(rows, schema=batch.schema))  # the same arrays as from_pylist


class Text(str):
    pass


FAULTS = [  # column, value: what Arrow makes of a value differs from what its JSON reads back as
    ("sections", "level", 2.5),  # Arrow truncates it to 2
    ("indicators", "value", True),  # Arrow makes it 1.0
    ("indicators", "value", float("nan")),  # JSON null (or NaN), not equal to Arrow's NaN
    ("documents", "feedback_date", dt.datetime(2024, 3, 1, 12, 30)),  # Arrow drops the time
]


@pytest.mark.parametrize("table, column, value", FAULTS, ids=[f"{t}.{c}={v!r}" for t, c, v in FAULTS])
def test_a_value_arrow_coerces_is_found(example_rows, table, column, value):
    rows = [example_rows[table], {**example_rows[table], column: value}]
    batch, plain = arrow_batch(table, rows)
    assert not plain
    (found,) = check_formats(table, rows, json_lines(rows), batch)
    assert found.code == "ZG018" and found.row_id == rows[1].get(validation.ID_FIELD.get(table, "source"))


@pytest.mark.parametrize("change", ["extra", "missing"])
def test_a_row_without_exactly_the_columns_is_found(example_rows, change):
    row = dict(example_rows["dates"])
    if change == "extra":
        row["note"] = "kept in JSON, dropped by Arrow"
    else:
        del row["problem_id"]
    rows = [example_rows["dates"], row]
    batch, plain = arrow_batch("dates", rows)
    assert not plain and batch.num_rows == 2
    (found,) = check_formats("dates", rows, json_lines(rows), batch)
    assert found.code == "ZG018" and ("note" in found.message if change == "extra" else "problem_id" in found.message)


@pytest.mark.parametrize("column, value", [("text", Text("整改")), ("value", 3), ("value", 2**40), ("value", float("inf"))])
def test_a_value_of_another_type_that_reads_back_the_same_is_no_finding(example_rows, column, value):
    """Not plain (a str subclass, an int in a float column, an infinity written by the fallback
    encoder), so compared in full: no finding."""
    rows = [{**example_rows["indicators"], column: value}]
    batch, plain = arrow_batch("indicators", rows)
    assert not plain
    assert check_formats("indicators", rows, json_lines(rows), batch) == []


# --- through a real build ------------------------------------------------------------------

FAULTY_RUN = """
import itertools, sys
import pipeline.build as build
import pipeline.validate as validation

kind = sys.argv[1]
tables_of = build.tables_of_bytes

def fault(row):
    if kind == "extra":
        return {**row, "note": "a key that is no column"}
    if kind == "missing":
        return {k: v for k, v in row.items() if k != "heading"}
    return {**row, "level": row["level"] + 0.5}  # Arrow truncates it, JSON keeps it

def faulty(*args, **kwargs):
    for table, rows in tables_of(*args, **kwargs):
        if table == "sections":
            rows = itertools.chain([fault(next(rows))], rows)
        yield table, rows

def reread(*args):
    sys.exit(99)  # the validation after the build reads JSON Lines again

build.tables_of_bytes = faulty
validation._check_jsonl = reread
sys.argv = ["zhenggai", "run", *sys.argv[2:]]
from pipeline.cli import main
main()
"""


@pytest.mark.parametrize("kind", ["extra", "missing", "coerced"])
def test_a_fault_in_the_rows_written_is_zg018_from_the_build_itself(tmp_path, kind):
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-c", FAULTY_RUN, kind, str(CORPUS), "--out", str(out), "--jobs", "1", "--full", "-q"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == EXIT_FINDINGS, run.stdout + run.stderr
    assert "ZG018" in run.stdout and "validate: 5 errors" in run.stdout, run.stdout
    again = subprocess.run([sys.executable, "-m", "pipeline", "validate", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert again.returncode == EXIT_FINDINGS and "ZG018" in again.stdout, again.stdout  # validate DIR compares in full


def test_a_clean_build_reads_no_json_lines_to_validate(tmp_path, monkeypatch):
    from pipeline.build import run

    out = tmp_path / "out"
    run([CORPUS], out, jobs=1, incremental=False)
    monkeypatch.setattr(validation, "_check_jsonl", lambda *args: pytest.fail("JSON Lines read again"))
    report = validation.validate(out)
    assert report.n_errors == 0
    monkeypatch.undo()
    monkeypatch.setattr(validation, "_BUILDS", {})
    assert validation.validate(out).counts == report.counts  # validate DIR compares in full, and agrees


def test_lines_the_writer_lost_are_zg018_from_the_build(tmp_path, monkeypatch):
    """Each row's line was checked as it was encoded; the writer's pairing of lines with rows is
    checked by counting them."""
    from pipeline.build import run
    from pipeline.write import TableWriter

    append = TableWriter.append

    def losing(self, batch, lines):
        if self.table == "dates" and self.rows == 0:
            lines = lines[: lines.rindex(b"\n", 0, len(lines) - 1) + 1]
        append(self, batch, lines)

    monkeypatch.setattr(TableWriter, "append", losing)
    out = tmp_path / "out"
    summary = run([CORPUS], out, jobs=1, incremental=False)
    assert [f.code for f in summary.findings if f.severity == "error"] == ["ZG018"]
    monkeypatch.setattr(validation, "_check_jsonl", lambda *args: pytest.fail("JSON Lines read again"))
    assert validation.validate(out).counts["ZG018"] == 1


@pytest.mark.parametrize("path", ["slices", "spilled"])
def test_rows_encoded_a_slice_at_a_time_are_checked_too(tmp_path, monkeypatch, path):
    """Tables of many rows are encoded a slice at a time, and a large page's go to spill files:
    their rows are checked on that path as well."""
    import pipeline.build as build
    from pipeline import spill

    if path == "slices":
        monkeypatch.setattr(build, "JSON_SLICE_ROWS", 7)
    else:
        monkeypatch.setattr(spill, "SPILL_BYTES", 1)
    tables_of = build.tables_of_bytes

    def faulty(*args, **kwargs):
        for table, rows in tables_of(*args, **kwargs):
            if table == "measures":
                rows = (dict(row, note="no column") if i == 10 else row for i, row in enumerate(rows))
            yield table, rows

    monkeypatch.setattr(build, "tables_of_bytes", faulty)
    out = tmp_path / "out"
    summary = build.run([CORPUS], out, jobs=1, incremental=False)
    found = [f for f in summary.findings if f.severity == "error"]
    assert {f.code for f in found} == {"ZG018"} and len(found) == 5 and all(f.table == "measures" for f in found)
