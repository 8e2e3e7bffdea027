"""Date recogniser (SPEC 5): the case table, must-not-match lists, rule data and properties."""

from __future__ import annotations

import datetime
import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pipeline import rules
from pipeline.extract.dates import DateRules, FoundDate, find_dates, year_hints
from pipeline.fold import fold_traditional

CASES_FILE = Path(__file__).parent / "cases" / "dates.jsonl"
CASES = [json.loads(line) for line in CASES_FILE.read_text("utf-8").splitlines() if line.strip()]
FIELDS = ("start", "end", "text", "date_start", "date_end", "granularity", "year_inferred", "as_of", "open_end", "broken")


def _date(value: str | None) -> datetime.date | None:
    return None if value is None else datetime.date.fromisoformat(value)


def _run(case: dict) -> list[FoundDate]:
    text = case["text"]
    return find_dates(
        text,
        match_text=fold_traditional(text) if case.get("traditional") else None,
        reference_year=case["reference_year"],
        not_after=_date(case["not_after"]),
    )


def _row(found: FoundDate) -> dict:
    row = {name: getattr(found, name) for name in FIELDS}
    row["date_start"] = found.date_start and found.date_start.isoformat()
    row["date_end"] = found.date_end and found.date_end.isoformat()
    return row


# --- the case table ---------------------------------------------------------------


def test_case_table_is_consistent():
    """The table itself: every surface is the slice its offsets name."""
    assert len(CASES) >= 60
    for case in CASES:
        for expected in case["expected"]:
            assert case["text"][expected["start"] : expected["end"]] == expected["text"], case["note"]
            assert set(expected) == set(FIELDS), case["note"]


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_case(case):
    assert [_row(d) for d in _run(case)] == case["expected"]


# --- must not match -----------------------------------------------------------------

NOT_DATES = [
    "印发《关于做好2024年促进中小微工业企业发展工作的通知》",
    "《数字化转型升级实施方案(2024-2027年)》",
    "《武汉市加快独角兽企业培育三年行动计划(2023—2025年)的通知》",
    "鄂发〔2023〕5号",
    "武发〔2023〕5 号",
    "工信厅节函〔2016〕586号",
    "[2023]12号",
    "【2022】3号",
    "第20230425号提案",
    "国家发展改革委令2023年第7号",
    "布局规划(2022—2035年)",
    "建设标准指引(2024年版)",
    "2024中国5G+工业互联网大会",
    "举办2024“制造翘楚”产业链供应链大会",
    "“十四五”期间",
    "十五五规划",
    "党的二十大精神",
    "二十届三中全会",
    "十九届五中全会",
    "6个月",
    "3个工作日",
    "近2年",
    "24小时",
    "三年行动",
    "近六个月",
    "上午9时30分",
    "9:30",
    "联系电话:020-83123931",
    "电话027—85319490",
    "0756-2135627",
    "邮政编码:510032",
    "“一月一链·一起益企”",
    "截至目前",
    "全年",
    "目前",
    "当前",
    "同期",
    "较去年同期提高30.2个百分点",
    "比上年增长5%",
    "规模以上年度产值",
    "降低成本年度目标",
    "过去年份",
    "说明年度情况",
    "3.0版",
    "5000型",
    "366路",
    "2.2024.1.1",
    "12季度",
    "13月",
    "2025-13-01",
    "自政策实施以来",
    "每月一调度",
    "月度集中学习计划",
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_a_date(text):
    assert find_dates(text, reference_year=2024) == []


# --- rule data ------------------------------------------------------------------------

RULES = rules.load("dates", DateRules)


def test_rule_file_rejects_unknown_keys():
    data = RULES.model_dump()
    data["xun_words"] = ["上旬"]
    with pytest.raises(ValidationError):
        DateRules.model_validate(data)


@pytest.mark.parametrize("word", sorted(RULES.xun))
def test_every_xun_word(word):
    found = find_dates(f"2024年6月{word}召开会议")
    assert [d.text for d in found] == [f"2024年6月{word}"] and found[0].granularity == "xun"
    first, last = RULES.xun[word]
    assert (found[0].date_start.day, found[0].date_end.day) == (first, min(last, 30))


@pytest.mark.parametrize("word", sorted(RULES.relative_years))
def test_every_relative_year(word):
    found = find_dates(f"全市{word}3月完成", reference_year=2024)
    assert [d.text for d in found] == [f"{word}3月"]
    assert found[0].date_start == datetime.date(2024 + RULES.relative_years[word], 3, 1)


@pytest.mark.parametrize("word", sorted(RULES.as_of))
def test_every_as_of_word(word):
    found = find_dates(f"{word}2024年9月底,累计")
    assert [(d.text, d.as_of) for d in found] == [(f"{word}2024年9月底", True)]


@pytest.mark.parametrize("word", sorted(RULES.open_end))
def test_every_open_end_word(word):
    found = find_dates(f"2022年5月1日{word},全市")
    assert [(d.text, d.open_end) for d in found] == [(f"2022年5月1日{word}", True)]


@pytest.mark.parametrize("word", sorted(RULES.range_connectors))
def test_every_range_connector(word):
    found = find_dates(f"2023年3月{word}6月,开展")
    assert [(d.text, d.date_start, d.date_end) for d in found] == [
        (f"2023年3月{word}6月", datetime.date(2023, 3, 1), datetime.date(2023, 6, 30))
    ]


@pytest.mark.parametrize("word", sorted(RULES.halves) + ["前两季度", "前二季度", "前三季度", "前2季度", "前3季度", "前两个季度"])
def test_every_half_and_leading_quarters(word):
    found = find_dates(f"2023年{word},全市")
    assert [d.text for d in found] == [f"2023年{word}"]
    assert found[0].date_start == datetime.date(2023, RULES.halves.get(word, (1,))[0], 1)


@pytest.mark.parametrize("numeral", sorted(RULES.quarter_numerals))
def test_every_quarter_numeral(numeral):
    found = find_dates(f"2023年第{numeral}{RULES.quarter_word},全市")
    quarter = RULES.quarter_numerals[numeral]
    assert [(d.date_start.month, d.date_end.month) for d in found] == [(3 * quarter - 2, 3 * quarter)]


# --- year hints -----------------------------------------------------------------------


def test_year_hints():
    text = "《2030年规划》〔2029〕5号。2023年3月印发方案,2024年度计划,2024年工作目标,到2027年全覆盖,2024年1-10月增长。"
    assert year_hints(text) == (2024, 2024)
    assert year_hints("到2027年实现全覆盖,2023年3月印发,2023年完成") == (2023, 2023)
    assert year_hints("无日期") == (None, None)
    assert year_hints("2022年完成,2021年启动") == (None, 2022)  # a tie goes to the later year


# --- properties -----------------------------------------------------------------------

_DATE_ALPHABET = "0123456789年月日号旬季度上中下半截至止起以来今去本前底末初第一二三四五六七八九十〇-—~/.()《》〔〕 ,。\n"


def _check_spans(text: str, found: list[FoundDate]) -> None:
    previous_end = 0
    for d in found:
        assert 0 <= d.start < d.end <= len(text)
        assert d.start >= previous_end
        assert d.text == text[d.start : d.end]
        assert d.granularity in ("day", "xun", "month", "quarter", "half_year", "year")
        assert (d.date_start is None) == (d.date_end is None)
        if d.date_start is not None:
            assert d.date_start <= d.date_end
        previous_end = d.end


@settings(max_examples=400, deadline=None)
@given(st.text(), st.one_of(st.none(), st.integers(1950, 2100)))
def test_any_string(text, reference_year):
    _check_spans(text, find_dates(text, reference_year=reference_year))
    year_hints(text)


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=_DATE_ALPHABET, max_size=60), st.one_of(st.none(), st.integers(1950, 2100)), st.one_of(st.none(), st.dates()))
def test_date_like_strings(text, reference_year, not_after):
    _check_spans(text, find_dates(text, reference_year=reference_year, not_after=not_after))


