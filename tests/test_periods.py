"""indicators.date_id: the period a figure measures, not the base it is compared with."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.build import extract_text


def _linked(text: str) -> list[tuple[str, str | None]]:
    rows = extract_text(text)
    dates = {d.date_id: d.text for d in rows.dates}
    return [(i.text, dates.get(i.date_id)) for i in rows.indicators]


@pytest.mark.parametrize("text,expected", [
    # a date earlier in the sentence covers every figure of it
    ("截至2024年底,全市累计完成投资30亿元,同比增长5%。", [("30亿元", "截至2024年底"), ("同比增长5%", "截至2024年底")]),
    # a comparison base is no period of the figure
    ("2024年出口额较2023年增长43%。", [("增长43%", "2024年")]),
    ("排名第6位,较去年底前进3位。", [("第6位", None), ("3位", None)]),
    # 2023年同期 is the base
    ("产值较2023年同期增长12%。", [("增长12%", None)]),
    # a date after the figure in its own clause
    ("投资30亿元于2024年3月完成,", [("30亿元", "2024年3月")]),
    # the next sentence is not read
    ("完成投资30亿元。2024年计划再投。", [("30亿元", None)]),
])
def test_date_id_is_the_period_measured(text, expected):
    assert _linked(text) == expected


def _measured_by_scanning(text: str, dates: list[tuple[int, int]], start: int, end: int) -> int | None:
    """The rule of ``Periods.measured`` read the long way: every break of the text found first."""
    from pipeline.extract.rows import CLAUSE_REACH

    clause = [k for k, c in enumerate(text) if c in ",。;:!?\n"]
    sentence = [k for k in clause if text[k] in "。;!?\n"]
    left = max([k + 1 for k in sentence if k < start] + [0, start - CLAUSE_REACH])
    right = min([k for k in clause if k >= end] + [len(text), end + CLAUSE_REACH])
    before = [d for d in dates if d[0] <= start and d[1] <= start]
    if before and before[-1][0] >= left:
        return before[-1][0]
    after = [d for d in dates if d[0] >= end]
    return after[0][0] if after and after[0][1] <= right else None


@settings(max_examples=300, deadline=None)
@given(st.text("ab,。;\n", min_size=1, max_size=600), st.data())
def test_periods_search_breaks_as_a_full_scan_would(text, data):
    from pipeline.extract.rows import Periods

    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(text)), max_size=12))))
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2]) if a < b]
    dates = [{"char_start": a, "char_end": b, "date_id": a} for a, b in spans]
    periods = Periods(text, dates, (), ())
    for start in range(0, len(text), 7):
        for end in (start + 1, start + 3):
            if end <= len(text):
                assert periods.measured(start, end) == _measured_by_scanning(text, spans, start, end)
