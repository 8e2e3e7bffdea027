"""Quantitative figures (SPEC 6): a number with a unit or measure word.

>>> [(f.text, f.value_normalized, f.unit, f.change, f.comparison) for f in find_indicators("收入598.27亿元,同比增长4.70%。")]
[('598.27亿元', 59827000000.0, 'CNY', None, None), ('同比增长4.70%', 4.7, '%', 'increase', 'yoy')]

Each number from ``numerals.scan_numbers`` is read outwards: a unit (or 成, or 百分之) after or
before it, then qualifier, change and comparison words before it. Numbers without a unit
borrow one from the list they stand in (``15,5,20个工作日``); numbers inside the spans of
``units.yaml``/``indicators.yaml`` "not" lists, or inside the caller's excluded spans, yield
nothing. All vocabularies are data; only the grammar is here.
"""

from __future__ import annotations

import bisect
from operator import itemgetter
import re
from decimal import Decimal
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, NamedTuple

from pipeline import rules
from pipeline.extract.dates import find_dates
from pipeline.extract.numerals import Number, UnitEntry, is_numeral, scan_numbers, unit_rules, whole_number
from pipeline.extract.subjects import Grammar as SubjectGrammar, SubjectWords, assign_subjects
from pipeline.mask import Masks, find_masks
from pipeline.rules import RuleFile, alt

QualifierName = Literal["exact", "approx", "at_least", "at_most"]


class Qualifiers(RuleFile):
    before: dict[str, QualifierName]
    before_not_after: dict[str, tuple[str, ...]]
    between: dict[str, QualifierName]
    after: dict[str, QualifierName]


class ChangeWords(RuleFile):
    increase: tuple[str, ...]
    decrease: tuple[str, ...]
    nouns: tuple[str, ...]
    level_markers: tuple[str, ...]
    single_char_not_after: tuple[str, ...]


class ComparisonWords(RuleFile):
    yoy: tuple[str, ...]
    mom: tuple[str, ...]
    yoy_with_year: dict[str, str]  # 较 → 年同期: 较2023年同期


class RankWords(RuleFile):
    scope: tuple[str, ...]
    verbs: tuple[str, ...]
    units: tuple[str, ...]


class IndicatorRules(RuleFile):
    """``indicators.yaml``."""

    qualifiers: Qualifiers
    change: ChangeWords
    comparison: ComparisonWords
    rank: RankWords
    cheng_not_before: tuple[str, ...]
    money_context: tuple[str, ...]
    subject: SubjectWords


@cache
def indicator_rules() -> IndicatorRules:
    return rules.load("indicators", IndicatorRules)


class FoundIndicator(NamedTuple):
    """One figure (a named tuple: immutable, and made faster than a frozen dataclass)."""

    start: int
    end: int
    text: str  # == input[start:end]
    value: float
    multiplier: float
    value_normalized: float
    unit: str
    kind: str
    qualifier: str  # exact | approx | at_least | at_most
    change: str | None  # increase | decrease
    comparison: str | None  # yoy | mom
    subject: str | None
    subject_after: bool = False  # the subject is the noun written after the figure


@dataclass(frozen=True, slots=True)
class _Grammar:
    left: re.Pattern[str]
    left_fast: re.Pattern[str]  # left's non-empty matches, found faster (see _skipping_to_first_characters)
    left_lasts: frozenset[str]  # the characters a non-empty match of left can end with
    money_context: re.Pattern[str]
    last_clause_break: re.Pattern[str]
    list_gap: re.Pattern[str]
    units: re.Pattern[str]  # a unit word after the number: the longest that fits
    unit_then_qualifier: re.Pattern[str]  # units (group unit), then qualifier_after if one follows (group after)
    prefix_units: tuple[tuple[str, UnitEntry], ...]  # longest first
    prefix_unit_ends: frozenset[str]  # their last characters
    qualifier_after: re.Pattern[str]  # longest first
    unit_of: dict[str, tuple[str, str]]  # unit surface → (unit, kind)
    between: dict[str, QualifierName]  # qualifiers between a number and its unit (十余家)
    after_of: dict[str, QualifierName]  # qualifiers after the unit (以上)
    change_of: dict[str, str]
    comparison_of: dict[str, str]


