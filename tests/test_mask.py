"""The mask stage: one grammar for the spans that are no figure or date in their own right."""

from __future__ import annotations

import doctest
import re

import pytest

from pipeline import mask
from pipeline.extract.dates import find_dates
from pipeline.extract.indicators import find_indicators
from pipeline.extract.policy_refs import find_policy_refs
from pipeline.mask import MaskRule, MaskRules, find_masks, mask_rules


def test_doctests_hold():
    assert doctest.testmod(mask).failed == 0


@pytest.mark.parametrize("rule", mask_rules().rules, ids=lambda r: r.what)
def test_every_rule_hides_its_examples(rule):
    """No figure (and, for rules that hide them, no date) overlaps a match in the examples."""
    for example in rule.examples:
        spans = [x.span() for x in re.finditer(rule.regex, example) if x.end() > x.start()]
        found = [(f.start, f.end) for f in find_indicators(example)]
        if "dates" in rule.hides:
            found += [(d.start, d.end) for d in find_dates(example)]
        assert not [f for f in found for s, e in spans if f[0] < e and s < f[1]], example


@pytest.mark.parametrize("prefix", ["", "2024年3月,"])
def test_what_is_masked_does_not_depend_on_other_dates(prefix):
    """A time of day is no figure, whether or not the document also writes a date."""
    found = find_indicators(f"{prefix}全程耗时1:30小时完成。")
    assert [f.text for f in found] == []


@pytest.mark.parametrize("number", ["鄂发〔2023〕5号", "鄂发【2023】5号", "鄂发[2023]5号", "〔2023〕5号", "第20230425号"])
def test_one_document_number_grammar_for_every_stage(number):
    text = f"学习《实施意见》({number})。"
    (ref,) = find_policy_refs(text)
    assert ref.doc_number == number
    assert not find_dates(f"按{number}文件要求")
    assert not find_indicators(f"按{number}文件要求")


def test_stages_hide_what_the_rules_say():
    masks = find_masks("《2023年工作要点》热线0571-88888888,邮编310000")
    assert [m.name for m in masks.spans] == ["title", "phone", "postcode"]
    assert masks.hidden_from("dates") == [(0, 11)]
    assert masks.hidden_from("indicators") == [(0, 35)]  # touching spans merge


def test_a_title_nested_in_a_title_is_one_citation():
    assert [r.title for r in find_policy_refs("落实《关于〈甲〉和《乙》的通知》要求")] == ["乙"]


def test_rules_are_checked_when_loaded():
    raw = mask_rules().model_dump()
    with pytest.raises(ValueError, match="first characters"):
        MaskRules.model_validate(raw | {"rules": [{"name": "x", "what": "x", "hides": ["dates"], "pattern": "x", "examples": ["x"]}]})
    with pytest.raises(ValueError, match="no back references"):
        MaskRule.model_validate({"name": "x", "what": "x", "hides": ["dates"], "pattern": r"(a)\1", "first": "a", "examples": ["aa"]})
    with pytest.raises(ValueError, match="pattern or words"):
        MaskRule.model_validate({"name": "x", "what": "x", "hides": ["dates"], "examples": ["x"]})
    with pytest.raises(ValueError, match="does not start as declared"):
        MaskRule.model_validate({"name": "x", "what": "x", "hides": ["dates"], "pattern": "[ab]c", "first": "a",
                                 "examples": ["bc"]})
    with pytest.raises(ValueError):
        MaskRule.model_validate({"name": "x", "what": "x", "hides": ["segment"], "words": ["a"], "examples": ["a"]})
    with pytest.raises(ValueError, match="scanner"):
        MaskRules.model_validate({"rules": [{"name": "title", "what": "x", "hides": ["dates"], "words": ["a"], "examples": ["a"]}]})


def _scanned_pattern_sets():
    from pipeline import rules
    from pipeline.extract.organizations import organization_rules

    return {"boilerplate fragments": rules.load("boilerplate", rules.Boilerplate).fragments,
            "organisations furniture lines": organization_rules().furniture_lines}


@pytest.mark.parametrize("name", sorted(_scanned_pattern_sets()))
def test_scanned_patterns_find_what_finditer_finds(name, canonical_texts):
    """The quick scan over declared first characters finds every match of the joined patterns, on
    the examples, the notices and the page excerpts beside the project (when present)."""
    from tests.conftest import PAGES

    spec = _scanned_pattern_sets()[name]
    scan = mask.RuleScan(spec.scan_rules(name))
    texts = [*spec.examples, *canonical_texts.values(), *(p.read_text("utf-8") for p in sorted(PAGES.glob("*.txt")))]
    texts += ["\n".join(spec.examples), " ".join(spec.examples) + "\n" + "".join(spec.examples)]
    for text in texts:
        assert [s[:2] for s in scan.spans(text)] == [x.span() for x in spec.joined.finditer(text) if x.end() > x.start()]


@pytest.mark.parametrize("name", sorted(_scanned_pattern_sets()))
def test_every_scanned_pattern_has_an_example(name):
    spec = _scanned_pattern_sets()[name]
    for pattern in spec.patterns:
        assert any(re.search(pattern, e, spec.flags) for e in spec.examples), pattern


def test_scanned_patterns_are_checked_when_loaded():
    from pipeline.rules import ScannedPatterns

    with pytest.raises(ValueError, match="opens with a character not in first"):
        ScannedPatterns.model_validate({"patterns": ["[ab]c"], "first": "a", "examples": ["bc"]})
    with pytest.raises(ValueError, match="does not match"):
        ScannedPatterns.model_validate({"patterns": ["ac"], "first": "a", "examples": ["bc"]})
    with pytest.raises(ValueError, match="empty string"):
        ScannedPatterns.model_validate({"patterns": ["a*"], "first": "a", "examples": ["a"]})
    with pytest.raises(ValueError):
        ScannedPatterns.model_validate({"patterns": ["a"], "first": "a", "examples": ["a"], "flags": 8})


def _merged_the_plain_way(masks, stage):
    hides = mask._hides()
    merged: list[list[int]] = []
    for m in masks.spans:
        if stage in hides[m.name]:
            if merged and m.start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], m.end)
            else:
                merged.append([m.start, m.end])
    return [(s, e) for s, e in merged]


def test_masks_asked_by_stage_or_name_are_those_of_the_sorted_list(canonical_texts):
    """``hidden_from`` and ``named`` read titles and rule spans apart; they give what reading the
    one sorted list of every mask gives, on the notices and the page excerpts (when present)."""
    from tests.conftest import PAGES

    texts = [*canonical_texts.values(), *(p.read_text("utf-8") for p in sorted(PAGES.glob("*.txt")))]
    texts += ["《甲《乙》丙》《丁", "《“12218”》工程,热线0571-88888888", "鄂发〔2023〕5号《通知〔2023〕》"]
    for text in texts:
        masks = find_masks(text)
        assert list(masks.spans) == sorted(masks.spans, key=lambda m: (m.start, -m.end))
        for stage in ("dates", "indicators", "policy_refs"):
            assert masks.hidden_from(stage) == _merged_the_plain_way(masks, stage)
        for name in {m.name for m in masks.spans}:
            assert masks.named(name) == [m for m in masks.spans if m.name == name]
