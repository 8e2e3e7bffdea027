"""Stage 5: rows → one Parquet (zstd) and one JSON Lines file per table, plus manifest.json.

Everything is written into a new generation of the output folder and published only when
the whole build has succeeded, by one atomic switch (``pipeline.publish``), so a failed or
killed run leaves the previous dataset as it was.  The manifest records the digest of every
file, so ``validate`` tells a file changed afterwards apart (ZG015).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from pathlib import Path
from typing import Callable, Iterable, Mapping

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import cache, libc, publish
from pipeline.models import TABLES
from pipeline.schema import arrow_schema

ROW_GROUP_ROWS = 64 * 1024
ROW_GROUP_BYTES = 8 * 1024 * 1024  # of JSON text: bounds the memory a writer holds
HOLD_BYTES = 1024 * 1024  # of JSON text: a writer waiting on more rows keeps them in a file beyond this
# batches: ... or beyond this many. Each batch in memory costs some 14 KB of Arrow objects and
# buffers however few its rows, so a table with a row in one chunk of documents in ten (outcomes,
# rejects) reached HOLD_BYTES only after tens of thousands of documents, all that while growing
# the build's memory by about 1 KB per document.
HOLD_BATCHES = 64


def file_digest(path: Path | str) -> str:
    """sha256 of a file, read in 1 MiB pieces (through its descriptor: ``read_file``)."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY)
    try:
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
    finally:
        os.close(fd)
    return digest.hexdigest()


def read_file(path: Path | str, size: int = 0) -> bytes:
    """The bytes of a file, ``size`` its expected length. Read with ``os.read`` on the
    descriptor: a Python file object makes five more system calls (two ``fstat``, an ``ioctl``
    and two ``lseek``), a good part of reading a notice. Read to the end, as ``read_bytes``
    does, whatever the file's length has become since it was measured."""
    fd = os.open(path, os.O_RDONLY)
    try:
        pieces = []
        while piece := os.read(fd, max(size + 1, 1 << 16)):
            pieces.append(piece)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)
    finally:
        os.close(fd)


_INPUT_KEYS = ["doc_id", "reason", "source", "status"]


def read_manifest(path: Path) -> dict:
    """A manifest.json, each entry of its list of inputs read as None: what is checked of a
    dataset needs none of them, and a national build lists hundreds of thousands."""
    def pairs(items: list[tuple[str, object]]) -> dict | None:
        return None if [key for key, _ in items] == _INPUT_KEYS else dict(items)

    return json.loads(path.read_text("utf-8"), object_pairs_hook=pairs)


def table_files(table: str) -> tuple[str, str]:
    return f"{table}.parquet", f"{table}.jsonl"