_CLAUSE_BREAKS = ",;。:!?\n"


@cache
def _grammar() -> _Grammar:
    r = indicator_rules()
    yoy = [re.escape(w) for w in r.comparison.yoy] + [
        rf"{re.escape(before)}\d{{4}}{re.escape(after)}" for before, after in r.comparison.yoy_with_year.items()]
    left = re.compile(
        rf"""
        (?P<cmp> (?P<yoy> {alt(yoy, escape=False)}) | (?P<mom> {alt(r.comparison.mom)}) )?   # 同比, 环比
        (?P<each> 分别 )?                                                        # 同比分别增长
        (?: (?P<chg> {alt(r.change.increase + r.change.decrease)})                   # 增长, 压缩
            (?P<link> 了?(?:达到|达|是)? | {alt(r.change.level_markers)} ) )?         # 增长了, 提升至
        (?P<q> {alt(list(r.qualifiers.before))} )?                                   # 约, 超过
        $""",
        re.VERBOSE,
    )
    words = (r.comparison.yoy + tuple(r.comparison.yoy_with_year) + r.comparison.mom + ("分别",)
             + r.change.increase + r.change.decrease + tuple(r.qualifiers.before))
    change_of = {w: "increase" for w in r.change.increase} | {w: "decrease" for w in r.change.decrease}
    comparison_of = {w: "mom" for w in r.comparison.mom}
    units = sorted(unit_rules().units.items(), key=lambda kv: -len(kv[0]))
    unit_words = "|".join(_unit_word(surface, entry) for surface, entry in units)
    return _Grammar(
        left=left,
        left_fast=_skipping_to_first_characters(left, {w[0] for w in words}),
        left_lasts=_left_lasts(r, words),
        money_context=re.compile(alt(r.money_context)),
        last_clause_break=re.compile("(?s:.*)[" + re.escape(_CLAUSE_BREAKS) + "]"),
        list_gap=re.compile(r"\s*(?:,|、|和|及|与|或|至|到|~|-|—|–)\s*$"),
        units=re.compile(unit_words),
        unit_then_qualifier=re.compile(f"(?P<unit>{unit_words})(?P<after>{alt(list(r.qualifiers.after))})?"),
        prefix_units=tuple(sorted(unit_rules().prefix_units.items(), key=lambda kv: -len(kv[0]))),
        prefix_unit_ends=frozenset(surface[-1] for surface in unit_rules().prefix_units),
        qualifier_after=re.compile(alt(list(r.qualifiers.after))),
        unit_of={surface: (entry.unit, entry.kind) for surface, entry in unit_rules().units.items()},
        between=dict(r.qualifiers.between),
        after_of=dict(r.qualifiers.after),
        change_of=change_of,
        comparison_of=comparison_of,
    )


_LINKS = "了达到是"  # the characters of the link after a change word in ``left`` (增长了, 达到)


def _left_lasts(r: IndicatorRules, words: tuple[str, ...]) -> frozenset[str]:
    """What a non-empty match of ``left`` can end with: the last character of one of its words,
    of a link or level marker, of the words after a year (较2023年同期, a digit when there are none),
    or a line break (``$`` also matches before a line break that ends the text)."""
    lasts = {w[-1] for w in words + r.change.level_markers if w} | set(_LINKS) | {"\n"}
    for after in r.comparison.yoy_with_year.values():
        lasts |= {after[-1]} if after else set("0123456789")
    return frozenset(lasts)


def _unit_word(surface: str, entry: UnitEntry) -> str:
    """The unit as a pattern that also checks what follows it."""
    word = re.escape(surface)
    if entry.not_before:
        word += f"(?!{alt(entry.not_before)})"  # 千瓦时 but not 年级
    if surface[-1].isascii() and surface[-1].isalpha():
        word += "(?![A-Za-z])"  # 5km is km, 5kmh is not
    return word


