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
    for table in ("documents", "problems", "measures", "dates", "indicators", "policy_refs", "outcomes", "status", "organizations"):
        assert f"{table}.f1" in floors


def test_eval_command_prints_the_table_and_holds_the_gate(dataset):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "eval", "--gold", str(ROOT / "tests" / "gold"), "--pred", str(dataset), "--baseline", str(BASELINE)],
        capture_output=True, text=True, timeout=300,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split()[:4] == ["table", "P", "R", "F1"]


def test_lowering_a_floor_needs_allow_lower(dataset, tmp_path):
    from pipeline.evaluate import update_baseline

    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"floors": {"dates.f1": 1.5}}), "utf-8")
    scores = evaluate(ROOT / "tests" / "gold", dataset)
    try:
        update_baseline(baseline, scores)
    except ValueError as exc:
        assert "allow-lower" in str(exc)
    else:
        raise AssertionError("a floor was lowered silently")
    update_baseline(baseline, scores, allow_lower=True)
    assert json.loads(baseline.read_text("utf-8"))["floors"]["dates.f1"] == 1.0
