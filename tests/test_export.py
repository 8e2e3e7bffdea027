"""CSV export: UTF-8 with BOM, every row, lists as JSON text, and one-line errors from the command."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from pipeline.export import export_csv
from pipeline.models import TABLES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def exported(dataset, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("csv")
    assert [p.name for p in export_csv(dataset, out)] == [f"{t}.csv" for t in TABLES]
    return out


def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("table", list(TABLES))
def test_every_row_with_a_bom(exported, dataset, table):
    data = (exported / f"{table}.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pl.read_parquet(dataset / f"{table}.parquet")
    rows = _read_csv(exported / f"{table}.csv")
    assert len(rows) == frame.height
    assert list(rows[0]) == frame.columns if rows else True


def test_chinese_and_lists_survive(exported, dataset):
    documents = pl.read_parquet(dataset / "documents.parquet").sort("doc_id")
    rows = sorted(_read_csv(exported / "documents.csv"), key=lambda r: r["doc_id"])
    for row, expected in zip(rows, documents.iter_rows(named=True)):
        assert row["text"] == expected["text"]  # newlines, 《》 and full-width punctuation intact
        assert json.loads(row["contact_phones"]) == expected["contact_phones"]
        assert row["title"] == (expected["title"] or "")
    measures = _read_csv(exported / "measures.csv")
    assert any(json.loads(r["section_path"]) for r in measures)
    assert all(isinstance(json.loads(r["policy_refs"]), list) for r in measures)


def zhenggai(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_export_command(dataset, tmp_path):
    result = zhenggai("export", str(dataset), "--format", "csv", "--out", str(tmp_path / "csv"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(f"{t}.csv" for t in TABLES)


@pytest.mark.parametrize("args", [["export", "{tmp}/none"], ["export", "{dataset}", "--format", "xlsx"], ["export", "{tmp}"], ["export", "--help-me"]])
def test_bad_input_is_one_line(args, dataset, tmp_path):
    result = zhenggai(*[a.replace("{tmp}", str(tmp_path)).replace("{dataset}", str(dataset)) for a in args])
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("zhenggai: "), result.stderr


def test_help_and_readme():
    assert "Usage" in zhenggai("export", "--help").stdout
    assert "zhenggai export" in (ROOT / "README.md").read_text("utf-8")