def test_match_text_must_align():
    with pytest.raises(ValueError):
        find_dates("2024年", match_text="2024")


def test_found_date_is_frozen():
    found = find_dates("2024年6月26日")[0]
    with pytest.raises(AttributeError):  # a named tuple: no field can be set
        found.start = 1  # type: ignore[misc]


@pytest.mark.parametrize("line", ["1" * 1_000_000, "年" * 1_000_000, "2024年" * 100_000, "一月" * 300_000, "1-" * 300_000])
def test_long_lines_stay_linear(line):
    """A quadratic scan of a million characters would take hours; a linear one takes seconds. CPU time of
    this process, so a busy machine does not fail it."""
    started = time.process_time()
    find_dates(line, reference_year=2024)
    assert time.process_time() - started < 10


@pytest.mark.parametrize("text,expected", [
    ("2023年前两个季度,收入增长", [("2023年前两个季度", "2023-01-01", "2023-06-30", "quarter")]),
    ("首季度实现开门红", [("首季度", "2024-01-01", "2024-03-31", "quarter")]),
    ("前十一个月完成投资", [("前十一个月", "2024-01-01", "2024-11-30", "month")]),
    ("今年前十一个月", [("今年前十一个月", "2024-01-01", "2024-11-30", "month")]),
    ("首月完成", [("首月", "2024-01-01", "2024-01-31", "month")]),
    ("前两月出口", [("前两月", "2024-01-01", "2024-02-29", "month")]),
    ("到期前3个月提交", []),  # a month before something
    ("前一个月", []),
    ("任职1999.08-2002.02,", [("1999.08-2002.02", "1999-08-01", "2002-02-28", "month")]),
    ("2008.03-2009在某单位", [("2008.03-2009", "2008-03-01", "2009-12-31", "month")]),
    ("2023.08完成", [("2023.08", "2023-08-01", "2023-08-31", "month")]),
    ("收入2023.10万元", []),  # a figure
    ("该年度完成", [("该年度", "2024-01-01", "2024-12-31", "year")]),
    ("年内完成整改", [("年内", "2024-01-01", "2024-12-31", "year")]),
    ("上年完成", [("上年", "2023-01-01", "2023-12-31", "year")]),
    ("三年内完成", []),  # a duration
    ("半个月内完成", []),
])
def test_periods_dotted_months_and_relative_years(text, expected):
    found = find_dates(text, reference_year=2024)
    assert [(d.text, str(d.date_start), str(d.date_end), d.granularity) for d in found] == expected
