"""The accuracy gate on real page excerpts: metadata, outcomes, status and organisations.

The pages are read from ``../shared/pages`` (skipped when absent); their annotations live in
``tests/gold/pages`` and are scored like the five notices, each table and field only where the
gold carries it. Floors are pinned in ``tests/eval_baseline_pages.json``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl

from pipeline.evaluate import below_floor, evaluate, format_scores

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold" / "pages"
BASELINE = ROOT / "tests" / "eval_baseline_pages.json"


def test_page_scores_hold_their_floors(pages_dataset, capsys):
    scores = evaluate(GOLD, pages_dataset)
    with capsys.disabled():
        print("\n" + format_scores(scores))
    floors = json.loads(BASELINE.read_text("utf-8"))["floors"]
    assert below_floor(scores, floors) == []


def test_every_page_is_annotated_and_its_text_unchanged(pages_dataset):
    """A change of normalisation would move every offset of the annotations: fail loudly instead."""
    gold = {r["doc_id"]: r for r in map(json.loads, (GOLD / "documents.jsonl").read_text("utf-8").splitlines())}
    built = pl.read_parquet(pages_dataset / "documents.parquet", columns=["doc_id", "text"]).to_dicts()
    assert len(gold) == 45 == len(built)
    for row in built:
        assert row["doc_id"] in gold
        assert hashlib.sha256(row["text"].encode()).hexdigest() == gold[row["doc_id"]]["text_sha256"], row["doc_id"]


def test_page_spans_point_at_their_text(pages_dataset):
    texts = dict(pl.read_parquet(pages_dataset / "documents.parquet", columns=["doc_id", "text"]).iter_rows())
    for path in GOLD.glob("*.jsonl"):
        for row in map(json.loads, path.read_text("utf-8").splitlines()):
            if "char_start" in row:
                assert texts[row["doc_id"]][row["char_start"] : row["char_end"]] == row["text"], (path.name, row)
