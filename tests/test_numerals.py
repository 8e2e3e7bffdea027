"""Chinese and Arabic number parsing: tables of real forms, a cn2an cross-check, linear time."""

from __future__ import annotations

import math
import time

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.numerals import _number_at, digit_string, find_numbers, parse_number, scan_numbers, whole_number

PARSE_CASES = [
    ("1127", 1127), ("1,127", 1127), ("821.37", 821.37), ("2,345.6", 2345.6), ("4.70", 4.7),
    ("两", 2), ("十", 10), ("十五", 15), ("二十一", 21), ("百", 100), ("一千二百万", 12_000_000),
    ("两千", 2000), ("一千零五", 1005), ("一千零十二", 1012), ("一万三", 13_000), ("九百九", 990),
    ("百三", 130), ("四万万", 400_000_000), ("四千零五万", 40_050_000), ("五亿零六", 500_000_006),
    ("壹佰伍拾", 150), ("肆佰陸拾", 460), ("兩千四百五", 2450), ("4.78万亿", 4.78e12),
    ("3万", 30_000), ("1.44万", 14_400), ("12万", 120_000), ("3万4000", 34_000), ("25万6千", 256_000),
    ("1,100万", 11_000_000), ("2千零30万", 20_300_000), ("十余万", 100_000), ("500余万", 5_000_000),
    ("二十几万", 200_000), ("三点五万", 35_000), ("十五点七", 15.7), ("零点五", 0.5),
    ("负三十二", -32), ("-10000", -10000), ("三分之一", 1 / 3), ("1/3", 1 / 3), ("五分之二", 0.4),
    ("三百五十又3分之1", 350 + 1 / 3), ("百分之五十", 50), ("百分之十二点五", 12.5), ("千分之五", 0.005),
    ("四千五百六十九万八千三百一十一亿四千八百七十二万五千三百八十二", 4569831148725382),
]
NOT_NUMBERS = ["十余", "", "万", "万万", "一切", "1.2.3", "二分之", "三成", "2023/5/17", "abc", "百分之"]


@pytest.mark.parametrize("text,value", PARSE_CASES)
def test_parse_number(text, value):
    assert math.isclose(parse_number(text), value, rel_tol=1e-12)


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_not_one_number(text):
    assert parse_number(text) is None


FIND_CASES = [
    ("惠及1.44万人次,十余家企业", [(2, 7, 14400), (10, 11, 10)]),
    ("压缩至15,5,20个工作日", [(3, 5, 15), (6, 7, 5), (8, 10, 20)]),
    ("1,050,000,000", [(0, 13, 1_050_000_000)]),
    ("1, 234, 567", [(0, 1, 1), (3, 6, 234), (8, 11, 567)]),
    ("汽车零部件,统一部署,四川,进一步", [(15, 16, 1)]),  # 零 alone, 统一, 四川: no numbers; 进一步 is (a unit decides)
    ("对DN50及以下", []),
    ("订单号A202107211321363588510367", []),
    ("2024年1-10月", [(0, 4, 2024), (5, 6, 1), (7, 9, 10)]),
    ("两百点两", [(0, 2, 200), (3, 4, 2)]),
    ("五十千", [(0, 2, 50)]),
    ("一百零一万一千", [(0, 7, 1_011_000)]),
    ("三十分钟,十分重要", [(0, 2, 30)]),
    ("装机50兆瓦、7千瓦", [(2, 4, 50), (7, 8, 7)]),
    ("三分之一的企业,1/3", [(0, 4, 1 / 3), (8, 11, 1 / 3)]),
    ("百分之五十", [(3, 5, 50)]),
]


@pytest.mark.parametrize("text,expected", FIND_CASES)
def test_find_numbers(text, expected):
    got = find_numbers(text)
    assert [(s, e) for s, e, _ in got] == [(s, e) for s, e, _ in expected]
    for (_, _, v), (_, _, w) in zip(got, expected):
        assert math.isclose(v, w, rel_tol=1e-12)


@pytest.mark.parametrize("text,mantissa,multiplier", [
    ("821.37万", 821.37, 1e4), ("1.44万", 1.44, 1e4), ("5千万", 5, 1e7), ("4.78万亿", 4.78, 1e12),
    ("一千二百万", 12_000_000, 1), ("十余万", 10, 1e4), ("三十多万", 30, 1e4), ("3万4000", 34_000, 1),
    ("5亿1万4千6百", 500_014_600, 1),
])
def test_value_as_written_and_multiplier(text, mantissa, multiplier):
    (n,) = scan_numbers(text)
    assert (n.mantissa, n.multiplier) == (pytest.approx(mantissa), multiplier)
    assert math.isclose(n.mantissa * n.multiplier, n.value, rel_tol=1e-12)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_agrees_with_cn2an_on_integers(n):
    text = cn2an.an2cn(n)
    assert parse_number(text) == n, text


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_and_spans_are_sound(text):
    previous_end = 0
    for start, end, value in find_numbers(text):
        assert previous_end <= start < end <= len(text)
        assert not math.isnan(value)
        previous_end = end


@pytest.mark.parametrize("text", ["1" * 1_000_000, "万" * 100_000, "一万" * 50_000, "1." * 200_000, "十余" * 100_000])
def test_linear_time(text):
    t0 = time.perf_counter()
    find_numbers(text)
    assert time.perf_counter() - t0 < 5


@pytest.mark.parametrize("text,expected", [
    ("出口额-3.1%", [-3.1]),  # a sign after a word
    ("为-2个百分点", [-2.0]),
    ("3天-5天", [3.0, 5.0]),  # a range, not a sign
    ("A-3", [3.0]),  # a code
    ("收入3,.83万元", []),  # a damaged separator: no part of the figure
    ("1,,5", []),
    ("15,5,20个", [15.0, 5.0, 20.0]),  # a list is no damage
])
def test_signs_and_damaged_separators(text, expected):
    assert [v for _, _, v in find_numbers(text)] == expected


@pytest.mark.parametrize("text,expected", [
    ("三十一", 31), ("十", 10), ("两", 2), ("壹佰", 100), ("05", 5), ("一二", None), ("1.5", None), ("-3", None),
])
def test_whole_number(text, expected):
    assert whole_number(text) == expected


@pytest.mark.parametrize("text,expected", [("二〇二四", 2024), ("二○二三", 2023), ("一九九九", 1999), ("二十", None), ("", None)])
def test_digit_string(text, expected):
    assert digit_string(text) == expected


_READ_AT_ONCE = "0123456789,. 万萬亿億兆瓦千百十五零点分之又元A-负多余"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_READ_AT_ONCE, max_size=12))
def test_numbers_read_in_the_scan_are_those_read_one_by_one(text):
    """The scan reads common numbers (2023, 一, 598.27亿) in its own pattern: each must be what
    the full reader gives at its start."""
    for number in scan_numbers(text):
        assert number == _number_at(text, number.start), text


@pytest.mark.parametrize("text", ["598.27亿元", "1,200万", "0万元", "3万五", "3万亿", "3万点5", "3万分之一",
                                  "3万又三分之一", "3万0", "3兆瓦", "DN50万", "1.2.3万", "3万千"])
def test_multiplied_numbers_read_in_the_scan(text):
    first = _number_at(text, 0)
    assert scan_numbers(text)[:1] == ([first] if first else [])