@dataclass(slots=True)
class _Reading:
    """One number read outwards; filled in step by step."""

    number: Number
    start: int
    end: int
    value: float
    multiplier: float
    unit: str | None = None
    kind: str | None = None
    unit_surface: str = ""
    qualifier: str = "exact"
    change: str | None = None
    comparison: str | None = None
    borrowed: bool = False
    rank: bool = False
    drop: bool = False


def find_indicators(text: str, *, match_text: str | None = None, masks: Masks | None = None,
                    excluded: Sequence[tuple[int, int]] | None = None,
                    numbers: Sequence[Number] | None = None) -> list[FoundIndicator]:
    """Figures in ``text``, sorted by start and non-overlapping.

    ``match_text`` (same length, traditional characters folded) is what the rules match on;
    no row overlaps a mask hidden from indicators (``masks``, found here when not given) or a
    span of ``excluded``, the rows of other tables (dates and cited documents; the dates of the
    text when not given). ``numbers``, when given, are ``scan_numbers(match_text)``, read once
    for every finder that needs them; the ones in hidden spans are dropped here, which gives
    what a scan that hides them gives.
    """
    m = text if match_text is None else match_text
    if len(m) != len(text):
        raise ValueError("match_text must have the length of text")
    if masks is None:
        masks = find_masks(m)
    if excluded is None:
        excluded = [(d.start, d.end) for d in find_dates(text, match_text=m, masks=masks)]
    blocked = _Blocked(excluded, masks.hidden_from("indicators"))
    if numbers is None:
        numbers = scan_numbers(m, hidden=blocked.spans)
    else:
        numbers = [n for n in numbers if not blocked.overlaps(n.start, n.end)]
    g = _grammar()
    readings = [_read(m, n, g) for n in numbers]
    _share_units(m, readings)
    found = _figures(m, readings, blocked, g)
    subjects = assign_subjects(text, m, found, blocked.rows, _subject_grammar())
    return [_row(text, r, s, after) for r, (s, after) in zip(found, subjects)]


def _figures(m: str, readings: list[_Reading], blocked: _Blocked, g: _Grammar) -> list[_Reading]:
    """The readings that are figures, with the words before them read; sorted, non-overlapping."""
    found: list[_Reading] = []
    prev_end = 0
    for i, r in enumerate(readings):
        if r.drop or r.unit is None:
            continue
        if not r.rank and r.start > 0 and m[r.start - 1] in g.left_lasts \
                and (left := g.left_fast.search(m, max(prev_end, r.start - 24), r.start)) is not None:
            _read_left(m, r, left, blocked)  # None where g.left finds only the empty match (most figures)
        if i > 0 and r.change is None and r.comparison is None and r.start - 3 <= readings[i - 1].end <= r.start:
            _inherit_change(m, readings[i - 1], r)  # only a list gap of at most 3 characters passes it on
        if r.start < prev_end or blocked.overlaps(r.start, r.end):
            continue
        found.append(r)
        prev_end = r.end
    return found


@cache
def _subject_grammar() -> SubjectGrammar:
    r = indicator_rules()
    return SubjectGrammar.build(r.subject, changes=r.change.increase + r.change.decrease,
                                level_markers=r.change.level_markers, scope=r.rank.scope)


class _Blocked:
    """Sorted, merged spans that no row may overlap."""

    def __init__(self, excluded: Sequence[tuple[int, int]], masked: Sequence[tuple[int, int]]):
        rows = [(s, e) for s, e in excluded if e > s]
        starts: list[int] = []
        ends: list[int] = []  # ends[-1] is the end of the span being merged
        for s, e in sorted(rows + list(masked)):
            if ends and s < ends[-1]:
                if e > ends[-1]:
                    ends[-1] = e
                continue
            starts.append(s)
            ends.append(e)
        self.spans = list(zip(starts, ends))
        self.starts, self.ends = starts, ends
        self.rows = sorted(rows, key=itemgetter(1))  # dates, citations

    def overlaps(self, start: int, end: int) -> bool:
        k = bisect.bisect_right(self.starts, end - 1) - 1
        return k >= 0 and self.ends[k] > start


def _skipping_to_first_characters(pattern: re.Pattern[str], first: set[str]) -> re.Pattern[str]:
    """A pattern whose ``search`` finds the leftmost non-empty match of ``pattern``, faster.

    ``first`` holds every character a non-empty match can start with (the first characters of
    the words the pattern is made of). The pattern matches only that character, but its groups
    are the match's own: ``[characters](?<=(?=pattern)(?s:.))``.
    """
    chars = "".join(re.escape(c) for c in sorted(first))
    end = "\n" if pattern.flags & re.VERBOSE else ""  # after a comment on the pattern's last line
    return re.compile(f"[{chars}](?<=(?={pattern.pattern}{end})(?s:.))", pattern.flags)


def _read(m: str, n: Number, g: _Grammar) -> _Reading:
    r = _Reading(n, n.start, n.end, n.mantissa, n.multiplier)
    before = m[n.start - 1] if n.start > 0 else ""
    if before == "第":
        _read_rank(m, r)
    elif before == "、" and _continues_ordinals(m, n.start):
        r.drop = True  # the 二 and 三 of 第一、二、三轮 are ordinals too
    else:
        _read_unit(m, r, g)
        if r.unit == "CNY" and r.multiplier == 1:
            _read_jiao_fen(m, r)
    if r.unit is not None and not r.drop:
        _guard(m, r)
    return r


_ORDINAL_REACH = 16  # characters an enumeration of ordinals is followed back


def _continues_ordinals(m: str, start: int) -> bool:
    """Is the number at ``start`` the next item of a list of ordinals (第一、二、三)?"""
    if start == 0 or m[start - 1] != "、":
        return False
    k = start - 1
    floor = max(start - _ORDINAL_REACH, 0)
    while k > floor and (m[k - 1] == "、" or is_numeral(m[k - 1])):
        k -= 1
    return k > 0 and m[k - 1] == "第" and k < start - 1


_JIAO_FEN = re.compile(r"(?:(?P<jiao>[0-9零一二三四五六七八九壹贰叁肆伍陆柒捌玖两])角)?(?:(?P<fen>[0-9零一二三四五六七八九壹贰叁肆伍陆柒捌玖两])分(?!钟|之))?")


def _read_jiao_fen(m: str, r: _Reading) -> None:
    """3元5角2分: the tenths (角) and hundredths (分) after 元 belong to the amount."""
    if not r.unit_surface.endswith(("元", "圆")):
        return
    tail = _JIAO_FEN.match(m, r.end)
    if tail is None or tail.end() == r.end:
        return
    value = Decimal(repr(r.value))
    for group, scale in (("jiao", Decimal("0.1")), ("fen", Decimal("0.01"))):
        if tail.group(group):
            value += whole_number(tail.group(group)) * scale
    r.value, r.end = float(value), tail.end()


def _read_rank(m: str, r: _Reading) -> None:
    """第6位, 全省第三, 第5个: a rank; any other 第N is an ordinal and no figure."""
    words = indicator_rules().rank
    n = r.number
    k = n.end
    if n.fraction or n.value <= 0 or n.value != int(n.value):
        r.drop = True
        return
    if k < len(m) and (m[k] in words.units or m[k] == "个"):
        k += 1
    elif not any(m.startswith(w, n.start - 1 - len(w)) for w in words.scope + words.verbs) or (
            k < len(m) and m[k] not in ",;。!?\n" and not m[k].isspace()):
        r.drop = True  # a bare 第三 is a rank only after 全省 or 排名: 第三、四阶段 is not
        return
    r.start, r.end, r.rank = n.start - 1, k, True
    r.unit, r.kind, r.value, r.multiplier = "rank", "rank", n.value, 1.0
    scope = next((w for w in words.scope if m.startswith(w, r.start - len(w))), None)
    if scope:
        r.start -= len(scope)


def _unit_at(m: str, k: int) -> tuple[str, UnitEntry] | None:
    hit = _grammar().units.match(m, k)
    return None if hit is None else (hit.group(), unit_rules().units[hit.group()])


