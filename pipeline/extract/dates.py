"""Date recogniser (SPEC 5): calendar expressions in Chinese notices, resolved to ISO ranges.

>>> [(d.text, str(d.date_start), str(d.date_end), d.granularity)
...  for d in find_dates("2023年8月16日至9月28日巡察,截至5月底完成。", reference_year=2023)]
[('2023年8月16日至9月28日', '2023-08-16', '2023-09-28', 'day'), ('截至5月底', '2023-05-31', '2023-05-31', 'day')]

Offsets point into the text passed in. Patterns run on ``match_text`` (the same text with
traditional characters folded, same length), surfaces are sliced from ``text``. Words live in
``pipeline/rules/dates.yaml``; the grammar of numbers and 年/月/日 lives here.
"""

from __future__ import annotations

import bisect
import calendar
import datetime
import re
from collections import namedtuple
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Callable, NamedTuple

from pydantic import field_validator

from pipeline.extract.numerals import digit_string, whole_number
from pipeline.mask import Masks, find_masks
from pipeline.rules import RuleFile, alt, load

__all__ = ["FoundDate", "DateRules", "date_rules", "DateScan", "find_dates", "scan_dates", "year_hints"]

GRANULARITIES = ("day", "xun", "month", "quarter", "half_year", "year")  # finest first


class FoundDate(NamedTuple):
    """One date expression (a named tuple: immutable, and made several times faster than a frozen
    dataclass, which counts at a few dozen a notice)."""

    start: int  # offsets into the text passed in, end exclusive
    end: int
    text: str  # == text[start:end]
    date_start: datetime.date | None
    date_end: datetime.date | None  # inclusive
    granularity: str  # "day" | "xun" | "month" | "quarter" | "half_year" | "year"
    year_inferred: bool
    as_of: bool
    open_end: bool
    broken: bool
    anchors: bool  # True when the expression states both year and month (can anchor year inference)


class LeadingPeriods(RuleFile):
    """前三季度, 前十一个月, 首季度, 首月: the first quarters or months of a year."""

    before: str
    first: str
    measure: str
    quarters: tuple[int, int]  # the counts allowed, first and last
    months: tuple[int, int]


