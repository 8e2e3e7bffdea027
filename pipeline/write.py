"""Stage 5: rows → one Parquet (zstd) and one JSON Lines file per table, plus manifest.json.

Everything is written into a new generation of the output folder and published only when
the whole build has succeeded, by one atomic switch (``pipeline.publish``), so a failed or
killed run leaves the previous dataset as it was.  The manifest records the digest of every
file, so ``validate`` tells a file changed afterwards apart (ZG015).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable, Iterable, Mapping

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import publish
from pipeline.models import TABLES
from pipeline.schema import arrow_schema

ROW_GROUP_ROWS = 64 * 1024
ROW_GROUP_BYTES = 8 * 1024 * 1024  # of JSON text: bounds the memory a writer holds


def file_digest(path: Path) -> str:
    """sha256 of a file, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def table_files(table: str) -> tuple[str, str]:
    return f"{table}.parquet", f"{table}.jsonl"


class Staging:
    """A new generation of the output folder that becomes the dataset on ``commit``."""

    def __init__(self, out_dir: Path, check: Check | None = None):
        self.out_dir = out_dir
        self.check = check
        out_dir.mkdir(parents=True, exist_ok=True)
        publish.remove_leftovers(out_dir)
        self.path = publish.new_generation(out_dir)
        self.writers: dict[str, TableWriter] = {}

    def writer(self, table: str) -> "TableWriter":
        if table not in self.writers:
            self.writers[table] = TableWriter(self.path, table, self.check)
        return self.writers[table]

    def findings(self) -> list:
        """What ``check`` found in the rows written so far, table by table."""
        return [f for table in TABLES if table in self.writers for f in self.writers[table].findings]

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
        publish.discard(self.out_dir, self.path)


def table_files_all() -> set[str]:
    return {n for table in TABLES for n in table_files(table)}


Check = Callable[[str, pa.Table], list]  # table, rows → findings


class TableWriter:
    """Appends rows of one table to its Parquet and JSON Lines files.

    Rows arrive as Arrow record batches (one per chunk of documents) with their JSON lines; a row
    group is written when ROW_GROUP_ROWS rows or ROW_GROUP_BYTES of JSON have gathered, so
    row groups depend only on the rows, never on timing. Each row group is passed to ``check``
    (column by column checks of the rows) before it is written.
    """

    def __init__(self, directory: Path, table: str, check: Check | None = None):
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
        self.buffered_rows = 0
        self.buffered_bytes = 0
        self.rows = 0
        self.closed = False

    def append(self, batch: pa.RecordBatch, lines: bytes) -> None:
        """Rows as an Arrow batch and their JSON lines, UTF-8 encoded."""
        self.jsonl.write(lines)
        self.jsonl_digest.update(lines)
        self.batches.append(batch)
        self.buffered_rows += batch.num_rows
        self.buffered_bytes += len(lines)
        self.rows += batch.num_rows
        if self.buffered_rows >= ROW_GROUP_ROWS or self.buffered_bytes >= ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self.batches:
            table = pa.Table.from_batches(self.batches, schema=self.schema)
            if self.check is not None:
                self.findings += self.check(self.table, table)
            self.parquet.write_table(table, row_group_size=max(1, table.num_rows))
            self.batches, self.buffered_rows, self.buffered_bytes = [], 0, 0

    def close(self) -> None:
        if self.closed:
            return
        self._flush()
        self.parquet.close()
        self.jsonl.close()
        self.closed = True
