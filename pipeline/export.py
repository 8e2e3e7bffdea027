"""Export a built dataset to other formats: CSV that Excel opens with the Chinese intact, and
one SQLite database with full-text search for Datasette (``pipeline.explore``).

``export_csv(dataset, out)`` writes one ``TABLE.csv`` per table: UTF-8 with a byte-order
mark (without it Excel guesses a legacy code page and shows mojibake), CRLF line ends, list
columns as JSON text (``["020-83123931"]``), dates as ISO, null as an empty cell.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from pipeline.models import TABLES
from pipeline.write import table_files

FORMATS = ("csv", "sqlite")
METADATA_NAME = "metadata.json"


class ExportError(Exception):
    """The dataset folder cannot be exported (a table file is missing or unreadable)."""


def export_csv(dataset: Path, out: Path) -> list[Path]:
    """Write ``out/TABLE.csv`` for every table of ``dataset``; return the paths written."""
    dataset, out = Path(dataset), Path(out)
    frames = {table: _read(dataset / table_files(table)[0]) for table in TABLES}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table, frame in frames.items():
        path = out / f"{table}.csv"
        _flatten(frame).write_csv(path, include_bom=True, line_terminator="\r\n")
        written.append(path)
    return written


def export_sqlite(dataset: Path, out: Path, review_url: str | None = "/review/") -> list[Path]:
    """Write ``out/zhenggai.db`` and its Datasette metadata ``out/metadata.json``."""
    from pipeline.explore import DATABASE_NAME, DatabaseError, datasette_metadata, write_database
    from pipeline.explore.metadata import facet_columns

    out = Path(out)
    try:
        database = write_database(dataset, out / DATABASE_NAME, indexed=facet_columns)
    except DatabaseError as exc:
        raise ExportError(str(exc)) from None
    metadata = out / METADATA_NAME
    metadata.write_text(json.dumps(datasette_metadata(review_url), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [database, metadata]


def _read(path: Path) -> pl.DataFrame:
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ExportError(f"cannot read {path.name}: {exc}") from None


def _flatten(frame: pl.DataFrame) -> pl.DataFrame:
    """List columns become JSON text, which CSV can hold and Excel shows as written."""
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    return frame.with_columns(
        pl.col(name).map_elements(_json_text, return_dtype=pl.String, skip_nulls=True) for name in lists
    )


def _json_text(values: pl.Series) -> str:
    return json.dumps(values.to_list(), ensure_ascii=False)
