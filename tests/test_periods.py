"""indicators.date_id: the period a figure measures, not the base it is compared with."""

from __future__ import annotations

import pytest

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