def _read_unit(m: str, r: _Reading, g: _Grammar) -> None:
    n = r.number
    k = n.end
    c = m[k] if k < len(m) else ""  # the character after the number
    if c == " " and _unit_at(m, k + 1):
        k += 1  # 38 项
        c = m[k]
    if n.approx:
        r.qualifier = "approx" if any(c in "几幾" for c in m[n.start:n.end]) else "at_least"  # 30多万户
    between = g.between.get(c) if c and not n.approx else None
    if between and _unit_at(m, k + 1):
        r.qualifier, k = between, k + 1
        c = m[k]
    if c == "成" and _is_cheng(m, k, n):
        r.unit, r.kind, r.unit_surface = "%", "percent", "成"
        r.multiplier *= 10
        k += 1
    elif (hit := g.unit_then_qualifier.match(m, k)) is not None:  # the common case, in one match
        surface, after = hit.group("unit", "after")
        r.unit, r.kind = g.unit_of[surface]
        r.unit_surface = surface
        if after and r.qualifier == "exact":
            r.qualifier = g.after_of[after]
        r.end = hit.end()
        return
    else:
        _read_prefix_unit(m, r)
        if r.unit is None:
            _read_bare_money(m, r)
        if r.unit is None and n.fraction:
            r.unit, r.kind = "fraction", "ratio"  # 三分之一, 1/3
        if r.unit is None:
            return
    if k > n.end:
        after = _qualifier_after(m, k)
        if after:
            r.qualifier = g.after_of[after] if r.qualifier == "exact" else r.qualifier
            k += len(after)
        r.end = k
    elif r.unit is not None and (after := _qualifier_after(m, r.end)):
        r.qualifier = g.after_of[after]
        r.end += len(after)


def _is_cheng(m: str, k: int, n: Number) -> bool:
    if n.fraction or not (0 < n.value <= 10):
        return False
    return not (k + 1 < len(m) and m[k + 1] in indicator_rules().cheng_not_before)


def _read_prefix_unit(m: str, r: _Reading) -> None:
    """百分之五十, ￥300: the unit before the number."""
    g = _grammar()
    if m[r.start - 1] not in g.prefix_unit_ends:
        return  # the character before (the last one when the number starts the text) ends no prefix unit
    for surface, entry in g.prefix_units:
        if m.startswith(surface, r.start - len(surface)):
            r.unit, r.kind, r.unit_surface = entry.unit, entry.kind, surface
            r.start -= len(surface)
            return


def _read_bare_money(m: str, r: _Reading) -> None:
    """产业规模7500亿左右: 万/亿 with no unit, in a clause about money, is CNY."""
    n = r.number
    if n.fraction or not _BIG_MULTIPLIER.search(m, n.start, n.end):
        return
    clause_start = _clause_start(m, n.start)
    if _grammar().money_context.search(m, clause_start, n.start):
        r.unit, r.kind = "CNY", "money"


_BIG_MULTIPLIER = re.compile("[万萬亿億]")


def _qualifier_after(m: str, k: int) -> str | None:
    """以上, 左右: the longest qualifier word at ``k``."""
    hit = _grammar().qualifier_after.match(m, k)
    return None if hit is None else hit.group()


def _guard(m: str, r: _Reading) -> None:
    """Drop what only looks like a figure: years (2023年), the article 一 (一个问题)."""
    n = r.number
    surface = m[n.start:n.end]
    if r.unit == "year" and (n.value >= 1000 or re.fullmatch(r"\d{4}", surface)):
        r.drop = True
    elif r.kind == "count" and n.chinese and surface in ("一", "壹"):
        r.drop = True  # 一个问题, 一批: the indefinite article
    elif n.value == 0.5 and surface == "半" and r.kind != "duration":
        r.drop = True  # 半个月 is a duration; 半个世纪 or 半个身子 no figure
    elif r.unit in ("year", "month") and n.value < 0:
        r.drop = True


