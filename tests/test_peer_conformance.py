"""Conformance with Microsoft Recognizers-Text's Chinese number and currency specs.

Their cases are read from ``../shared/peer/recognizers-text/`` (skipped when absent, never
copied here). Resolution formats differ, so each case is mapped: NumberModel cases against
``find_numbers`` (every expected number with the same span and value, nothing else),
CurrencyModel cases against the money rows of ``find_indicators`` (span and value).
Peer inputs are not canonical text, so each character is NFKC-folded first when that keeps
the length, as the pipeline does. Cases out of scope for government notices are listed in
``cases/peer_known_failures.yaml`` with a reason; the pass rates are pinned as floors.
"""

from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path

import pytest
import yaml

from pipeline.extract.indicators import find_indicators
from pipeline.extract.numerals import find_numbers

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT.parent / "shared" / "peer" / "recognizers-text"
KNOWN = yaml.safe_load((ROOT / "tests" / "cases" / "peer_known_failures.yaml").read_text("utf-8"))

# Floors: the test fails when a pass rate drops below them.
FLOORS = {
    "NumberModel": {"all": 0.80, "in_scope": 1.0},
    "CurrencyModel": {"all": 0.65, "in_scope": 1.0},
}


def _fold(text: str) -> str:
    folded = "".join(unicodedata.normalize("NFKC", c) if len(unicodedata.normalize("NFKC", c)) == 1 else c
                     for c in text)
    return folded


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _number_case_passes(case: dict) -> bool:
    text = _fold(case["Input"])
    got = find_numbers(text)
    expected = case["Results"]
    if len(got) != len(expected):
        return False
    for (start, end, value), exp in zip(got, expected):
        if (start, end - 1) != (exp["Start"], exp["End"]):
            return False
        if not case.get("IgnoreResolution") and not _close(value, float(exp["Resolution"]["value"])):
            return False
    return True


def _currency_case_passes(case: dict) -> bool:
    text = _fold(case["Input"])
    got = [r for r in find_indicators(text) if r.kind == "money"]
    expected = case["Results"]
    if len(got) != len(expected):
        return False
    for row, exp in zip(got, expected):
        if (row.start, row.end - 1) != (exp["Start"], exp["End"]):
            return False
        value = exp["Resolution"].get("value")
        if value is None or not _close(row.value_normalized, float(value)):
            return False
        if exp["Resolution"].get("isoCurrency") and exp["Resolution"]["isoCurrency"] != row.unit:
            return False
    return True


CHECKS = {"NumberModel": _number_case_passes, "CurrencyModel": _currency_case_passes}


def _load(model: str) -> list[dict]:
    path = PEER / f"{model}.zh.json"
    if not path.exists():
        pytest.skip(f"peer test data {path.name} not available")
    return json.loads(path.read_text("utf-8-sig"))


def _outcomes(model: str) -> tuple[list[tuple[str, bool]], set[str]]:
    cases = _load(model)
    known = {entry["input"] for entry in KNOWN[model]}
    return [(case["Input"], CHECKS[model](case)) for case in cases], known


@pytest.mark.parametrize("model", sorted(CHECKS))
def test_pass_rates_hold_their_floor(model, capsys):
    outcomes, known = _outcomes(model)
    passed_all = sum(ok for _, ok in outcomes)
    in_scope = [(i, ok) for i, ok in outcomes if i not in known]
    passed_in = sum(ok for _, ok in in_scope)
    rate_all, rate_in = passed_all / len(outcomes), passed_in / len(in_scope)
    with capsys.disabled():
        print(f"\n{model}: all {passed_all}/{len(outcomes)} = {rate_all:.1%}; "
              f"in scope {passed_in}/{len(in_scope)} = {rate_in:.1%}")
    failing = [i for i, ok in in_scope if not ok]
    assert rate_in >= FLOORS[model]["in_scope"], f"in-scope failures: {failing}"
    assert rate_all >= FLOORS[model]["all"]


@pytest.mark.parametrize("model", sorted(CHECKS))
def test_known_failures_are_real_and_explained(model):
    outcomes, known = _outcomes(model)
    inputs = {i for i, _ in outcomes}
    for entry in KNOWN[model]:
        assert entry["input"] in inputs, f"stale entry: {entry['input']!r}"
        assert entry["reason"].strip(), f"no reason for {entry['input']!r}"
    now_passing = [i for i, ok in outcomes if ok and i in known]
    assert not now_passing, f"listed as failures but now pass, remove them: {now_passing}"
