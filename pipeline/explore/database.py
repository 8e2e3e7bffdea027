"""A built dataset → one SQLite database: every table, keys, indexes and Chinese full-text search.

Tables, columns, keys and searched columns come from the table registry
(``pipeline.models.REGISTRY``): a table added there is exported with no change here.  Each searched table
gets two FTS5 indexes over the same rows (``content=`` the table itself, so nothing is stored
twice): ``TABLE_fts`` with the trigram tokenizer finds any substring of three or more
characters, and ``TABLE_fts_pairs`` holds the text as overlapping character pairs
(``pipeline.explore.cjk``) so that two-character queries such as 整改 find their rows too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.explore.cjk import bigram_text
from pipeline.models import ID_FIELD, REGISTRY, TABLES
from pipeline.schema import arrow_schema
from pipeline.write import table_files

DATABASE_NAME = "zhenggai.db"
# table → columns indexed for full-text search
SEARCHED: dict[str, tuple[str, ...]] = {t.name: t.searched for t in REGISTRY.values() if t.searched}
BATCH_ROWS = 4096
# :q is two characters of the main Han blocks (U+3400 … U+9FFF), which the pair index answers exactly
HAN_PAIR = "length(:q) = 2 AND unicode(substr(:q, 1, 1)) BETWEEN 13312 AND 40959 AND unicode(substr(:q, 2, 1)) BETWEEN 13312 AND 40959"


class DatabaseError(Exception):
    """The dataset cannot be exported (a table file is missing or unreadable, or SQLite is too old)."""


def sql_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_integer(arrow_type) or pa.types.is_boolean(arrow_type):
        return "INTEGER"
    if pa.types.is_floating(arrow_type):
        return "REAL"
    return "TEXT"  # strings, ISO dates, lists as JSON text


def references(table: str) -> dict[str, str]:
    """Column → the table it refers to, e.g. measures: {doc_id: documents, problem_id: problems, …}."""
    declared = REGISTRY[table].references
    return {column: declared[column] for column in TABLES[table].model_fields if column in declared}


def create_table_sql(table: str) -> str:
    schema = arrow_schema(TABLES[table])
    pk = ID_FIELD.get(table)
    lines = [
        f'  "{f.name}" {sql_type(f.type)}{" PRIMARY KEY" if f.name == pk else ""}{"" if f.nullable else " NOT NULL"}'
        for f in schema
    ]
    lines += [f'  FOREIGN KEY ("{c}") REFERENCES "{t}" ("{ID_FIELD[t]}")' for c, t in references(table).items()]
    return f'CREATE TABLE "{table}" (\n' + ",\n".join(lines) + "\n)"


def write_database(dataset: Path | str, path: Path | str, *, indexed: Callable[[str], list[str]] | None = None) -> Path:
    """Write every table of ``dataset`` into the SQLite file ``path`` (replaced whole, atomically).

    ``indexed(table)`` names the columns to index beyond the foreign keys (the facets).
    """
    dataset, path = Path(dataset), Path(path)
    if sqlite3.sqlite_version_info < (3, 34):
        raise DatabaseError(f"SQLite {sqlite3.sqlite_version} has no trigram tokenizer (3.34 or newer is needed)")
    files = {table: dataset / table_files(table)[0] for table in TABLES}
    for file in files.values():
        if not file.is_file():
            raise DatabaseError(f"no {file.name} in {dataset}")
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.partial")
    staging.unlink(missing_ok=True)
    con = sqlite3.connect(staging, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.create_function("zg_pairs", 1, bigram_text, deterministic=True)
        con.execute("BEGIN")
        for table, file in files.items():
            con.execute(create_table_sql(table))
            _insert(con, table, file)
        _indexes(con, indexed)
        for table, columns in SEARCHED.items():
            _full_text(con, table, columns)
        con.execute("COMMIT")
        con.execute("VACUUM")
    except (OSError, pa.ArrowException) as exc:
        raise DatabaseError(f"cannot read the dataset: {exc}") from None
    finally:
        con.close()
    os.replace(staging, path)
    return path


def _insert(con: sqlite3.Connection, table: str, file: Path) -> None:
    schema = arrow_schema(TABLES[table])
    placeholders = ", ".join("?" for _ in schema)
    names = ", ".join(f'"{name}"' for name in schema.names)
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({placeholders})'
    for rows in _batches(file, schema):
        con.executemany(sql, rows)


def _batches(file: Path, schema: pa.Schema) -> Iterator[list[tuple]]:
    convert = [_converter(f.type) for f in schema]
    parquet = pq.ParquetFile(file)
    missing = [name for name in schema.names if name not in parquet.schema_arrow.names]
    if missing:
        raise DatabaseError(f"{file.name} has no column {missing[0]} (rebuild the dataset with this version)")
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=schema.names):
        columns = [fn(batch.column(i).to_pylist()) if fn else batch.column(i).to_pylist() for i, fn in enumerate(convert)]
        yield list(zip(*columns))


def _converter(arrow_type: pa.DataType) -> Callable[[list], list] | None:
    if pa.types.is_date(arrow_type):
        return lambda values: [v.isoformat() if isinstance(v, dt.date) else v for v in values]
    if pa.types.is_list(arrow_type):
        return lambda values: [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
    return None


def _indexes(con: sqlite3.Connection, indexed: Callable[[str], list[str]] | None) -> None:
    for table in TABLES:
        columns = dict.fromkeys([*references(table), *(indexed(table) if indexed else [])])
        for column in columns:
            con.execute(f'CREATE INDEX "idx_{table}_{column}" ON "{table}" ("{column}")')


def _full_text(con: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    # the pair index answers one token at a time (a two-character query), so it keeps no positions
    for suffix, options, value in (("fts", 'tokenize="trigram"', '"{}"'), ("fts_pairs", 'tokenize="unicode61", detail=none', 'zg_pairs("{}")')):
        index = f"{table}_{suffix}"
        con.execute(f'CREATE VIRTUAL TABLE "{index}" USING fts5({names}, content="{table}", content_rowid="rowid", {options})')
        values = ", ".join(value.format(c) for c in columns)
        con.execute(f'INSERT INTO "{index}" (rowid, {names}) SELECT rowid, {values} FROM "{table}" ORDER BY rowid')
        con.execute(f"INSERT INTO \"{index}\" (\"{index}\") VALUES ('optimize')")


def search_sql(table: str) -> str:
    """SQL of a search over ``table`` for a phrase ``:q`` of any length: the trigram index from
    three characters, the pair index for two Han characters, a scan of the searched columns
    for anything shorter."""
    columns = SEARCHED[table]
    phrase = "'\"' || replace(:q, '\"', '\"\"') || '\"'"
    scan = " OR ".join(f'instr(lower("{c}"), lower(:q)) > 0' for c in columns)
    return (
        f'SELECT rowid, * FROM "{table}" WHERE :q != \'\' AND rowid IN (\n'
        f'  SELECT rowid FROM "{table}_fts" WHERE length(:q) >= 3 AND "{table}_fts" MATCH {phrase}\n'
        f'  UNION SELECT rowid FROM "{table}_fts_pairs" WHERE {HAN_PAIR} AND "{table}_fts_pairs" MATCH {phrase}\n'
        f'  UNION SELECT rowid FROM "{table}" WHERE length(:q) < 3 AND NOT ({HAN_PAIR}) AND ({scan})\n'
        f") ORDER BY rowid"
    )