class Staging:
    """A new generation of the output folder that becomes the dataset on ``commit``."""

    def __init__(self, out_dir: Path, check: Check | None = None, hold_dir: Path | None = None):
        self.out_dir = out_dir
        self.hold_dir = hold_dir
        self.check = check
        out_dir.mkdir(parents=True, exist_ok=True)
        publish.remove_leftovers(out_dir)
        self.path = publish.new_generation(out_dir)
        self.writers: dict[str, TableWriter] = {}

    def writer(self, table: str) -> "TableWriter":
        if table not in self.writers:
            self.writers[table] = TableWriter(self.path, table, self.check, self.hold_dir)
        return self.writers[table]

    def findings(self) -> list:
        """What ``check`` found in the rows written so far, table by table."""
        return [f for table in TABLES if table in self.writers for f in self.writers[table].findings]

    def unpaired(self) -> dict[str, tuple[int, int]]:
        """Tables whose JSON Lines file holds another number of lines than its Parquet file holds
        rows: table → (lines, rows)."""
        return {t: (w.lines, w.rows) for t, w in self.writers.items() if w.lines != w.rows}

    def digests(self, names: Iterable[str]) -> dict[str, str]:
        """sha256 of the named files: JSON Lines as they were written, the others read back."""
        written = {w.jsonl_name: w.jsonl_digest.hexdigest() for w in self.writers.values() if w.closed}
        return {name: written.get(name) or file_digest(self.path / name) for name in names}

    def write_json(self, name: str, payload: Mapping) -> None:
        (self.path / name).write_text(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    def close_tables(self) -> None:
        for table in TABLES:
            self.writer(table).close()

    def commit(self, extra_files: Iterable[str] = ()) -> None:
        """Publish the generation: every table's files and ``extra_files`` (the manifest among them)."""
        self.close_tables()
        names = [n for table in TABLES for n in table_files(table)] + [n for n in extra_files if n not in table_files_all()]
        publish.publish(self.out_dir, self.path, names)

    def abandon(self) -> None:
        """Drop the generation; never raises for a writer that cannot close (a full disk)."""
        for writer in self.writers.values():
            try:
                writer.close()
            except (OSError, ValueError):
                pass
            writer.discard()
        publish.discard(self.out_dir, self.path)


def table_files_all() -> set[str]:
    return {n for table in TABLES for n in table_files(table)}


Check = Callable[[str, pa.Table], list]  # table, rows → findings


class TableWriter:
    """Appends rows of one table to its Parquet and JSON Lines files.

    Rows arrive as Arrow record batches (one per chunk of documents) with their JSON lines; a row
    group is written when ROW_GROUP_ROWS rows or ROW_GROUP_BYTES of JSON have gathered, so
    row groups depend only on the rows, never on timing. Each row group is passed to ``check``
    (column by column checks of the rows) before it is written. The batches of a row group
    that has gathered HOLD_BYTES or HOLD_BATCHES batches wait in a file in ``hold_dir``, when
    given: the writers of every table wait together (a large page fills several at once), and
    would otherwise add up in memory.
    """

    def __init__(self, directory: Path, table: str, check: Check | None = None, hold_dir: Path | None = None):
        self.table = table
        self.check = check
        self.findings: list = []
        self.schema = arrow_schema(TABLES[table])
        parquet_name, jsonl_name = table_files(table)
        # zstd level 1 makes files as small as the default level at half the time, and plain
        # encoding beats dictionaries here: most columns are spans of text, unique per row.
        self.parquet = pq.ParquetWriter(directory / parquet_name, self.schema, compression="zstd", compression_level=1,
                                        use_dictionary=False, write_statistics=True)
        self.jsonl = open(directory / jsonl_name, "wb")
        self.jsonl_name = jsonl_name
        self.jsonl_digest = hashlib.sha256()  # hashed as written: the file is never read back
        self.batches: list[pa.RecordBatch] = []
        self.hold_dir = hold_dir
        self.held: _Held | None = None  # the batches gathered, once they are kept in a file
        self.buffered_rows = 0
        self.buffered_bytes = 0
        self.rows = 0
        self.lines = 0  # of JSON written
        self.closed = False

    def append(self, batch: pa.RecordBatch, lines: bytes) -> None:
        """Rows as an Arrow batch and their JSON lines, UTF-8 encoded."""
        self.jsonl.write(lines)
        self.jsonl_digest.update(lines)
        self.lines += lines.count(b"\n")
        self.buffered_rows += batch.num_rows
        self.buffered_bytes += len(lines)
        self.rows += batch.num_rows
        if self.buffered_rows >= ROW_GROUP_ROWS or self.buffered_bytes >= ROW_GROUP_BYTES:
            self.batches.append(batch)
            self._flush()
        elif self.held is not None:
            self.held.write(batch)
        elif (self.buffered_bytes >= HOLD_BYTES or len(self.batches) >= HOLD_BATCHES) and self.hold_dir is not None:
            self.held = _Held(self.hold_dir, self.table, self.schema, [*self.batches, batch])
            self.batches = []
        else:
            self.batches.append(batch)

    def _flush(self) -> None:
        if self.held is not None:
            table = self.held.take(self.batches)
            self.held = None
        elif self.batches:
            table = pa.Table.from_batches(self.batches, schema=self.schema)
        else:
            return
        self.batches = []
        if self.check is not None:
            self.findings += self.check(self.table, table)
        self.parquet.write_table(table, row_group_size=max(1, table.num_rows))
        self.buffered_rows, self.buffered_bytes = 0, 0
        del table
        if next(_ROW_GROUPS) % TRIM_EVERY == 0:
            release_free_memory()

    def close(self) -> None:
        if self.closed:
            return
        self._flush()
        self.parquet.close()
        self.jsonl.close()
        self.closed = True

    def discard(self) -> None:
        """Remove the file of the batches held, if any (the writer is being abandoned)."""
        if self.held is not None:
            self.held.discard()
            self.held = None


TRIM_EVERY = 4  # row groups written (by any writer) between two calls of ``release_free_memory``
_ROW_GROUPS = itertools.count(1)


def release_free_memory() -> bool:
    """Give the pages the C library's heap holds free back to the system (glibc's
    ``malloc_trim``; elsewhere nothing is done); whether it could be asked.

    Called after every TRIM_EVERY-th row group is written, when its buffers have just been
    freed: the heap grows in small blocks between the rows of many documents, and the free
    pages left between the blocks still in use otherwise stay resident (some 14 MB of a build of
    10 000 notices). A call walks the heap, about 1 ms in a build's; there are some 20 row
    groups per 1 000 notices, so it costs about 0.005 ms per notice."""
    return libc.call("malloc_trim", 0)


class _Held:
    """Batches of one row group kept in an Arrow IPC stream until the row group is written."""

    _made = itertools.count()

    def __init__(self, directory: Path, table: str, schema: pa.Schema, batches: list[pa.RecordBatch]):
        self.path = cache.temporary(directory, f"held-{table}-{next(_Held._made)}")
        self.file = open(self.path, "wb")
        self.stream = pa.ipc.new_stream(self.file, schema)
        for batch in batches:
            self.write(batch)

    def write(self, batch: pa.RecordBatch) -> None:
        self.stream.write_batch(batch)

    def take(self, more: list[pa.RecordBatch]) -> pa.Table:
        """The batches held, then ``more``, as one table; the file is removed."""
        for batch in more:
            self.write(batch)
        self.stream.close()
        self.file.close()
        try:
            with open(self.path, "rb") as fh:
                return pa.ipc.open_stream(fh).read_all()
        finally:
            os.unlink(self.path)

    def discard(self) -> None:
        try:
            self.stream.close()
        except (OSError, ValueError, pa.ArrowException):
            pass
        self.file.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass
