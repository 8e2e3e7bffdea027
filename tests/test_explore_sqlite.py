"""The SQLite export: every table and row, keys, indexes, and full-text search that finds
Chinese queries of any length exactly where a substring scan does."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from pipeline.explore import SEARCHED, datasette_metadata, write_database
from pipeline.explore.cjk import bigram_text, is_pair_query
from pipeline.explore.database import references, search_sql
from pipeline.explore.metadata import facet_columns, sortable_columns
from pipeline.export import export_sqlite
from pipeline.models import ID_FIELD, TABLES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def database(dataset, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sqlite")
    database, metadata = export_sqlite(dataset, out)
    assert metadata.name == "metadata.json"
    return database


@pytest.fixture(scope="module")
def con(database):
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    yield con
    con.close()


@pytest.mark.parametrize("table", list(TABLES))
def test_every_table_every_row_every_column(con, dataset, table):
    frame = pl.read_parquet(dataset / f"{table}.parquet")
    columns = [row[1] for row in con.execute(f'PRAGMA table_info("{table}")')]
    assert columns == frame.columns
    assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == frame.height


def test_values_round_trip(con, dataset):
    documents = pl.read_parquet(dataset / "documents.parquet")
    for expected in documents.iter_rows(named=True):
        row = con.execute("SELECT text, contact_phones, signed_date, n_problems FROM documents WHERE doc_id = ?", [expected["doc_id"]]).fetchone()
        assert row[0] == expected["text"]
        assert json.loads(row[1]) == expected["contact_phones"]
        assert row[2] == (expected["signed_date"].isoformat() if expected["signed_date"] else None)
        assert row[3] == expected["n_problems"]
    measure = con.execute("SELECT m.text, d.text, m.char_start, m.char_end FROM measures m JOIN documents d USING (doc_id) LIMIT 1").fetchone()
    assert measure[1][measure[2] : measure[3]] == measure[0]


def test_section_text_query_cuts_the_document_text(con, dataset):
    """Sections carry no text; the canned query cuts it from documents.text, as Python slices it."""
    from pipeline.explore.metadata import SECTION_TEXT_SQL

    assert "text" not in [row[1] for row in con.execute('PRAGMA table_info("sections")')]
    texts = dict(pl.read_parquet(dataset / "documents.parquet", columns=["doc_id", "text"]).iter_rows())
    sections = pl.read_parquet(dataset / "sections.parquet")
    for doc_id, text in texts.items():
        got = {row[0]: row[-1] for row in con.execute(SECTION_TEXT_SQL, {"doc_id": doc_id})}
        expected = {r["section_id"]: text[r["char_start"] : r["char_end"]] for r in sections.filter(pl.col("doc_id") == doc_id).iter_rows(named=True)}
        assert got == expected
    assert datasette_metadata()["databases"]["zhenggai"]["queries"]["section_text"]["sql"] == SECTION_TEXT_SQL


@pytest.mark.parametrize("table", list(TABLES))
def test_keys_and_indexes(con, table):
    info = {row[1]: row for row in con.execute(f'PRAGMA table_info("{table}")')}
    pk = [name for name, row in info.items() if row[5]]
    assert pk == ([ID_FIELD[table]] if table in ID_FIELD else [])
    declared = {row[3]: row[2] for row in con.execute(f'PRAGMA foreign_key_list("{table}")')}
    assert declared == references(table)
    indexed = {con.execute(f'PRAGMA index_info("{row[1]}")').fetchone()[2] for row in con.execute(f'PRAGMA index_list("{table}")')}
    assert set(declared) | set(facet_columns(table)) <= indexed


def test_every_reference_resolves(con):
    assert references("measures") == {"doc_id": "documents", "problem_id": "problems", "section_id": "sections"}
    assert references("sections")["parent_id"] == "sections"
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("整改落实", " 整改 改落 落实 "),
        ("整", " 整 "),
        ("共3项", " 共 3 项 "),
        ("2023年底前完成", "2023 年底 底前 前完 完成 "),
        ("二〇二三年", " 二〇 〇二 二三 三年 "),
        ("营商环境，A股", " 营商 商环 环境 ，A 股 "),
        ("", ""),
        (None, None),
    ],
)
def test_pairs(text, expected):
    assert bigram_text(text) == expected


@pytest.mark.parametrize(("query", "pair"), [("整改", True), ("整", False), ("整改落", False), ("A1", False), ("二〇", True)])
def test_which_queries_the_pair_index_answers(query, pair):
    assert is_pair_query(query) is pair


def _queries(con, table: str) -> list[str]:
    """Substrings of the table's text of length 1 to 5, a few from every row, and some absent."""
    queries = {"营商环境", "整改", "问题", "形式主义", "不存在的词语", "ZZ", "2023", "12", "“", "制"}
    for (text,) in con.execute(f'SELECT text FROM "{table}" ORDER BY rowid LIMIT 40'):
        for length in (2, 3, 5):
            start = len(text) // 3
            queries.add(text[start : start + length])
    return sorted(q for q in queries if q.strip())


@pytest.mark.parametrize("table", list(SEARCHED))
def test_search_finds_exactly_what_a_scan_finds(con, table):
    columns = SEARCHED[table]
    scan = f'SELECT rowid FROM "{table}" WHERE ' + " OR ".join(f'instr(lower(coalesce("{c}", \'\')), lower(:q)) > 0' for c in columns)
    checked = 0
    for query in _queries(con, table):
        found = {row[0] for row in con.execute(search_sql(table), {"q": query})}
        truth = {row[0] for row in con.execute(scan, {"q": query})}
        assert found == truth, f"{table}: {query!r}"
        checked += bool(truth)
    assert checked >= 20


def test_two_characters_need_the_pair_index(con):
    """The trigram index alone finds nothing for 整改; the pair index finds every row."""
    assert con.execute("SELECT count(*) FROM problems_fts WHERE problems_fts MATCH '\"整改\"'").fetchone()[0] == 0
    pairs = con.execute("SELECT count(*) FROM problems_fts_pairs WHERE problems_fts_pairs MATCH '\"整改\"'").fetchone()[0]
    assert pairs == con.execute("SELECT count(*) FROM problems WHERE instr(text, '整改') OR instr(title, '整改') OR instr(category, '整改')").fetchone()[0] > 0


def test_empty_and_quoted_queries(con):
    for query in ("", '"', '营商"环境', "AND", "*"):
        con.execute(search_sql("problems"), {"q": query}).fetchall()  # no syntax error


def test_rerun_is_byte_identical(dataset, database, tmp_path):
    again = write_database(dataset, tmp_path / "again.db", indexed=facet_columns)
    assert again.read_bytes() == database.read_bytes()
    assert not list(tmp_path.glob(".*partial"))


@pytest.mark.parametrize("table", list(TABLES))
def test_metadata_describes_every_table_from_the_models(table):
    meta = datasette_metadata()["databases"]["zhenggai"]
    entry = meta["tables"][table]
    assert entry["description"]
    assert set(entry["columns"]) == set(TABLES[table].model_fields)
    assert all(entry["columns"].values())
    assert set(entry["facets"]) <= set(entry["columns"]) and set(entry["sortable_columns"]) <= set(entry["columns"])
    if table in SEARCHED:
        assert entry["fts_table"] == f"{table}_fts"
        assert f"search_{table}" in meta["queries"]


def test_facets_and_sorts_by_kind_of_column():
    assert facet_columns("documents")[:1] == ["doc_type"]
    assert {"province", "city", "reference_year"} <= set(facet_columns("documents"))
    assert {"kind", "unit", "qualifier", "change", "comparison"} <= set(facet_columns("indicators"))
    assert {"n_problems", "signed_date", "reference_year"} <= set(sortable_columns("documents"))
    assert "text" not in sortable_columns("documents")


def test_review_links():
    from pipeline.explore.datasette_plugin import review_link

    row = {"doc_id": "0123456789abcdef", "problem_id": "p1", "title": "关于…"}
    assert review_link("/review/", "documents", "title", row) == "/review/0123456789abcdef.html"
    assert review_link("/review/", "problems", "doc_id", row) == "/review/0123456789abcdef.html#r-p1"
    assert review_link("/review/", "problems", "doc_id", {**row, "doc_id": {"value": "0123456789abcdef", "label": "…"}}).endswith("f.html#r-p1")
    assert review_link("/review/", "problems", "text", row) is None
    assert review_link("/review/", "measures", "doc_id", row) is None  # no measure_id selected
    assert review_link("/review/", "rejects", "doc_id", row) is None


def zhenggai(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_export_command(dataset, tmp_path):
    result = zhenggai("export", str(dataset), "--format", "sqlite", "--out", str(tmp_path / "db"), "--review-url", "")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["metadata.json", "zhenggai.db"]
    assert "plugins" not in json.loads((tmp_path / "db" / "metadata.json").read_text("utf-8"))


def test_a_dataset_without_a_table_is_one_line(dataset, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in dataset.glob("*.parquet"):
        if path.name != "measures.parquet":
            (broken / path.name).write_bytes(path.read_bytes())
    result = zhenggai("export", str(broken), "--format", "sqlite", "--out", str(tmp_path / "db"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"zhenggai: no measures.parquet in {broken}"
    assert not (tmp_path / "db" / "zhenggai.db").exists()
