"""The gold annotations themselves: they point at the canonical text they were written against."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pipeline.normalize import canonicalize, decode

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold"
TABLES = ["documents", "problems", "measures", "dates", "indicators", "policy_refs"]


def rows(table):
    return [json.loads(line) for line in (GOLD / f"{table}.jsonl").read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def texts():
    out = {}
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        data = path.read_bytes()
        out[hashlib.sha256(data).hexdigest()[:16]] = canonicalize(decode(data, path.name).raw_text).text
    return out


def test_normalisation_has_not_moved_under_the_annotations(texts):
    for doc in rows("documents"):
        assert hashlib.sha256(texts[doc["doc_id"]].encode()).hexdigest() == doc["text_sha256"], doc["source"]


@pytest.mark.parametrize("table", TABLES[1:])
def test_gold_spans(texts, table):
    for row in rows(table):
        assert texts[row["doc_id"]][row["char_start"] : row["char_end"]] == row["text"]


def test_gold_covers_every_document(texts):
    for table in TABLES:
        if table in ("problems",):
            continue
        assert {r["doc_id"] for r in rows(table)} <= set(texts)
    assert {r["doc_id"] for r in rows("documents")} == set(texts)