class DateRules(RuleFile):
    """The vocabulary of ``dates.yaml``."""

    xun: dict[str, tuple[int, int]]
    xun_not_followed_by: dict[str, tuple[str, ...]]
    period_end: tuple[str, ...]
    year_end: tuple[str, ...]
    quarter_numerals: dict[str, int]
    quarter_word: str
    leading_periods: LeadingPeriods
    halves: dict[str, tuple[int, int]]
    relative_years: dict[str, int]
    relative_year_not_preceded_by: dict[str, tuple[str, ...]]
    comparison_before: tuple[str, ...]
    comparison_after: tuple[str, ...]
    base_before: tuple[str, ...]
    as_of: tuple[str, ...]
    open_end: tuple[str, ...]
    open_end_not_followed_by: dict[str, tuple[str, ...]]
    range_connectors: tuple[str, ...]
    range_opener: tuple[str, ...]
    range_closer: tuple[str, ...]
    plan_paren_suffixes: tuple[str, ...]
    deadline_after: tuple[str, ...]
    deadline_after_not_followed_by: dict[str, tuple[str, ...]]
    deadline_before: tuple[str, ...]
    target_before: tuple[str, ...]

    @field_validator("xun")
    @classmethod
    def _days(cls, xun: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        for word, (first, last) in xun.items():
            if not 1 <= first <= last <= 31:
                raise ValueError(f"xun {word}: days must satisfy 1 <= first <= last <= 31")
        return xun

    @field_validator("halves")
    @classmethod
    def _months(cls, halves: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        for word, (first, last) in halves.items():
            if not 1 <= first <= last <= 12:
                raise ValueError(f"half {word}: months must satisfy 1 <= first <= last <= 12")
        return halves

    @field_validator("quarter_numerals")
    @classmethod
    def _quarters(cls, quarters: dict[str, int]) -> dict[str, int]:
        if any(not 1 <= q <= 4 for q in quarters.values()):
            raise ValueError("quarters run from 1 to 4")
        return quarters

# --- grammar --------------------------------------------------------------------

_CN_NUMERALS = "零一二三四五六七八九〇○O两"  # the characters of written-out numbers in dates
_NOT_AFTER_DIGIT = r"(?<![\d.])"
_NOT_AFTER_CN = r"(?<![十百千万亿两〇○零一二三四五六七八九])"
_YEAR = r"(?:19|20)\d{2}"
_CN_YEAR = r"[一二][〇○零O一二三四五六七八九]{3}"
_MONTH_DIGITS = rf"{_NOT_AFTER_DIGIT}(?:1[0-2]|0?[1-9])"
_MONTH_CN = rf"{_NOT_AFTER_CN}(?:十[一二]?|[一二三四五六七八九])"
_MONTH = rf"(?:{_MONTH_DIGITS}|{_MONTH_CN})"
_DAY = rf"(?:{_NOT_AFTER_DIGIT}(?:3[01]|[12]\d|0?[1-9])|{_NOT_AFTER_CN}(?:[二三]?十[一二三四五六七八九]?|[一二三四五六七八九]))"


@dataclass(frozen=True)
class _Grammar:
    rules: DateRules
    head: re.Pattern[str]  # one point, possibly a compact range (2019-2022年, 1-10月)
    starts: re.Pattern[str]  # the places ``head`` may match at, found fast (see ``_starts``)
    tail: re.Pattern[str]  # the second end of a range, which may omit year and month
    connector: re.Pattern[str]
    # The characters these words can begin (end) with, None when one is empty: a place where
    # none stands needs no call to try the words (most expressions have none of them).
    connector_firsts: frozenset[str] | None
    open_end_firsts: frozenset[str] | None
    as_of_lasts: frozenset[str] | None


def _guarded(words: dict | tuple, *, before: dict[str, tuple[str, ...]] | None = None, after: dict[str, tuple[str, ...]] | None = None) -> str:
    """An alternation of ``words``, each refused when glued to a character of its blocklist."""

    def one(word: str) -> str:
        pattern = re.escape(word)
        if before and before.get(word):
            pattern = f"(?<![{''.join(map(re.escape, before[word]))}])" + pattern
        if after and after.get(word):
            pattern += f"(?![{''.join(map(re.escape, after[word]))}])"
        return pattern

    ordered = sorted(words, key=lambda w: (-len(w), w))
    return alt([one(w) for w in ordered], escape=False)


def _pairs(last: int) -> str:
    """Two numbers in a row joined by 、 (7、8 … 12、1 for months, 1、2 … 30、31 for days)."""
    pairs = [f"{n}、{n % last + 1}" for n in range(1, last + 1)] if last == 12 else [f"{n}、{n + 1}" for n in range(1, last)]
    return alt(pairs) + r"(?!\d)"


def _chars(*words: str) -> str:
    """A character class of every character of ``words``."""
    return "[" + "".join(sorted(re.escape(c) for c in set("".join(words)))) + "]"


def _prefilter(r: DateRules) -> str:
    """A lookahead that refuses, before any alternative is tried, most places no expression starts.

    An expression starts with a numeral, 第 or the first character of a word, and writes an
    anchor (年, 月, 日, or 季 of 季度) within a few characters, all of them characters an
    expression is made of; an ISO date (2025-03-28) writes no anchor but starts with a year and
    a separator. The anchor stands furthest in when a compact year span drops its first 年
    (2019 —— 2022 年); months (10 — 12 月), quarters (第一至第三季度) and broken dates (20211228 日)
    are shorter.
    """
    first, inner, reach, anchors = _prefilter_parts(r)
    return rf"(?={first})(?:(?={inner}{{0,{reach}}}[{anchors}])|(?={_YEAR}[-/.]))"


def _prefilter_parts(r: DateRules) -> tuple[str, str, int, str]:
    """The pieces of ``_prefilter``: the first characters, the characters before the anchor, how
    many of them at most, and the anchors."""
    anchors = "年月日" + r.quarter_word[0]
    words = _prefilter_words(r)
    reach = len("2019 ") + max(map(len, r.range_connectors)) + len(" 2022 ")
    for word in words:
        at = next((i for i, c in enumerate(word) if c in anchors), None)
        if at is None:
            raise ValueError(f"date word {word} writes none of {anchors}, so the prefilter would skip it")
        reach = max(reach, at)
    numerals = "0123456789" + _CN_NUMERALS + "十"
    inner = _chars(numerals, "第、 ", *words, *r.quarter_numerals, *r.range_connectors)
    return _first_characters(r), inner, reach, anchors


def _starts(r: DateRules) -> str:
    """The places that pass ``_prefilter``, found fast: the start of each match is such a place.

    ``re`` skips ahead fast only to a pattern that opens with a character class, not with a
    lookahead: this one consumes a first character, then reads on as the prefilter would from
    there: the first character is the anchor itself, or it and at most ``reach - 1`` more lead to
    one, or it opens an ISO year. Reading on costs less than stepping back over the first
    character into a lookahead. The head is matched only at the places found, so finding them
    costs one quick pass over the text instead of a lookahead tried at every character."""
    first, inner, reach, anchors = _prefilter_parts(r)
    return (rf"{first}(?:(?<=[{anchors}]) | (?<={inner}){inner}{{0,{reach - 1}}}[{anchors}]"
            rf" | (?<=(?={_YEAR}[-/.])(?s:.)))")


def _prefilter_words(r: DateRules) -> list[str]:
    lead = r.leading_periods
    return [*r.relative_years, *r.halves, *r.year_end, lead.before + lead.measure + r.quarter_word, lead.first + "月"]


def _first_characters(r: DateRules) -> str:
    """The class of characters an expression starts with (see ``_prefilter``)."""
    return _chars("0123456789" + _CN_NUMERALS + "十", "第", *(w[0] for w in _prefilter_words(r)), *r.quarter_numerals)


def _point_pattern(r: DateRules, conn: str) -> str:
    xun = _guarded(r.xun, after=r.xun_not_followed_by)
    end = alt(r.period_end)
    quarter_n = rf"{_NOT_AFTER_DIGIT}{_NOT_AFTER_CN}{alt(r.quarter_numerals)}"
    relative = _guarded(r.relative_years, before=r.relative_year_not_preceded_by)
    return rf"""
    {_prefilter(r)}                                     # cheap test before the alternatives
    (?:
    (?P<iso>                                            # 2025-03-28, 2025/3/28, 2025.03.28
        {_NOT_AFTER_DIGIT}(?P<iso_y>{_YEAR})(?P<sep>[-/.])(?P<iso_m>1[0-2]|0?[1-9])
        (?P=sep)(?P<iso_d>3[01]|[12]\d|0?[1-9])(?![\d])(?!\.\d)
    )
  | {_dotted_pattern()}                                 # 1999.08
  | (?<!\d)(?P<bk>{_YEAR}\d{{3,4}})[ ]?日                # 20211228日, 2021915日: 年/月 lost
  | (?<!\d)(?P<bky>{_YEAR})[ ]?年[ ]?(?<!\d)(?P<bkmd>\d{{3,4}})[ ]?[日号]   # 2021年915日
  | (?<!\d)(?P<lost>{_YEAR})[ ]?年[ ]?月                 # 2023年月下旬: the month number lost
        (?:{xun}|{end}|(?:3[01]|[12]\d|0?[1-9])[ ]?[日号])
  | (?:
        (?P<yearpart>
            (?:{_NOT_AFTER_DIGIT}(?P<y0>{_YEAR})[ ]?(?:年[ ]?)?{conn}[ ]?)?   # 2019-2022年
            (?:{_NOT_AFTER_DIGIT}(?P<y>{_YEAR})|(?P<cny>{_CN_YEAR}))[ ]?年(?P<fiscal>度)?
          | (?P<rel>{relative})                                 # 今年, 去年 …
        )
    )?
    (?P<body>(?(yearpart)(?:(?<=年)[ ])?)(?:              # 2024 年 6 月: one space after 年
        (?:(?P<m0>{_MONTH})[ ]?(?:月份?[ ]?)?{conn}[ ]?         # 1-10月, 1月至10月: first month
          | (?<![\d.、])(?={_pairs(12)}[ ]?月)(?P<m0l>\d{{1,2}})、)?       # 7、8月: two months in a row
        (?P<m>{_MONTH_DIGITS}|(?P<mcn>{_MONTH_CN}))[ ]?月(?P<fen>份)?
        (?:[ ]?
            (?:(?P<d0>{_DAY})[ ]?(?:[日号][ ]?)?{conn}[ ]?          # 6月1-15日: first day
              | (?<![\d.、])(?={_pairs(31)}[ ]?[日号])(?P<d0l>\d{{1,2}})、)?   # 5、6日: two days in a row
            (?P<d>{_DAY})[ ]?[日号]
          | (?P<xun>{xun})
          | (?P<mend>{end})
        )?
        (?(yearpart)|(?(mcn)(?<![月])))       # 一月 alone is a slogan (一月一链), 三月五日 a date
      | {_leading_pattern(r)}                              # 前三季度, 前十一个月, 首月
      | 第?(?:(?P<q0>{quarter_n})(?:{re.escape(r.quarter_word)})?{conn}第?)?   # 一至三季度
        (?P<q>{quarter_n}){re.escape(r.quarter_word)}(?P<qend>{end})?
      | (?P<half>{alt(r.halves)})                          # 上半年
      | (?P<yend>(?(yearpart)年?{end}|{alt(r.year_end)}))  # 2024年底, 去年底; 年底 alone
    ))?
    (?(yearpart)|(?(body)|(?!)))                           # a year or a body, never nothing
    )
    """


def _leading_pattern(r: DateRules) -> str:
    lead = r.leading_periods
    count = rf"(?:{re.escape(lead.before)}(?P<lp_n>\d{{1,2}}|[一二三四五六七八九十两]{{1,3}}){re.escape(lead.measure)}?|(?P<lp_first>{re.escape(lead.first)}))"
    return rf"(?P<lp>{count}(?:(?P<lp_q>{re.escape(r.quarter_word)})|月(?!份)))"


def _dotted_pattern() -> str:
    """1999.08: a year and a two-digit month (2023.10万元 is a figure, so no unit may follow)."""
    return rf"(?P<dot>{_NOT_AFTER_DIGIT}(?P<dot_y>{_YEAR})\.(?P<dot_m>0[1-9]|1[0-2])(?![\d.])(?![ ]?(?:[万亿千百十元%倍]|个)))"


def _tail_pattern(r: DateRules, point: str) -> str:
    return rf"""
      (?P<t_d>{_DAY})[ ]?[日号]                # 16日至28日: the day alone
    | (?P<t_xun>{_guarded(r.xun, after=r.xun_not_followed_by)})   # 上旬至中旬: the xun alone
    | (?<!\d)(?P<t_bkmd>\d{{3,4}})[ ]?日       # 2024717日至830日: broken month-day
    | {point}
    | {_NOT_AFTER_DIGIT}(?P<t_year>{_YEAR})(?![\d.年/-])   # 2008.03-2009: a bare year after a dotted month
    """


def date_rules() -> DateRules:
    return load("dates", DateRules)


@cache
def _grammar() -> _Grammar:
    r = date_rules()
    conn = alt(r.range_connectors)
    point = _point_pattern(r, conn)
    return _Grammar(
        rules=r,
        head=re.compile(point, re.VERBOSE),
        starts=re.compile(_starts(r), re.VERBOSE),
        tail=re.compile(_tail_pattern(r, point), re.VERBOSE),
        connector=re.compile(rf"[ ]?(?:{alt(r.range_opener)}[ ]?)?{conn}[ ]?"),
        connector_firsts=_connector_firsts(r),
        open_end_firsts=(_edges(r.open_end) or (None, None))[0],
        as_of_lasts=(_edges(r.as_of) or (None, None))[1],
    )


def _connector_firsts(r: DateRules) -> frozenset[str] | None:
    """What ``connector`` can begin with: an optional space, then an opener or a connector."""
    words = r.range_opener + r.range_connectors
    return None if not all(words) else frozenset(" ") | frozenset(w[0] for w in words)


# --- parsed points ----------------------------------------------------------------


class _Point(NamedTuple):
    """One end of an expression, before its year is known (a named tuple: a notice has dozens,
    and a frozen dataclass of this many fields is several times slower to make)."""

    year: int | None = None  # written year
    year0: int | None = None  # first year of a compact span (2019-2022年)
    rel: int | None = None  # offset of a relative year (今年 0, 去年 -1)
    m0: int | None = None
    m: int | None = None
    d0: int | None = None
    d: int | None = None
    xun: tuple[int, int] | None = None
    mend: bool = False
    quarters: tuple[int, int] | None = None
    qend: bool = False
    half: tuple[int, int] | None = None
    yend: bool = False
    broken: bool = False
    dotted: bool = False  # 1999.08: may close a range with a bare year (1999.08-2002)
    leading: bool = False  # 前十一个月, 首月

    @property
    def has_year(self) -> bool:
        return self.year is not None or self.rel is not None

    @property
    def has_body(self) -> bool:
        return self.m is not None or self.quarters is not None or self.half is not None or self.yend


def _valid_day(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _split_month_day(digits: str, year: int = 2000) -> tuple[int, int] | None:
    """830 → (8, 30); 1130 → (11, 30); 915 → (9, 15); 111 → (1, 11).

    Three digits are month + two-digit day or two-digit month + day, whichever is a valid
    date; when both are, the one-digit month wins (SPEC 5). A part written with a leading
    zero is no reading of three digits (105 is 10月5日: 1月05日 would have been 0105).
    """
    if len(digits) == 4:
        options = [(digits[:2], digits[2:])]
    else:
        options = [(digits[:1], digits[1:]), (digits[:2], digits[2:])]
    for month, day in options:
        if len(digits) == 3 and (month.startswith("0") or day.startswith("0")):
            continue
        if _valid_day(year, int(month), int(day)):
            return int(month), int(day)
    return None


def _broken_digits(digits: str) -> _Point | None:
    """20211228 or 2021915: a year followed by month and day with 年/月 lost."""
    year = int(digits[:4])
    md = _split_month_day(digits[4:], year)
    return _Point(year=year, m=md[0], d=md[1], broken=True) if md else None


_GROUP_TYPES: dict[str, type] = {}  # pattern text → named tuple of its groups


def _groups(m: re.Match[str]) -> tuple:
    """``m.groups()`` as a named tuple, read by group name as ``m.groupdict()`` would be: making
    that dict of the grammar's forty groups cost most of reading a point. Every group of the
    grammar is named, so the groups in order are the names in order."""
    kind = _GROUP_TYPES.get(m.re.pattern)
    if kind is None:
        if m.re.groups != len(m.re.groupindex):
            raise ValueError("every group of a date pattern must be named")
        kind = _GROUP_TYPES[m.re.pattern] = namedtuple("Groups", sorted(m.re.groupindex, key=m.re.groupindex.get))
    return tuple.__new__(kind, m.groups())  # what kind._make does, less its length check (the groups are the fields)


def _point_from(m: re.Match[str], r: DateRules) -> _Point | None:
    g = _groups(m)
    if getattr(g, "t_d", None):
        return _Point(d=_numeral(g.t_d))
    if getattr(g, "t_xun", None):
        return _Point(xun=r.xun[g.t_xun])
    if getattr(g, "t_bkmd", None):
        md = _split_month_day(g.t_bkmd)
        return _Point(m=md[0], d=md[1], broken=True) if md else None
    if getattr(g, "t_year", None):
        return _Point(year=int(g.t_year), dotted=True)
    if g.dot:
        return _Point(year=int(g.dot_y), m=int(g.dot_m), dotted=True)
    if g.iso:
        return _Point(year=int(g.iso_y), m=int(g.iso_m), d=int(g.iso_d))
    if g.bk:
        return _broken_digits(g.bk)
    if g.bky:
        md = _split_month_day(g.bkmd, int(g.bky))
        return _Point(year=int(g.bky), m=md[0], d=md[1], broken=True) if md else None
    if g.lost:
        return _Point(year=int(g.lost), broken=True)
    year = int(g.y) if g.y else digit_string(g.cny) if g.cny else None
    year0 = int(g.y0) if g.y0 else None
    if year0 is not None and year is not None and year0 >= year:
        return None
    years = (year, year0, r.relative_years[g.rel] if g.rel else None)  # the first three fields of _Point
    if g.m:
        m0 = _numeral(g.m0) if g.m0 else int(g.m0l) if g.m0l else None
        month = _numeral(g.m)
        d0 = _numeral(g.d0) if g.d0 else int(g.d0l) if g.d0l else None
        d = _numeral(g.d) if g.d else None
        if m0 is not None and m0 == month:
            return None
        if d0 is not None and d is not None and d0 >= d:
            return None
        xun = r.xun[g.xun] if g.xun else None
        return _Point(*years, m0, month, d0, d, xun, bool(g.mend))  # by position: made faster
    if g.lp:
        return _leading(g, years, r.leading_periods)
    if g.q:
        q0 = r.quarter_numerals[g.q0] if g.q0 else None
        q = r.quarter_numerals[g.q]
        if q0 is not None and q0 >= q:
            return None
        return _Point(*years, quarters=(q0 or q, q), qend=bool(g.qend))
    if g.half:
        return _Point(*years, half=r.halves[g.half])
    return _Point(*years, yend=bool(g.yend))


@cache
def _numeral(written: str) -> int | None:
    """``whole_number`` of a month's or a day's numeral (at most three characters), read once."""
    return whole_number(written)


def _leading(g: tuple, years: tuple, lead: LeadingPeriods) -> _Point | None:
    n = 1 if g.lp_first else whole_number(g.lp_n)
    quarter = bool(g.lp_q)
    lo, hi = lead.quarters if quarter else lead.months
    if n is None or not (g.lp_first or lo <= n <= hi):
        return None
    if quarter:
        return _Point(*years, quarters=(1, n))
    return _Point(*years, m0=1 if n > 1 else None, m=n, leading=True)


# --- resolution -------------------------------------------------------------------


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _bounds(p: _Point, year: int) -> tuple[datetime.date, datetime.date, str]:
    """The inclusive range of one point in ``year`` (``year0`` opens a compact year span)."""
    first_year = p.year0 if p.year0 is not None else year
    if p.m is not None:
        first_m = p.m0 if p.m0 is not None else p.m
        if p.m0 is not None and p.m0 > p.m:  # 2023年12月至2月 runs into the next year
            first_year, year = year, year + 1
        if p.d is not None:
            first_d = p.d0 if p.d0 is not None else (1 if p.m0 is not None else p.d)
            return datetime.date(first_year, first_m, first_d), datetime.date(year, p.m, p.d), "day"
        last = _last_day(year, p.m)
        if p.xun is not None:
            a, b = p.xun
            first_d = 1 if p.m0 is not None else a
            return datetime.date(first_year, first_m, first_d), datetime.date(year, p.m, min(b, last)), "xun"
        if p.mend:
            start = datetime.date(first_year, first_m, 1) if p.m0 is not None else datetime.date(year, p.m, last)
            return start, datetime.date(year, p.m, last), "day"
        return datetime.date(first_year, first_m, 1), datetime.date(year, p.m, last), "month"
    if p.quarters is not None:
        q0, q = p.quarters
        end = datetime.date(year, 3 * q, _last_day(year, 3 * q))
        if p.qend:
            return (datetime.date(first_year, 3 * q0 - 2, 1) if q0 != q else end), end, "day"
        return datetime.date(first_year, 3 * q0 - 2, 1), end, "quarter"
    if p.half is not None:
        a, b = p.half
        return datetime.date(first_year, a, 1), datetime.date(year, b, _last_day(year, b)), "half_year"
    if p.yend:
        end = datetime.date(year, 12, 31)
        return (datetime.date(first_year, 1, 1) if p.year0 is not None else end), end, "day"
    return datetime.date(first_year, 1, 1), datetime.date(year, 12, 31), "year"


def _safe_bounds(p: _Point, year: int) -> tuple[datetime.date, datetime.date, str, bool]:
    """Like ``_bounds``; a day that does not exist (2月30日) falls back to its month, marked broken."""
    try:
        return (*_bounds(p, year), p.broken)
    except ValueError:
        return (*_bounds(p._replace(d0=None, d=None), year), True)


def _finer(a: str, b: str) -> str:
    return min(a, b, key=GRANULARITIES.index)


class _Expression(NamedTuple):
    """A matched expression: one point, or two ends of a range."""

    start: int
    end: int
    head: _Point
    tail: _Point | None = None
    tail_inherits_month: bool = False
    as_of: bool = False
    open_end: bool = False

    @property
    def written_year(self) -> bool:
        return self.head.year is not None or (self.tail is not None and self.tail.year is not None)

    @property
    def relative(self) -> int | None:
        if self.head.rel is not None or self.tail is None:
            return self.head.rel
        return self.tail.rel

    @property
    def states_month(self) -> bool:
        return self.head.m is not None or (self.tail is not None and self.tail.m is not None)


def _resolve_range(e: _Expression, year: int | None) -> tuple[datetime.date, datetime.date, str, bool] | None:
    """Resolve ``e``; ``year`` serves every end that writes no year of its own."""
    head_year = e.head.year
    if head_year is None:
        head_year = e.tail.year if e.tail is not None and e.tail.year is not None else year
    if head_year is None:
        return None
    start, end, gran, broken = _safe_bounds(e.head, head_year)
    if e.tail is None:
        return start, end, gran, broken
    tail_year = e.tail.year if e.tail.year is not None else head_year
    _, t_end, t_gran, t_broken = _safe_bounds(e.tail, tail_year)
    if t_end < start:
        # 2023年12月至2月, 8月28日至5日: the later end runs into the next month or year
        if e.tail_inherits_month:
            month = e.tail.m % 12 + 1
            _, t_end, t_gran, t_broken = _safe_bounds(e.tail._replace(m=month), tail_year + (month == 1))
        elif e.tail.year is None:
            _, t_end, t_gran, t_broken = _safe_bounds(e.tail, tail_year + 1)
        elif e.head.year is None:
            start, _, gran, broken = _safe_bounds(e.head, head_year - 1)
    if t_end < start:
        return None
    return start, t_end, _finer(gran, t_gran), broken or t_broken


# --- scanning ---------------------------------------------------------------------

_Masked = Callable[[int, int], "tuple[int, int] | None"]  # the not-date span overlapping [start, end)


def _masked(masks: list[tuple[int, int]], starts: list[int], start: int, end: int) -> tuple[int, int] | None:
    """The first mask overlapping [start, end), if any."""
    i = bisect.bisect_right(starts, start) - 1
    for j in (i, i + 1):
        if 0 <= j < len(masks) and masks[j][0] < end and start < masks[j][1]:
            return masks[j]
    return None


@cache
def _longest_first(words: tuple[str, ...]) -> tuple[str, ...]:
    """``words`` longest first, so that the first word that fits is the longest (sorted once)."""
    return tuple(sorted(words, key=len, reverse=True))


@cache
def _edges(words: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]] | None:
    """The first and the last characters of ``words`` (None when one is empty): a place where
    none of them stands is refused before any word is tried."""
    if not all(words):
        return None
    return frozenset(w[0] for w in words), frozenset(w[-1] for w in words)


def _word_after(match_text: str, pos: int, words: tuple[str, ...], not_followed_by: dict[str, tuple[str, ...]]) -> str | None:
    edges = _edges(words)
    if edges is not None and match_text[pos : pos + 1] not in edges[0]:
        return None
    for word in _longest_first(words):
        if match_text.startswith(word, pos):
            after = match_text[pos + len(word) : pos + len(word) + 1]
            if after and after in not_followed_by.get(word, ()):
                continue
            return word
    return None


def _word_before(match_text: str, pos: int, words: tuple[str, ...], floor: int) -> str | None:
    edges = _edges(words)
    if edges is not None and (pos <= floor or match_text[pos - 1] not in edges[1]):
        return None
    for word in _longest_first(words):
        if pos - len(word) >= floor and match_text.startswith(word, pos - len(word)):
            return word
    return None


def _rejected(point: _Point, m: re.Match[str], match_text: str, floor: int, r: DateRules) -> bool:
    """Matches the grammar allows but the language does not mean as dates."""
    if point.leading and not point.has_year and m.start() > 0 and _is_word_character(match_text[m.start() - 1]):
        return True  # 到期前3个月: a month before something, not the first months of a year
    if m.group("rel") and not point.has_body:
        # 比上年增长, 较去年同期: a comparison base, not a date
        if _word_before(match_text, m.start(), r.comparison_before, floor):
            return True
        if _word_after(match_text, m.end(), r.comparison_after, {}):
            return True
    return False


def _is_word_character(c: str) -> bool:
    return c.isalnum()


def _plan_name_year(e: _Expression, match_text: str, r: DateRules) -> bool:
    """规划(2022—2035年), 指引(2024年版): a year span in parentheses that belongs to a name."""
    if e.start < 2 or match_text[e.start - 1] != "(":
        return False  # tested first: the cheapest test, and the one that fails for nearly every date
    if e.head.has_body or (e.tail is not None and e.tail.has_body) or e.as_of or e.open_end:
        return False
    before = match_text[e.start - 2]
    if not (before.isalnum() or before in "》”’\")"):
        return False
    pos = e.end
    suffix = _word_after(match_text, pos, r.plan_paren_suffixes, {})
    if suffix:
        pos += len(suffix)
    return match_text[pos : pos + 1] == ")"


def _parse_tail(match_text: str, head: _Point, head_end: int, grammar: _Grammar, masked: _Masked) -> tuple[_Point, int, bool] | None:
    """The second end of a range starting at ``head_end`` (connector included), if there is one."""
    r = grammar.rules
    firsts = grammar.connector_firsts
    if firsts is not None and match_text[head_end : head_end + 1] not in firsts:
        return None  # what connector.match finds there: nothing (most expressions are no range)
    conn = grammar.connector.match(match_text, head_end)
    if conn is None:
        return None
    m = grammar.tail.match(match_text, conn.end())
    if m is None or masked(conn.end(), m.end()):
        return None
    tail = _point_from(m, r)
    if tail is None or _rejected(tail, m, match_text, conn.end(), r):
        return None
    if m.group("t_bkmd") and not head.broken:
        return None
    if m.group("t_year") and not head.dotted:
        return None
    if not _compatible(head, tail):
        return None
    inherits_month = tail.m is None and (tail.d is not None or tail.xun is not None)
    if inherits_month:
        tail = tail._replace(m=head.m)
    if not tail.has_year:
        tail = tail._replace(rel=head.rel)
    end = m.end()
    closer = _word_after(match_text, end, r.range_closer, {})
    return tail, end + len(closer or ""), inherits_month


def _compatible(head: _Point, tail: _Point) -> bool:
    """Can ``tail`` close a range opened by ``head``? A bare day needs a day before it, a bare
    xun a xun; otherwise both ends name the same kind of period, or the tail writes its year."""
    if tail.m is None and tail.d is not None:
        return head.d is not None
    if tail.m is None and tail.xun is not None:
        return head.xun is not None

    def kind(p: _Point) -> str:
        if p.m is not None:
            return "month"
        return "quarter" if p.quarters is not None else "half" if p.half is not None else "year"

    return kind(head) == kind(tail) or tail.has_year


def _scan(match_text: str, masks: list[tuple[int, int]]) -> list[_Expression]:
    grammar = _grammar()
    r = grammar.rules
    mask_starts = [s for s, _ in masks]

    def masked(start: int, end: int) -> tuple[int, int] | None:
        return _masked(masks, mask_starts, start, end)

    found: list[_Expression] = []
    pos = 0
    floor = 0  # end of the previous expression: prefixes may not reach back over it
    while True:
        m = _search_head(grammar, match_text, pos)
        if m is None:
            break
        start, end = m.span()
        if end == start:
            pos = start + 1
            continue
        mask = masked(start, end)
        if mask is not None:
            pos = mask[1] if mask[0] <= start else start + 1
            continue
        head = _point_from(m, r)
        if head is None or _rejected(head, m, match_text, floor, r):
            pos = start + 1
            continue
        expression = _extend(match_text, start, end, head, grammar, floor, masked)
        if _plan_name_year(expression, match_text, r):
            pos = end
            continue
        found.append(expression)
        pos = floor = expression.end
    return found


def _search_head(grammar: _Grammar, match_text: str, pos: int) -> re.Match[str] | None:
    """``grammar.head.search(match_text, pos)``, tried only where the prefilter lets it start."""
    while (x := grammar.starts.search(match_text, pos)) is not None:
        m = grammar.head.match(match_text, x.start())
        if m is not None:
            return m
        pos = x.start() + 1
    return None


def _extend(match_text: str, start: int, end: int, head: _Point, grammar: _Grammar, floor: int, masked: _Masked) -> _Expression:
    """The expression whose head spans [start, end): add the range tail, 截至 before, 起/以来 after."""
    r = grammar.rules
    tail_info = _parse_tail(match_text, head, end, grammar, masked)
    tail, inherits = None, False
    if tail_info is not None:
        tail, end, inherits = tail_info
    open_end = False
    firsts, lasts = grammar.open_end_firsts, grammar.as_of_lasts
    if tail is None and (firsts is None or match_text[end : end + 1] in firsts):
        word = _word_after(match_text, end, r.open_end, r.open_end_not_followed_by)
        if word:
            end += len(word)
            open_end = True
    as_of = False
    if lasts is None or (start > floor and match_text[start - 1] in lasts):
        word = _word_before(match_text, start, r.as_of, floor)
        if word:
            start -= len(word)
            as_of = True
    return tuple.__new__(_Expression, (start, end, head, tail, inherits, as_of, open_end))  # every field: faster


def find_dates(
    text: str,
    *,
    match_text: str | None = None,
    masks: Masks | None = None,
    reference_year: int | None = None,
    not_after: datetime.date | None = None,
) -> list[FoundDate]:
    """Every date expression of ``text``, sorted by start, non-overlapping (SPEC 5).

    ``reference_year`` resolves 今年/去年 and is the year of last resort for dates written
    without one; ``not_after`` (the published or signed date) moves an inferred date that
    would fall after it into the year before.
    """
    return scan_dates(text, match_text=match_text, masks=masks).dates(reference_year=reference_year, not_after=not_after)


def year_hints(text: str, *, match_text: str | None = None) -> tuple[int | None, int | None]:
    """(latest year among dates that write year and month, most often written year).

    Masks hidden from dates (titles in 《…》, document numbers) are skipped, as everywhere here. Ties for the
    most frequent year go to the later year.
    """
    return scan_dates(text, match_text=match_text).year_hints()


def scan_dates(text: str, *, match_text: str | None = None, masks: Masks | None = None) -> DateScan:
    """The date expressions of ``text``, found once and resolved as often as needed.

    >>> scan = scan_dates("2023年3月印发,5月底前完成。")
    >>> scan.year_hints()
    (2023, 2023)
    >>> [(d.text, str(d.date_end)) for d in scan.dates(reference_year=2024)]
    [('2023年3月', '2023-03-31'), ('5月底', '2023-05-31')]
    """
    if match_text is None:
        match_text = text
    if len(match_text) != len(text):
        raise ValueError("match_text must have the same length as text")
    if masks is None:
        masks = find_masks(match_text)
    return DateScan(text, tuple(_scan(match_text, masks.hidden_from("dates"))))


@dataclass(frozen=True)
class DateScan:
    """The date expressions of one text, found but not yet resolved.

    Where the expressions stand does not depend on the reference year, only the dates they
    resolve to; so one scan serves ``year_hints``, which helps choose the reference year, and
    then ``dates`` with that year.
    """

    text: str
    expressions: tuple[_Expression, ...]

    @cached_property
    def _written(self) -> tuple[tuple[datetime.date, datetime.date, str, bool] | None, ...]:
        """Each expression that writes its year resolved (alike in any reference year, so once for
        ``year_hints`` and ``dates``); None for the others and for those that do not resolve."""
        return tuple(_resolve_range(e, None) if e.written_year else None for e in self.expressions)

    def dates(self, *, reference_year: int | None = None, not_after: datetime.date | None = None) -> list[FoundDate]:
        """``find_dates`` of the scanned text."""
        rows: list[FoundDate] = []
        anchor_year: int | None = None
        for e, written in zip(self.expressions, self._written):
            row = _resolve(self.text, e, reference_year, anchor_year, not_after, written)
            rows.append(row)
            if row.anchors and row.date_end is not None:
                anchor_year = row.date_end.year
        return rows

    def year_hints(self, not_latest: Collection[int] = ()) -> tuple[int | None, int | None]:
        """``year_hints`` of the scanned text; expressions starting in ``not_latest`` (deadlines
        and targets: ``2025年6月30日前完成``, ``到2027年``) never give the latest year."""
        latest: int | None = None
        written: dict[int, int] = {}  # year → expressions writing it (a dict: Counter.update is slow)
        for e, resolved in zip(self.expressions, self._written):
            if resolved is None:  # also every expression that writes no year: only written years count
                continue
            first, last = resolved[0].year, resolved[1].year
            written[first] = written.get(first, 0) + 1
            if last != first:
                written[last] = written.get(last, 0) + 1
            if e.states_month and e.start not in not_latest:
                latest = max(first, last) if latest is None else max(first, last, latest)
        most = max(written.items(), key=lambda kv: (kv[1], kv[0]))[0] if written else None
        return latest, most


def _resolve(text: str, e: _Expression, reference_year: int | None, anchor_year: int | None, not_after: datetime.date | None,
             written: tuple[datetime.date, datetime.date, str, bool] | None) -> FoundDate:
    """``e`` resolved; ``written`` is ``_resolve_range(e, None)`` when ``e`` writes its year."""
    written_year = e.written_year  # a property: read once
    if written_year:
        resolved = written
    elif e.relative is not None:
        resolved = _resolve_range(e, None if reference_year is None else reference_year + e.relative)
    else:
        year = anchor_year if anchor_year is not None else reference_year
        resolved = _resolve_range(e, year)
        if resolved is not None and not_after is not None and resolved[0] > not_after:
            resolved = _resolve_range(e, year - 1)
    if resolved is None:
        date_start = date_end = None
        granularity, broken = _unresolved(e)
    else:
        date_start, date_end, granularity, broken = resolved
    return tuple.__new__(FoundDate, (  # every field in order, without the named tuple's Python-level __new__: faster
        e.start, e.end, text[e.start : e.end], date_start, date_end, granularity,
        not written_year, e.as_of, e.open_end, broken,
        (written_year or e.relative is not None) and e.states_month,  # anchors
    ))


def _unresolved(e: _Expression) -> tuple[str, bool]:
    """Granularity and brokenness of an expression whose year is unknown (probed in a leap year)."""
    resolved = _resolve_range(e, 2000)
    return (resolved[2], resolved[3]) if resolved else ("year", e.head.broken)
