"""The measurements behind the SQLite export: which writer, and how Chinese is searched.

    python benchmarks/sqlite_export.py DATASET [--queries N]

1. Writer: the tables alone (no index, no full-text), written with plain ``sqlite3``
   (``executemany`` of tuples, as ``pipeline.explore.database`` does) and with sqlite-utils'
   ``insert_all`` (run ``pip install sqlite-utils`` first; skipped when it is missing).
2. Search: the size of each full-text index, and for two-character and longer queries drawn
   from the problems' text, the rows found by each index against a plain substring scan
   (recall), with the time each takes.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.explore import database  # noqa: E402
from pipeline.explore.cjk import WIDE_RUN  # noqa: E402
from pipeline.explore.metadata import facet_columns  # noqa: E402
from pipeline.models import TABLES  # noqa: E402
from pipeline.schema import arrow_schema  # noqa: E402
from pipeline.write import table_files  # noqa: E402


def time_plain(dataset: Path, path: Path) -> float:
    start = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("BEGIN")
    for table in TABLES:
        con.execute(database.create_table_sql(table))
        database._insert(con, table, dataset / table_files(table)[0])
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - start


def time_sqlite_utils(dataset: Path, path: Path) -> float | None:
    try:
        import sqlite_utils
    except ImportError:
        return None
    start = time.perf_counter()
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA journal_mode = OFF")
    for table in TABLES:
        schema = arrow_schema(TABLES[table])
        for rows in database._batches(dataset / table_files(table)[0], schema):
            db[table].insert_all((dict(zip(schema.names, row)) for row in rows), pk=database.ID_FIELD.get(table), batch_size=1000)
    db.close()
    return time.perf_counter() - start


def index_sizes(con: sqlite3.Connection) -> dict[str, int]:
    try:
        rows = con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.OperationalError:
        return {}
    return {name: size for name, size in rows}


SHADOWS = ("_data", "_idx", "_docsize", "_config", "_content")


def _grouped(sizes: dict[str, int]) -> dict[str, int]:
    """Page bytes per table with its indexes, and per full-text index with its shadow tables."""
    owner = {}
    for table in TABLES:
        owner[table] = table
        for suffix in ("fts", "fts_pairs"):
            owner.update({f"{table}_{suffix}{s}": f"{table}_{suffix}" for s in SHADOWS})
    grouped: dict[str, int] = {}
    for name, size in sizes.items():
        key = owner.get(name) or next((t for t in TABLES if name.startswith((f"idx_{t}_", f"sqlite_autoindex_{t}_"))), name)
        grouped[key] = grouped.get(key, 0) + size
    return dict(sorted(grouped.items(), key=lambda item: -item[1]))


def sample_queries(con: sqlite3.Connection, n: int, length: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    texts = [t for (t,) in con.execute("SELECT text FROM problems ORDER BY rowid")]
    queries: set[str] = set()
    while texts and len(queries) < n:
        runs = [r for r in WIDE_RUN.findall(rng.choice(texts)) if len(r) >= length]
        if runs:
            run = rng.choice(runs)
            i = rng.randrange(len(run) - length + 1)
            queries.add(run[i : i + length])
    return sorted(queries)


def compare_search(con: sqlite3.Connection, queries: list[str]) -> dict:
    def pairs_phrase(q: str) -> str:
        return " ".join(a + b for a, b in zip(q, q[1:]))

    ways = {
        "scan (instr)": "SELECT rowid FROM problems WHERE instr(text, ?) > 0",
        "trigram": "SELECT rowid FROM problems_fts WHERE problems_fts MATCH '\"' || ? || '\"' AND text IS NOT NULL",
        "pairs": "SELECT rowid FROM problems_fts_pairs WHERE problems_fts_pairs MATCH '\"' || ? || '\"'",
    }
    con.create_function("pairs_phrase", 1, pairs_phrase)
    ways["pairs, query split into pairs"] = "SELECT rowid FROM problems_fts_pairs WHERE problems_fts_pairs MATCH '\"' || pairs_phrase(?) || '\"'"
    result = {}
    truth = {q: {r for (r,) in con.execute("SELECT rowid FROM problems WHERE instr(text, ?) > 0", [q])} for q in queries}
    for way, sql in ways.items():
        found, hits, seconds = 0, 0, 0.0
        for q in queries:
            start = time.perf_counter()
            rows = {r for (r,) in con.execute(sql, [q])}
            seconds += time.perf_counter() - start
            hits += len(rows & truth[q])
            found += len(truth[q])
        result[way] = {"recall": round(hits / found, 4) if found else None, "ms_per_query": round(1000 * seconds / max(len(queries), 1), 2)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    report: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        report["writer_seconds"] = {
            "sqlite3": round(time_plain(args.dataset, Path(tmp) / "plain.db"), 2),
            "sqlite-utils": (lambda s: s and round(s, 2))(time_sqlite_utils(args.dataset, Path(tmp) / "utils.db")),
        }
        start = time.perf_counter()
        path = database.write_database(args.dataset, Path(tmp) / "full.db", indexed=facet_columns)
        report["full_export_seconds"] = round(time.perf_counter() - start, 2)
        report["database_mb"] = round(path.stat().st_size / 2**20, 1)
        con = sqlite3.connect(path)
        sizes = index_sizes(con)
        report["size_mb"] = {name: round(size / 2**20, 1) for name, size in _grouped(sizes).items()}
        report["search"] = {length: compare_search(con, sample_queries(con, args.queries, length)) for length in (2, 3, 4)}
        con.close()
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
