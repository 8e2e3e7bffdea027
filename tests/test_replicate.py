"""benchmarks/replicate.py: a dataset made of copies of a built one validates, with new ids,
places and years in each copy, and the same bytes on every run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl

from pipeline.models import ID_FIELD, TABLES
from pipeline.validate import validate

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "replicate.py"


def _replicate(dataset: Path, out: Path, documents: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(dataset), "--documents", str(documents), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)


def test_copies_validate_with_ids_of_their_own(dataset, tmp_path):
    result = _replicate(dataset, tmp_path / "big", 12)  # two whole copies of five and two documents
    assert result.returncode == 0, result.stderr
    big = tmp_path / "big"
    report = validate(big)
    assert report.n_errors == 0, report.errors[:3]
    documents = pl.read_parquet(big / "documents.parquet")
    seed = pl.read_parquet(dataset / "documents.parquet")
    assert documents.height == 12 and documents["doc_id"].n_unique() == 12 and documents["source"].n_unique() == 12
    assert documents.head(5).equals(seed)  # copy 0 is the seed itself
    for table in TABLES:
        rows = pl.read_parquet(big / f"{table}.parquet")
        if table in ID_FIELD and table != "documents":
            assert rows[ID_FIELD[table]].n_unique() == rows.height
            assert rows.filter(~pl.col(ID_FIELD[table]).str.starts_with(pl.col("doc_id") + "-")).is_empty()
    copy = documents.filter(pl.col("source").str.starts_with("replica-1/"))
    assert copy.height == 5 and (copy["reference_year"] == seed["reference_year"] - 1).all()
    assert copy["province"].drop_nulls().len() == 5 and copy["district"].null_count() == 5


def test_the_same_seed_gives_the_same_bytes(dataset, tmp_path):
    for name in ("a", "b"):
        assert _replicate(dataset, tmp_path / name, 7).returncode == 0
    for table in TABLES:
        for suffix in ("parquet", "jsonl"):
            assert (tmp_path / "a" / f"{table}.{suffix}").read_bytes() == (tmp_path / "b" / f"{table}.{suffix}").read_bytes(), table