def _share_units(m: str, readings: list[_Reading]) -> None:
    """Lists share the unit of their last element: 15,5,20个工作日; 21.5个、5.5个百分点."""
    gap = _grammar().list_gap
    for i in range(len(readings) - 2, -1, -1):
        r, nxt = readings[i], readings[i + 1]
        if nxt.unit is None or nxt.drop or nxt.rank or r.rank or r.end > nxt.start:
            continue
        if nxt.start - r.end > 3 or not gap.match(m[r.end:nxt.start]):
            continue  # the distance first: most numbers stand far apart, and it needs no slice
        if r.unit is None and not r.drop:
            r.unit, r.kind, r.unit_surface, r.borrowed = nxt.unit, nxt.kind, nxt.unit_surface, True
            if nxt.unit_surface == "成":
                r.multiplier *= 10
            _guard(m, r)
        elif r.unit_surface and nxt.unit_surface != r.unit_surface and nxt.unit_surface.startswith(r.unit_surface):
            r.unit, r.kind = nxt.unit, nxt.kind  # 21.5个、5.5个百分点


def _read_left(m: str, r: _Reading, left: re.Match[str], blocked: _Blocked) -> None:
    """Qualifier, change and comparison words right before the figure (``left``, of ``left_fast``)."""
    g = _grammar()
    words = indicator_rules().change
    start = r.start
    q = left.group("q")
    if q and not (left.start("q") > 0 and m[left.start("q") - 1] in indicator_rules().qualifiers.before_not_after.get(q, ())):
        r.qualifier = indicator_rules().qualifiers.before[q]
        start = left.start("q")
    chg = left.group("chg")
    if chg:
        single_after = left.start("chg") > 0 and m[left.start("chg") - 1] in words.single_char_not_after
        level = left.group("link") in words.level_markers and chg not in words.nouns
        if not level and not (len(chg) == 1 and single_after):
            r.change = g.change_of[chg]
            start = left.start("chg")
    if left.group("cmp") and (r.change is not None or not chg):
        r.comparison = "mom" if left.group("mom") else "yoy"
        cmp_start = left.start("cmp")
        if not blocked.overlaps(cmp_start, start):
            start = cmp_start  # 较2023年同期: the year is a date; keep the span after it
    elif left.group("each") and r.change is not None:
        start = left.start("each")
    r.start = start


def _inherit_change(m: str, prev: _Reading, r: _Reading) -> None:
    """同比分别增长5.1%和8.3%: the second figure shares change and comparison."""
    if prev.unit is None or prev.drop or prev.kind != r.kind or prev.end > r.start:
        return
    if _grammar().list_gap.match(m[prev.end:r.start]) and r.start - prev.end <= 3:
        r.change, r.comparison = prev.change, prev.comparison


def _clause_start(m: str, pos: int) -> int:
    """Just after the last clause break before ``pos``, looking back at most 59 characters."""
    floor = max(pos - 59, 0)
    last = _grammar().last_clause_break.match(m, floor, pos)
    return floor if last is None else last.end()


def exact_product(value: float, multiplier: float) -> float:
    """``value × multiplier`` in decimal from the digits they print as, rounded once:
    2.3 × 1e8 is 230000000, where binary floating point gives 229999999.99999997."""
    if multiplier == 1.0:
        return float(value)  # what the decimal product gives: repr(value) reads back as value
    digits, k = repr(value), _POWERS_OF_TEN.get(multiplier)
    if k is not None and "e" not in digits and "n" not in digits:  # not 1e-05, inf or nan
        return float(f"{digits}e{k}")  # the same digits k places on, rounded once: faster than Decimal
    return float(Decimal(digits) * Decimal(repr(multiplier)))


_POWERS_OF_TEN = {10.0**k: k for k in range(1, 23)}  # each exact in binary (万, 亿, 万亿 and 成 multiply by these)


def _row(text: str, r: _Reading, subject: str | None, subject_after: bool) -> FoundIndicator:
    value, multiplier = r.value, r.multiplier
    return tuple.__new__(FoundIndicator, (  # every field in order, without the named tuple's Python-level __new__: faster
        r.start, r.end, text[r.start:r.end],
        value, multiplier, float(value) if multiplier == 1.0 else exact_product(value, multiplier),
        r.unit or "", r.kind or "", r.qualifier,
        r.change, r.comparison, subject, subject_after,
    ))
