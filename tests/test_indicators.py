"""Indicator recogniser (SPEC 6): case tables with explicit offsets, must-not-match list,
one test per unit of units.yaml, property tests and linear time."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pipeline.mask import mask_rules
from pipeline.extract.indicators import IndicatorRules, find_indicators, indicator_rules
from pipeline.extract.numerals import UnitRules, unit_rules

CASES = Path(__file__).parent / "cases"
FIELDS = ("start", "end", "text", "value", "multiplier", "value_normalized", "unit", "kind",
          "qualifier", "change", "comparison")


def _jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (CASES / name).read_text("utf-8").splitlines() if line.strip()]


def _row(found) -> dict:
    return {f: getattr(found, f) for f in FIELDS}


@pytest.mark.parametrize("case", _jsonl("indicators.jsonl"), ids=lambda c: c["text"][:24])
def test_indicator_cases(case):
    got = [_row(f) for f in find_indicators(case["text"])]
    assert len(got) == len(case["expected"]), [g["text"] for g in got]
    for g, e in zip(got, case["expected"]):
        assert case["text"][e["start"]:e["end"]] == e["text"]
        for f in FIELDS:
            if isinstance(e[f], float):
                assert math.isclose(g[f], e[f], rel_tol=1e-9), (f, g, e)
            else:
                assert g[f] == e[f], (f, g, e)


@pytest.mark.parametrize("case", _jsonl("not_indicators.jsonl"), ids=lambda c: c["what"])
def test_not_indicators(case):
    assert case["text"][case["start"]:case["end"]]
    overlapping = [f.text for f in find_indicators(case["text"]) if f.start < case["end"] and f.end > case["start"]]
    assert not overlapping


def test_excluded_spans_are_respected():
    text = "截至2024年12月底,累计发放3年期贷款,印发《2024年3个文件》等12份"
    dates = [(2, 11)]
    title = (text.index("《"), text.index("》") + 1)
    found = find_indicators(text, excluded=[dates[0], title])
    assert [f.text for f in found] == ["3年", "12份"]
    assert all(f.end <= s or f.start >= e for f in found for s, e in [dates[0], title])


def test_comparison_around_an_excluded_year():
    text = "数量较2023年同期增长了43%"
    (f,) = find_indicators(text, excluded=[(3, 8)])
    assert (f.text, f.change, f.comparison) == ("增长了43%", "increase", "yoy")


def test_traditional_characters_match_through_match_text():
    text = "完成投資3.2億元,新增項目12個"
    match = "完成投资3.2亿元,新增项目12个"
    found = find_indicators(text, match_text=match)
    assert [(f.text, f.unit, f.value_normalized) for f in found] == [("3.2億元", "CNY", 3.2e8), ("12個", "个", 12)]


@pytest.mark.parametrize("text,subject", [
    ("2024年1-10月完成软件业务收入2672.4亿元", "软件业务收入"),
    ("全市规上工业增加值同比增长6.5%", "规上工业增加值"),
    ("1-10月新能源汽车产量增34.2%", "新能源汽车产量"),
    ("整改期间,建立51项制度", "制度"),
    ("惠及1.44万人次。", None),
])
def test_subject(text, subject):
    assert find_indicators(text)[-1].subject == subject


def test_matched_text_must_have_the_same_length():
    with pytest.raises(ValueError):
        find_indicators("12个", match_text="12")


# --- vocabulary: one test per entry ---------------------------------------------------

@pytest.mark.parametrize("surface", sorted(unit_rules().units))
def test_every_unit_is_recognised(surface):
    entry = unit_rules().units[surface]
    text = f"共完成36{surface}。"
    (f,) = find_indicators(text)
    assert (f.text, f.value, f.unit, f.kind) == (f"36{surface}", 36, entry.unit, entry.kind)


@pytest.mark.parametrize("surface", sorted(unit_rules().prefix_units))
def test_every_prefix_unit_is_recognised(surface):
    entry = unit_rules().prefix_units[surface]
    text = f"共完成{surface}36,"
    (f,) = find_indicators(text)
    assert (f.text, f.value, f.unit, f.kind) == (f"{surface}36", 36, entry.unit, entry.kind)


@pytest.mark.parametrize("word", sorted(indicator_rules().qualifiers.before))
def test_every_qualifier_before(word):
    (f,) = find_indicators(f"共{word}36家。")
    assert (f.text, f.qualifier) == (f"{word}36家", indicator_rules().qualifiers.before[word])


@pytest.mark.parametrize("word", sorted(indicator_rules().qualifiers.after))
def test_every_qualifier_after(word):
    (f,) = find_indicators(f"共36个工作日{word}。")
    assert (f.text, f.qualifier) == (f"36个工作日{word}", indicator_rules().qualifiers.after[word])


@pytest.mark.parametrize("word", sorted(indicator_rules().qualifiers.between))
def test_every_qualifier_between(word):
    (f,) = find_indicators(f"共36{word}家。")
    assert (f.text, f.qualifier) == (f"36{word}家", indicator_rules().qualifiers.between[word])


@pytest.mark.parametrize("word", sorted(set(indicator_rules().change.increase + indicator_rules().change.decrease)))
def test_every_change_word(word):
    expected = "increase" if word in indicator_rules().change.increase else "decrease"
    (f,) = find_indicators(f"营业收入{word}4.5%。")
    assert (f.text, f.change) == (f"{word}4.5%", expected)


@pytest.mark.parametrize("marker", indicator_rules().change.level_markers)
def test_a_level_reached_is_no_change(marker):
    (f,) = find_indicators(f"占比提升{marker}39%。")
    assert (f.text, f.change) == ("39%", None)


@pytest.mark.parametrize("word,kind", [(w, "yoy") for w in indicator_rules().comparison.yoy]
                         + [(w, "mom") for w in indicator_rules().comparison.mom])
def test_every_comparison_word(word, kind):
    (f,) = find_indicators(f"营业收入{word}增长4.5%。")
    assert (f.text, f.comparison, f.change) == (f"{word}增长4.5%", kind, "increase")


@pytest.mark.parametrize("entry", mask_rules().rules, ids=lambda e: e.what)
def test_every_mask_rule_is_exercised(entry):
    import re
    texts = " ".join(c["text"] for c in _jsonl("not_indicators.jsonl"))
    assert re.search(entry.regex, texts), f"no case in not_indicators.jsonl for {entry.what}"


def test_rule_files_reject_unknown_keys():
    raw = unit_rules().model_dump()
    with pytest.raises(ValidationError):
        UnitRules.model_validate(raw | {"unit": {}})
    raw = indicator_rules().model_dump()
    with pytest.raises(ValidationError):
        IndicatorRules.model_validate(raw | {"qualifier": {}})


# --- properties ------------------------------------------------------------------------

_ALPHABET = st.sampled_from(list("0123456789,.%-/ 一二两三十百千万亿余多约超近第个家元年月日成分之点“”《》、和同比增长至\n")) | st.characters()


@settings(max_examples=400, deadline=None)
@given(st.text(_ALPHABET, max_size=80))
def test_properties(text):
    found = find_indicators(text)
    end = 0
    for f in found:
        assert end <= f.start < f.end <= len(text)
        assert f.text == text[f.start:f.end]
        assert math.isclose(f.value_normalized, f.value * f.multiplier, rel_tol=1e-12, abs_tol=1e-12)
        assert f.qualifier in ("exact", "approx", "at_least", "at_most")
        assert f.change in (None, "increase", "decrease") and f.comparison in (None, "yoy", "mom")
        end = f.end


@settings(max_examples=100, deadline=None)
@given(st.text(_ALPHABET, max_size=60), st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8)), max_size=4))
def test_never_overlaps_excluded(text, spans):
    excluded = [(s, s + n) for s, n in spans]
    for f in find_indicators(text, excluded=excluded):
        assert all(f.end <= s or f.start >= e for s, e in excluded if e > s)


@pytest.mark.parametrize("text", ["1" * 1_000_000, "万" * 100_000, "3万" * 100_000, "超" * 100_000 + "5家",
                                  "15," * 100_000 + "20个工作日", "“" * 50_000 + "12" * 50_000])
def test_linear_time(text):
    t0 = time.perf_counter()
    find_indicators(text)
    assert time.perf_counter() - t0 < 10


def test_you_at_the_end_of_a_text_joins_nothing() -> None:
    """又 joins a whole number to a fraction (三又三分之一); at the very end of a text it joins
    nothing, and must not end the reading of the whole document."""
    assert [f.text for f in find_indicators("三又三分之一亩")] == ["三又三分之一亩"]
    assert find_indicators("增长3又") == []


@pytest.mark.parametrize("text,expected", [
    ("进口额2.3亿美元。", [("2.3亿美元", 2.3, 230000000.0, None)]),  # exact: no 229999999.99999997
    ("出口额-3.1%。", [("-3.1%", -3.1, -3.1, None)]),
    ("出口额负增长3.1%。", [("负增长3.1%", 3.1, 3.1, "decrease")]),
    ("捐款壹万贰仟叁佰元整。", [("壹万贰仟叁佰元整", 12300.0, 12300.0, None)]),
    ("金额人民币叁仟伍佰圆整", [("叁仟伍佰圆整", 3500.0, 3500.0, None)]),
    ("费用3元5角2分", [("3元5角2分", 3.52, 3.52, None)]),
    ("收费2元2分钟", [("2元", 2.0, 2.0, None), ("2分钟", 2.0, 2.0, None)]),
    ("共12元整改资金", [("12元", 12.0, 12.0, None)]),
    ("收入3,.83万元", []),  # a damaged separator: no partial figure
    ("开展第一、二、三轮巡察", []),  # ordinals, not counts
    ("前两轮巡察", []),
    ("俩个项目", [("俩个", 2.0, 2.0, None)]),
])
def test_the_long_tail_of_numerals(text, expected):
    got = [(f.text, f.value, f.value_normalized, f.change) for f in find_indicators(text)]
    assert got == expected


def test_value_normalized_is_the_printed_digits_times_the_multiplier():
    from decimal import Decimal
    for digits in ("2.3", "196.14", "5.52", "141.48", "0.07", "8758.2", "326.41"):
        for multiplier, word in ((1e4, "万"), (1e8, "亿")):
            (f,) = find_indicators(f"金额{digits}{word}元。")
            assert f.value_normalized == float(Decimal(digits) * Decimal(int(multiplier)))


@pytest.mark.parametrize("text,subjects", [
    ("全市共有1127家小升规企业。", ["小升规企业"]),  # a count before its noun measures the noun
    ("印发9份实用管用的政策文件。", ["政策文件"]),  # the head after the last 的
    ("已推出483个“一件事”主题套餐。", ["“一件事”主题套餐"]),  # a quoted name inside the noun
    ("实现主营业务收入598.27亿元,同比增长4.70%。", ["主营业务收入", "主营业务收入"]),  # shared in a sentence
    ("审批时间由原来的54个工作日压缩至37个工作日。", ["审批时间", "审批时间"]),
    ("分别一次性给予50万元、30万元、20万元建站补助。", ["建站补助", "建站补助", "建站补助"]),  # the noun after a list
    ("累计新增服务群众人数占比37.4%。", ["累计新增服务群众人数占比"]),  # 占比 is one word
    ("“工业上楼”开工面积107.85万平方米。", ["“工业上楼”开工面积"]),  # a masked name may be part of it
    ("完成投资30亿元。增长5%。", ["投资", None]),  # never across a sentence
])
def test_subject_is_the_noun_phrase_measured(text, subjects):
    assert [f.subject for f in find_indicators(text)] == subjects
