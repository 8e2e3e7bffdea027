"""Outcomes (SPEC 10), problem status (SPEC 3) and deadlines (SPEC 1, 5): the vocabulary entry
by entry, then case tables of statements that must and must not give a row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline import extract_text
from pipeline.extract.dates import scan_dates
from pipeline.extract.deadlines import find_aims
from pipeline.extract.indicators import find_indicators
from pipeline.extract.outcomes import KindRules, OutcomeRules, action_of, find_outcomes, find_status, outcome_rules
from pipeline.models import Outcome
from pipeline.normalize import canonicalize

CASES = Path(__file__).resolve().parent / "cases"
RULES = outcome_rules()


def _table(name: str) -> list[dict]:
    return [json.loads(line) for line in (CASES / name).read_text("utf-8").splitlines() if line.strip()]


# ---------------------------------------------------------------- the vocabulary, entry by entry

KIND_CUES = [(kind, place, cue) for kind, k in RULES.kinds.items() for place in ("before", "weak", "after", "noun") for cue in getattr(k, place)]


@pytest.mark.parametrize("kind,place,cue", KIND_CUES, ids=[f"{k}-{p}-{c}" for k, p, c in KIND_CUES])
def test_every_cue_gives_its_kind(kind, place, cue):
    """A statement built around the cue, in the order its place says, gives an outcome of its kind."""
    k = RULES.kinds[kind]
    words = cue.replace("…", "")
    figure = {"CNY": "12万元", "%": "85%"}.get(k.unit, f"7{k.counts[0]}")
    lead = {"problems": "巡察反馈问题20个,", "tasks": "制定整改措施20项,"}.get(k.family or "", "") if place == "weak" else ""
    text = lead + (f"{words}{figure}。" if place in ("before", "weak") else f"共{figure}{words}。")
    found = [o for o in find_outcomes(text, find_indicators(text)) if o.start >= len(lead)]
    assert [o.kind for o in found] == [kind], text
    if kind in ("people_handled", "funds_recovered"):
        assert found[0].action is not None


@pytest.mark.parametrize("written,action", sorted(RULES.actions.items()))
def test_every_action_word_maps_to_its_action(written, action):
    assert action_of(written, RULES.actions) == action
    assert action in Outcome.model_fields["action"].annotation.__args__[0].__args__


@pytest.mark.parametrize("status,phrase", [(s, p) for s, phrases in RULES.status.model_dump().items() for p in phrases])
def test_every_status_phrase_in_a_clause_of_its_own(status, phrase):
    text = f"1.关于台账不规范的问题\n一是全面清理台账。目前,该问题{phrase}。"
    found = find_status(text, 0, len(text))
    assert found is not None and found.status == status and text[found.start : found.end] == phrase


@pytest.mark.parametrize("label", RULES.status_labels)
def test_every_status_label(label):
    text = f"1.关于台账不规范的问题\n{label}:已完成\n一是全面清理台账。"
    found = find_status(text, 0, len(text))
    assert text[found.start : found.end] == f"{label}:已完成"


@pytest.mark.parametrize("word", RULES.stop_words)
def test_every_stop_word_stops_a_figure(word):
    text = f"巡察反馈问题{word}8个。"
    assert find_outcomes(text, find_indicators(text)) == []


def test_rule_files_reject_unknown_keys_and_bad_cues():
    with pytest.raises(ValidationError):
        KindRules.model_validate({"unit": "个", "counts": ["个"], "befor": ["反馈"]})
    with pytest.raises(ValidationError):
        KindRules.model_validate({"unit": "个", "counts": ["个"], "before": ["…反馈"]})
    raw = RULES.model_dump()
    raw["kinds"]["people_handled"]["before"] = ["给予了"]
    with pytest.raises(ValidationError, match="names no action"):
        OutcomeRules.model_validate(raw)


# ---------------------------------------------------------------- case tables


@pytest.mark.parametrize("case", _table("outcomes.jsonl"), ids=lambda c: c["text"][:16])
def test_outcome_cases(case):
    result = extract_text(case["text"])
    got = [(o.char_start, o.char_end, o.kind, o.value, o.action) for o in result.outcomes]
    assert got == [(o["char_start"], o["char_end"], o["kind"], float(o["value"]), o["action"]) for o in case["outcomes"]]
    indicators = {i.indicator_id: i for i in result.indicators}
    for o in result.outcomes:
        figure = indicators[o.indicator_id]  # every outcome stands on an indicator inside its span
        assert o.char_start <= figure.char_start and figure.char_end <= o.char_end
        assert o.unit == RULES.kinds[o.kind].unit
        assert case["text"][o.char_start : o.char_end] == o.text


@pytest.mark.parametrize("case", _table("not_outcomes.jsonl"), ids=lambda c: c["why"])
def test_figures_that_state_no_outcome(case):
    assert extract_text(case["text"]).outcomes == []


@pytest.mark.parametrize("case", _table("status.jsonl"), ids=lambda c: c["text"][:12])
def test_status_cases(case):
    canon = canonicalize(case["text"])
    found = find_status(canon.match, 0, len(canon.text))
    got = (found.status, found.start, found.end) if found else (None, None, None)
    assert got == (case["status"], case["char_start"], case["char_end"])


@pytest.mark.parametrize("case", _table("deadlines.jsonl"), ids=lambda c: c["text"][:12])
def test_deadline_cases(case):
    canon = canonicalize(case["text"])
    scan = scan_dates(canon.text, match_text=canon.match)
    aims = find_aims(canon.match, [(e.start, e.end) for e in scan.expressions])
    assert sorted(aims.deadlines) == [d["char_start"] for d in case["deadlines"]]
    assert sorted(aims.targets) == [d["char_start"] for d in case["targets"]]
    roles = {d.char_start: d.role for d in extract_text(case["text"]).dates}
    for d in case["deadlines"] + case["targets"]:
        assert case["text"][d["char_start"] : d["char_end"]] == d["text"]
        assert roles[d["char_start"]] == "deadline"


# ---------------------------------------------------------------- in a whole notice

NOTICE = """中共示例市商务局党组关于巡察整改进展情况的通报
根据市委统一部署,2023年5月,市委第一巡察组对市商务局党组开展了常规巡察。
一、整改工作开展情况
局党组对巡察反馈的3个问题逐一制定整改措施,限2025年6月30日前完成整改。
二、整改落实情况
1.关于学习不深入的问题
整改情况:一是制定学习计划。目前,该问题已整改完成。
2.关于台账不规范的问题
一是全面清理台账,已完成主体工作。
3.关于队伍建设滞后的问题(需长期坚持)
一是加强培训。
"""


def test_a_notice_states_its_problems_status_and_outcomes():
    result = extract_text(NOTICE)
    assert [(p.number, p.status) for p in result.problems] == [(1, "completed"), (2, None), (3, "long_term")]
    for p in result.problems:
        if p.status:
            assert p.char_start <= p.status_char_start < p.status_char_end <= p.char_end
    assert [(o.kind, o.value, o.problem_id) for o in result.outcomes] == [("problems_reported", 3.0, None)]
    assert result.document.n_outcomes == 1
    deadline = next(d for d in result.dates if d.text == "2025年6月30日")
    assert deadline.role == "deadline"
    assert result.document.reference_year == 2023  # a deadline never sets the reference year


def test_doctests_hold():
    import doctest

    from pipeline.extract import deadlines, outcomes
    from pipeline.review import research

    for module in (outcomes, deadlines, research):
        assert doctest.testmod(module).failed == 0, module.__name__
