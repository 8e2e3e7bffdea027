"""The accuracy gate: scores on the gold annotations never fall below their pinned floors."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.evaluate import below_floor, evaluate, format_scores

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tests" / "eval_baseline.json"


def test_scores_hold_their_floors(dataset, capsys):
    scores = evaluate(ROOT / "tests" / "gold", dataset)
    with capsys.disabled():
        print("\n" + format_scores(scores))
    floors = json.loads(BASELINE.read_text("utf-8"))["floors"]
    assert below_floor(scores, floors) == []


def test_every_table_is_pinned():
    floors = json.loads(BASELINE.read_text("utf-8"))["floors"]
    for table in ("documents", "problems", "measures", "dates", "indicators", "policy_refs"):
        assert f"{table}.f1" in floors
