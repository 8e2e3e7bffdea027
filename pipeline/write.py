"""Stage 5: rows → one Parquet (zstd) and one JSON Lines file per table, plus manifest.json.

Everything is written into a staging folder beside the dataset and moved into place only
when the whole build has succeeded, so a failed or killed run leaves the previous dataset
as it was.  The manifest is moved last: a dataset whose manifest names other files than
are there was interrupted in the final moves, and a rerun repairs it.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterable, Mapping

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.models import TABLES, Row
from pipeline.schema import arrow_schema

STAGING_PREFIX = ".staging-"
ROW_GROUP_ROWS = 64 * 1024


def table_files(table: str) -> tuple[str, str]:
    return f"{table}.parquet", f"{table}.jsonl"


class Staging:
    """A folder beside the dataset that becomes it on ``commit``."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        for stale in out_dir.glob(STAGING_PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        self.path = out_dir / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
        self.path.mkdir()
        self.writers: dict[str, TableWriter] = {}

    def writer(self, table: str) -> "TableWriter":
        if table not in self.writers:
            self.writers[table] = TableWriter(self.path, table)
        return self.writers[table]

    def write_json(self, name: str, payload: Mapping) -> None:
        (self.path / name).write_text(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    def commit(self, extra_files: Iterable[str] = ()) -> None:
        for table in TABLES:
            self.writer(table).close()
        names = [n for table in TABLES for n in table_files(table)] + [n for n in extra_files if n != "manifest.json"]
        for name in names:
            os.replace(self.path / name, self.out_dir / name)
        if (self.path / "manifest.json").exists():
            os.replace(self.path / "manifest.json", self.out_dir / "manifest.json")
        shutil.rmtree(self.path, ignore_errors=True)

    def abandon(self) -> None:
        for writer in self.writers.values():
            writer.close()
        shutil.rmtree(self.path, ignore_errors=True)


class TableWriter:
    """Appends rows of one table to its Parquet and JSON Lines files."""

    def __init__(self, directory: Path, table: str):
        self.table = table
        self.schema = arrow_schema(TABLES[table])
        parquet_name, jsonl_name = table_files(table)
        self.parquet = pq.ParquetWriter(directory / parquet_name, self.schema, compression="zstd", write_statistics=True)
        self.jsonl = open(directory / jsonl_name, "w", encoding="utf-8", newline="\n")
        self.buffer: list[dict] = []
        self.rows = 0
        self.closed = False

    def write(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.jsonl.write(json.dumps(row.model_dump(mode="json"), ensure_ascii=False) + "\n")
            self.buffer.append(row.model_dump())
            self.rows += 1
        if len(self.buffer) >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.buffer:
            self.parquet.write_table(pa.Table.from_pylist(self.buffer, schema=self.schema), row_group_size=ROW_GROUP_ROWS)
            self.buffer = []

    def close(self) -> None:
        if self.closed:
            return
        self._flush()
        self.parquet.close()
        self.jsonl.close()
        self.closed = True
