"""Numbers written in Arabic digits, Chinese numerals or a mix of both.

>>> parse_number("一千二百万"), parse_number("1.44万"), parse_number("三分之一")
(12000000.0, 14400.0, 0.3333333333333333)
>>> find_numbers("惠及1.44万人次,十余家企业")
[(2, 7, 14400.0), (10, 11, 10.0)]

The scanner is a hand-written left-to-right state machine, not a regex with nested
quantifiers: each character is looked at a bounded number of times, so a megabyte of
digits or a long run of 万 stays linear. Choices where usage varies:

- ``百分之五十`` is the number of percent: ``parse_number`` gives 50. ``find_numbers``
  reports only the ``五十`` (the ``百分之`` is a unit, like ``%``); ``一百分之五`` with a
  written numerator digit is a fraction (0.05).
- ``余``/``多``/``几`` inside a number, before a multiplier, count as the number before them
  (``十余万`` → 100000, ``二十几万`` → 200000); at the end (``十余``) they are not part of
  the number: the indicator recogniser reads them as a qualifier.
- An abbreviated tail takes the next lower unit: ``一万三`` → 13000, ``百三`` → 130.
- ``兆`` is 10^12, as in the traditional reading, except in unit words (兆瓦).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal, NamedTuple

from pydantic import field_validator

from pipeline import rules
from pipeline.rules import RuleFile, literal_trie

Kind = Literal[
    "money", "percent", "percentage_point", "ratio", "area", "length", "mass",
    "energy", "power", "duration", "count", "rank",
]


class Multiplier(RuleFile):
    chars: tuple[str, ...]
    value: float
    scale: Literal["small", "big"]
    not_before: tuple[str, ...] = ()


class UnitEntry(RuleFile):
    unit: str
    kind: Kind
    not_before: tuple[str, ...] = ()


class UnitRules(RuleFile):
    """``units.yaml``: multipliers, words that are no numbers, unit words."""

    multipliers: tuple[Multiplier, ...]
    not_numerals: tuple[str, ...]
    units: dict[str, UnitEntry]
    prefix_units: dict[str, UnitEntry]

    @field_validator("units", "prefix_units")
    @classmethod
    def _non_empty(cls, table: dict[str, UnitEntry]) -> dict[str, UnitEntry]:
        if not table or any(not surface.strip() for surface in table):
            raise ValueError("unit tables need non-blank surfaces")
        return table


@cache
def unit_rules() -> UnitRules:
    return rules.load("units", UnitRules)


# The numeral characters themselves are grammar, not vocabulary: a closed set.
_DIGITS = {
    "一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "俩": 2, "倆": 2,
    "三": 3, "叁": 3, "參": 3, "叄": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6,
    "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
_ZERO = "零〇"
_DIGIT_VALUES = {c: float(v) for c, v in _DIGITS.items()}
_DECIMAL_DIGITS = {c: v for c, v in _DIGITS.items() if c not in "两兩俩倆"} | {"零": 0, "〇": 0}
_POINT = "点點"
_GAP = "余多"  # 十余万: "more than", only before a multiplier
_PLACEHOLDER = "几幾"  # 二十几万: "some", only before a multiplier
_MINUS = "负負"
_AND = "又"  # 三又三分之一
_OVER = "分之"  # 三分之一
_ASCII_DIGITS = "0123456789"
_HALF = "半"  # 半个月: a half, before the measure word 个 only (上半年, 半数 are no numbers)
_ARABIC = re.compile(
    r"""
    (?: \d{1,3} (?: ,\d{3} )+ (?!\d)   # thousands separators: 1,127  1,050,000
      | \d+ )                          # plain digits
    (?: \.\d+ (?![.\d]) )?             # decimals, but not a version 1.2.3
    """,
    re.VERBOSE,
)
_DIGIT_RUN = re.compile(r"[\d,.]+")
# Two separators in a row (3,.83万元): a damaged figure, of which no part is read.
_DAMAGE = re.compile(r"[,.][,.]")  # two separators in a row
MAX_DIGITS = 15  # longer digit runs are serials and ids, not quantities


class Number(NamedTuple):
    """One number found in a text; ``value == mantissa * multiplier``.

    A named tuple rather than a frozen dataclass: as immutable, and made several times faster,
    which counts at some 250 numbers a notice."""

    start: int
    end: int
    value: float
    mantissa: float  # the number as written before its trailing multiplier (1.44 of 1.44万)
    multiplier: float  # trailing 十/百/千/万/亿 factor; 1 for numbers wholly in characters
    chinese: bool  # written without Arabic digits
    approx: bool  # 余/多/几 inside (十余万)
    fraction: bool


@dataclass(frozen=True, slots=True)
class _Tables:
    multipliers: dict[str, Multiplier]
    starts: re.Pattern[str]
    not_numerals: re.Pattern[str]
    plain: re.Pattern[str]  # the common numbers, read without _number_at (see _plain_pattern)
    scan: re.Pattern[str]  # plain, else any character a number may start with (group "start")
    inner: frozenset[str]  # every character a number may hold after its first



@cache
def _tables() -> _Tables:
    rules_ = unit_rules()
    multipliers = {c: m for m in rules_.multipliers for c in m.chars}
    start_chars = set(_DIGITS) | set(_ZERO) | set(multipliers) | set(_MINUS) | set(_ASCII_DIGITS) | {"-", _HALF}
    start_class = "[" + "".join(re.escape(c) for c in sorted(start_chars)) + "]"
    inner = start_chars | set(",./ " + _GAP + _PLACEHOLDER + _POINT + _OVER + _AND)
    return _Tables(multipliers, re.compile(start_class), re.compile(literal_trie(rules_.not_numerals)),
                   _plain_pattern(multipliers), _scan_pattern(start_class, multipliers), frozenset(inner))


def _chars(cs: str) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(set(cs))) + "]"


def _extensions(multipliers: dict[str, Multiplier]) -> tuple[str, str]:
    """What may extend digits (3万 30多万 3分之1 1又1/3 1/3) and a Chinese digit (三万 三十 三点五 三分之一)."""
    return (_chars("".join(multipliers) + _GAP + _OVER[0] + _AND + "/ "),
            _chars("".join(multipliers) + _GAP + _POINT + _OVER[0] + _AND))


def _plain_pattern(multipliers: dict[str, Multiplier]) -> re.Pattern[str]:
    """Digits alone (1,127  3.5) or one Chinese digit alone (一是): no code (DN50) and nothing after
    that could extend them (3万, 1/3, 三点五, 三分之一). What ``_number_at`` reads there is exactly the
    match; the caller still sends runs of more than MAX_DIGITS characters to ``_number_at``."""
    chars = _chars
    extends_arabic, extends_digit = _extensions(multipliers)
    return re.compile(
        rf"""
        (?<![A-Za-z]) (?=[0-9]) (?P<arabic> (?> {_ARABIC.pattern} ) ) (?!{extends_arabic})  # not DN50
        | (?P<digit> {chars("".join(_DIGITS))} ) (?!{extends_digit})
        """,
        re.VERBOSE,
    )


# _ARABIC after its first digit: \d{1,3} and \d+ less the digit the scan pattern has taken.
_ARABIC_REST = r"(?: \d{0,2} (?: ,\d{3} )+ (?!\d) | \d* ) (?: \.\d+ (?![.\d]) )?"


def _big_fast(multipliers: dict[str, Multiplier]) -> tuple[str, str]:
    """The multipliers of ``_scan_pattern``'s ``big`` branch (598.27亿, 3万): the big ones with no
    word they may not stand before, and that ``_split_multiplier`` splits off; and what may follow
    a big multiplier in a number (万五, 万亿, 万点五, 万分之一, 万又…), which that branch leaves to
    ``_number_at``."""
    big = "".join(c for c, m in multipliers.items() if m.scale == "big" and not m.not_before and _TRAILING.match(c))
    goes_on = "".join(multipliers) + "".join(_DIGITS) + _ZERO + _ASCII_DIGITS + _POINT + _OVER[0] + _AND
    return _chars(big), _chars(goes_on)


def _scan_pattern(start_class: str, multipliers: dict[str, Multiplier]) -> re.Pattern[str]:
    """``_plain_pattern`` at each character a number may start with, else that character alone
    (group ``start``): one ``finditer`` finds the places to look at and reads the plain numbers.

    It matches what ``_plain_pattern`` matches there. It is written to begin with the character
    class, not with the plain pattern's look-behind, so that the engine skips to the next such
    character without trying the pattern at every place in between (several times faster)."""
    extends_arabic, extends_digit = _extensions(multipliers)
    big, goes_on = _big_fast(multipliers)
    return re.compile(
        rf"""
        {start_class}
        (?: (?<=[0-9]) (?<![A-Za-z][0-9]) (?P<arabic> (?> {_ARABIC_REST} ) ) (?!{extends_arabic})  # not DN50
          | (?<=[0-9]) (?<![A-Za-z][0-9]) (?> {_ARABIC_REST} ) (?P<big> {big} ) (?!{goes_on})  # 1.44万
          | (?<={_chars("".join(_DIGITS))}) (?P<digit>) (?!{extends_digit})
          | (?P<start>) )
        """,
        re.VERBOSE,
    )


def _multiplier_at(text: str, j: int) -> Multiplier | None:
    m = _tables().multipliers.get(text[j]) if j < len(text) else None
    if m is None or any(text.startswith(w, j + 1) for w in m.not_before):
        return None
    return m


@dataclass(slots=True)
class _State:
    """Running sums of a Chinese-style integer: sections closed by 万/亿 and the open one."""

    total: float = 0.0
    section: float = 0.0
    pending: float | None = None  # a digit (or Arabic atom) not yet scaled
    pending_digit: bool = False  # pending is one Chinese digit: may be an abbreviated tail
    zero: bool = False  # a 零 since the last unit
    last_small: float | None = None
    last_big: float | None = None
    last_unit: float | None = None
    prev: str | None = None  # kind of the previous token
    arabic: bool = False
    approx: bool = False

    def value(self) -> float:
        pending = self.pending or 0.0
        if self.pending_digit and not self.zero and self.prev == "digit" and self.last_unit and self.last_unit >= 10:
            pending *= self.last_unit / 10  # 一万三 → 13000, 百三 → 130
        return self.total + self.section + pending


def _parse_integer(text: str, i: int) -> tuple[int, float, bool, bool] | None:
    """Longest number at ``i`` without sign or fraction: (end, value, arabic, approx)."""
    n = len(text)
    st = _State()
    best: tuple[int, float, bool, bool] | None = None
    j = i
    while j < n:
        c = text[j]
        if c in _ASCII_DIGITS:
            if st.prev not in (None, "small", "big", "zero"):
                break
            m = _ARABIC.match(text, j)
            digits = m.group().split(".")[0].replace(",", "")
            if len(digits) > MAX_DIGITS:
                break
            st.pending, st.pending_digit, st.arabic, st.prev = float(m.group().replace(",", "")), False, True, "atom"
            j = m.end()
        elif c in _DIGITS:
            if st.pending is not None or st.prev in ("digit", "atom"):
                break
            st.pending, st.pending_digit, st.prev = float(_DIGITS[c]), True, "digit"
            j += 1
        elif c in _ZERO:
            if st.prev in ("digit", "atom"):
                break  # 二〇二四: a digit string, not a number with units
            st.zero, st.prev = True, "zero"
            j += 1
        elif (mult := _multiplier_at(text, j)) is not None:
            if not _apply_multiplier(st, mult, text, j):
                break
            j += 1
        elif c in _GAP and st.prev in ("digit", "atom", "small") and _big_at(text, j + 1):
            st.approx, st.prev = True, "gap"  # 十余万
            j += 1
            continue
        elif c in _PLACEHOLDER and st.prev in ("small", "zero") and st.pending is None and _big_at(text, j + 1):
            st.pending, st.pending_digit, st.approx, st.prev = 0.0, False, True, "gap"  # 二十几万
            j += 1
            continue
        elif c in _POINT and st.prev in ("digit", "small", "big", "zero") and j + 1 < n and text[j + 1] in _DECIMAL_DIGITS:
            return _decimal_tail(text, j, st)
        else:
            break
        if st.prev != "zero":  # a bare 零 (零部件) is no number; 零十 and 零点五 are
            best = (j, st.value(), st.arabic, st.approx)
    return best


def _big_at(text: str, j: int) -> bool:
    m = _multiplier_at(text, j)
    return m is not None and m.scale == "big"


def _apply_multiplier(st: _State, mult: Multiplier, text: str, j: int) -> bool:
    u = mult.value
    if mult.scale == "small":
        if st.last_small is not None and u >= st.last_small:
            return False  # 五十千: units must fall within a section
        if st.pending is not None:
            v = st.pending
        elif st.prev is None and not text.startswith(_OVER, j + 1):
            v = 1.0  # 十五, 百余, 千三 (but a bare 百分之 is a percent sign)
        elif st.prev == "zero" and u == 10:
            v = 1.0  # 一千零十二, 零十
        else:
            return False
        st.section += v * u
        st.last_small = u
    else:
        s = st.section + (st.pending or 0.0)
        if st.pending is None and st.section == 0:
            if st.prev == "big" and st.last_big is not None:
                st.total *= u  # 万亿, 万万
                st.last_big *= u
            elif st.prev is None and j + 1 < len(text) and text[j + 1] in _GAP:
                st.total = u  # 万余人
                st.last_big = u
            else:
                return False
        elif st.last_big is not None and u == st.last_big:
            return False  # 3万3万: two numbers, not one
        elif st.last_big is not None and u > st.last_big:
            st.total = (st.total + s) * u  # 四千五百六十九万八千三百一十一亿
            st.last_big = u
        else:
            st.total += s * u
            st.last_big = u
        st.section = 0.0
        st.last_small = None
    st.pending, st.pending_digit, st.zero = None, False, False
    st.last_unit = u
    st.prev = mult.scale
    return True


def _decimal_tail(text: str, j: int, st: _State) -> tuple[int, float, bool, bool]:
    """``点`` and its digits; a following 万/亿 scales an open section (三点五万)."""
    whole = st.value()
    k = j + 1
    digits = ""
    while k < len(text) and text[k] in _DECIMAL_DIGITS:
        digits += str(_DECIMAL_DIGITS[text[k]])
        k += 1
    fraction = float("0." + digits)
    big = _multiplier_at(text, k)
    if big is not None and big.scale == "big" and st.last_big is None:
        return k + 1, (whole + fraction) * big.value, st.arabic, st.approx
    return k, whole + fraction, st.arabic, st.approx


def _number_at(text: str, i: int) -> Number | None:
    """The number starting at ``i``, with sign, fraction and mixed forms."""
    n = len(text)
    negative = False
    j = i
    c = text[i]
    if c == _HALF:
        return Number(i, i + 1, 0.5, 0.5, 1.0, True, False, False) if text.startswith("个", i + 1) else None
    if c in _MINUS or c == "-":
        if c == "-" and not _is_sign(text, i):
            return None
        if i + 1 >= n or not (text[i + 1] in _ASCII_DIGITS or text[i + 1] in _DIGITS or text[i + 1] in _ZERO
                              or (c in _MINUS and _multiplier_at(text, i + 1) is not None)):
            return None
        negative, j = True, i + 1
    if text[j] in _ASCII_DIGITS and j > 0 and text[j - 1].isascii() and text[j - 1].isalpha():
        return None  # DN50, A2021…: codes, not quantities
    if j == i and i > 0 and (m := _tables().multipliers.get(text[i])) and m.scale == "small" and is_numeral(text[i - 1]):
        return None  # the 千 of 五十千 does not start a new number
    parsed = _parse_integer(text, j)
    if parsed is None:
        return None
    end, value, arabic, approx = parsed
    fraction = False
    if text.startswith(_OVER, end):  # 三分之一: denominator first
        numerator = _signed_integer(text, end + 2)
        if numerator is not None and value != 0:
            end, value, fraction = numerator[0], numerator[1] / value, True
            arabic = arabic or numerator[2]
    elif end + 1 < n and text[end] == _AND:  # 三又三分之一 (a 又 that ends the text joins nothing)
        tail = _number_at(text, end + 1)
        if tail is not None and tail.fraction and tail.value >= 0:
            end, value, fraction = tail.end, value + tail.value, True
    elif arabic and end < n and text[end] in "/ " and _is_plain_int(text, j, end):
        end, value, fraction = _slash_fraction(text, j, end, value)
    if negative:
        value = -value
    if not math.isfinite(value):
        return None
    mantissa, multiplier = _split_multiplier(text, j, end, value, arabic, approx, fraction, negative)
    return Number(i, end, value, mantissa, multiplier, not arabic, approx, fraction)


_SIGN_REACH = 4  # a number this close before a hyphen makes it a range (3天-5天), not a sign


def _is_sign(text: str, i: int) -> bool:
    """Is the hyphen at ``i`` a minus sign (出口额-3.1%, 为-2), not a dash in a code or range?"""
    if i == 0:
        return True
    before = text[i - 1]
    if (before.isascii() and before.isalnum()) or before in "-./":
        return False  # A-3, 2019-2020, 1.-2
    for k in range(i - 1, max(i - 1 - _SIGN_REACH, -1), -1):
        if text[k] in ",;。:!?\n":
            return True
        if is_numeral(text[k]):
            return False  # 3天-5天, 三至五年-…: the hyphen joins two figures
    return True


def is_numeral(c: str) -> bool:
    """Can ``c`` be part of a number (a digit, Chinese digit, zero or multiplier)?"""
    return c in _DIGITS or c in _ZERO or c in _ASCII_DIGITS or c in _tables().multipliers


def _signed_integer(text: str, j: int) -> tuple[int, float, bool] | None:
    negative = j < len(text) and text[j] in _MINUS
    parsed = _parse_integer(text, j + negative)
    if parsed is None:
        return None
    end, value, arabic, _ = parsed
    return end, -value if negative else value, arabic


def _is_plain_int(text: str, start: int, end: int) -> bool:
    return text[start:end].isdigit() and text[start:end].isascii()


def _slash_fraction(text: str, start: int, end: int, value: float) -> tuple[int, float, bool]:
    """``1/3``, ``-3/2`` and the mixed ``1 3/5``; not dates such as 2023/5/17."""
    if start > 0 and text[start - 1] == "/":
        return end, value, False
    whole, k = 0.0, end
    if text[end] == " ":
        m = re.compile(r" (\d+)(?=/)").match(text, end)
        if m is None:
            return end, value, False
        whole, k = value, m.end()
        value = float(m.group(1))
    m = re.compile(r"/(\d+)(?![\d/.])").match(text, k)
    if m is None or float(m.group(1)) == 0:
        return end, (whole or value), False
    return m.end(), whole + value / float(m.group(1)), True


_TRAILING = re.compile(r"[余多几幾]?[十拾百佰千仟万萬亿億兆]+$")


def _split_multiplier(text: str, start: int, end: int, value: float, arabic: bool, approx: bool,
                      fraction: bool, negative: bool) -> tuple[float, float]:
    """1.44万 → (1.44, 1e4); 一千二百万 → (12000000, 1); 十余万 → (10, 1e4)."""
    if fraction or not (arabic or approx):
        return value, 1.0
    surface = text[start:end]
    m = _TRAILING.search(surface)
    if m is None or m.start() == 0:
        return value, 1.0
    head = _parse_integer(surface[: m.start()], 0)
    if head is None or head[0] != m.start() or head[1] == 0:
        return value, 1.0
    multiplier = 1.0
    for c in m.group():
        mult = _tables().multipliers.get(c)
        if mult is not None:
            multiplier *= mult.value
    mantissa = -head[1] if negative else head[1]
    if abs(mantissa * multiplier - value) > 1e-9 * max(1.0, abs(value)):
        return value, 1.0
    return mantissa, multiplier


def scan_numbers(text: str, skip: Callable[[int, int], bool] | None = None,
                 hidden: Sequence[tuple[int, int]] = ()) -> list[Number]:
    """Every number in ``text``, left to right, non-overlapping; but none for which ``skip(start,
    end)`` is true, nor any that overlaps a span of ``hidden`` (sorted, not overlapping each other).
    The scan goes on after a dropped number's end, as if it were kept.

    One pass of ``_tables().scan`` finds each place a number may start and reads the common ones
    (``_plain_pattern``, and digits times 万/亿) there and then; the others go to ``_number_at``.
    A number read that way (or a blocked word) may end after the next match of the pass: matches
    before its end are passed over, and one that reaches across it is searched for again from
    there, so the result is that of a search from each number's end."""
    tables, n = _tables(), len(text)
    end_mark = [(n + 1, n + 1)]  # after the last span: the walks below need no bounds checks
    blocked, hidden = _blocked(text, tables) + end_mark, [*hidden, *end_mark]
    found: list[Number] = []
    b = h = pos = 0
    (blocked_start, blocked_end), (hidden_start, hidden_end) = blocked[0], hidden[0]
    inner, digits, new = tables.inner, _DIGIT_VALUES, tuple.__new__  # new(Number, fields): see _big_number
    while True:
        for m in tables.scan.finditer(text, pos):
            i, end = m.span()
            if i < pos:
                if end <= pos:
                    continue
                break  # reaches across the end of the last number: search again from there
            if blocked_end <= i:  # the next blocked and hidden spans not ending before i
                while blocked[b][1] <= i:
                    b += 1
                blocked_start, blocked_end = blocked[b]
            if hidden_end <= i:
                while hidden[h][1] <= i:
                    h += 1
                hidden_start, hidden_end = hidden[h]
            if blocked_start <= i:
                pos = blocked_end
            elif hidden_start <= i and (hidden_end >= n or text[hidden_end] not in inner):
                pos = hidden_end  # no number from inside the span reaches past it: all are dropped
            elif (kind := m.lastgroup) != "start" and end - i <= MAX_DIGITS:  # most numbers: 2023, 15.5, 一
                pos = end
                if hidden_start >= end and (skip is None or not skip(i, end)):  # made here: one call less
                    if kind == "digit":
                        value = digits[m[0]]
                        found.append(new(Number, (i, end, value, value, 1.0, True, False, False)))
                    elif kind == "big":
                        found.append(_big_number(m[0], i, end, tables))
                    else:
                        value = float(m[0].replace(",", ""))
                        found.append(new(Number, (i, end, value, value, 1.0, False, False, False)))
            elif (number := _number_at(text, i)) is None:  # may run through a later 万一: only starts are blocked
                run = _DIGIT_RUN.match(text, i) if text[i] in _ASCII_DIGITS else None
                pos = run.end() if run else i + 1  # skip a rejected digit run whole: linear time
            else:
                pos = number.end
                if hidden_start >= pos and (skip is None or not skip(i, pos)):
                    found.append(number)
            if pos < end:
                break  # ended inside this match: search again from there
        else:
            return found


def _big_number(surface: str, start: int, end: int, tables: _Tables) -> Number:
    """The number ``_number_at`` reads from Arabic digits and one big multiplier (598.27亿):
    its value is the digits times the multiplier; split into the two unless the digits are 0."""
    mantissa = float(surface[:-1].replace(",", ""))
    multiplier = tables.multipliers[surface[-1]].value
    value = mantissa * multiplier
    # tuple.__new__ makes the named tuple from all its fields without the Python-level __new__
    # that Number(...) runs: the same object in less than half the time, for the most common numbers
    return tuple.__new__(Number, (start, end, value, mantissa, multiplier if mantissa else 1.0, False, False, False))


def _blocked(text: str, tables: _Tables) -> list[tuple[int, int]]:
    """The spans no number may start in, sorted: words that are no numbers, damaged figures."""
    blocked = [m.span() for m in tables.not_numerals.finditer(text)]
    damaged = _damaged_runs(text)
    return sorted(blocked + damaged) if damaged else blocked


@lru_cache(maxsize=4096)
def whole_number(s: str) -> int | None:
    """The non-negative integer ``s`` writes in full (一 → 1, 二十六 → 26, 12 → 12, 两 → 2), else None.

    >>> whole_number("三十一"), whole_number("十"), whole_number("一二"), whole_number("1.5")
    (31, 10, None, None)
    """
    value = parse_number(s)
    if value is None or value < 0 or value != int(value):
        return None
    return int(value)


_STRING_DIGITS = {c: str(v) for c, v in _DECIMAL_DIGITS.items()} | {"○": "0", "O": "0"} | {c: c for c in _ASCII_DIGITS}


def digit_string(s: str) -> int | None:
    """A number written digit by digit, as years are (二〇二四 → 2024, 二○二三 → 2023), else None."""
    digits = [_STRING_DIGITS.get(c) for c in s]
    return int("".join(digits)) if s and None not in digits else None


def _damaged_runs(text: str) -> list[tuple[int, int]]:
    """Runs of digits and separators with two separators in a row next to a digit (3,.83): a
    damaged figure, of which no part is read. Each run is walked once."""
    runs: list[tuple[int, int]] = []
    if not _separator_pair(text):
        return runs  # much faster than the pattern over a text without one
    for hit in _DAMAGE.finditer(text):
        a, b = hit.start(), hit.end()
        if runs and a < runs[-1][1]:
            continue
        if not ((a > 0 and text[a - 1] in _ASCII_DIGITS) or (b < len(text) and text[b] in _ASCII_DIGITS)):
            continue
        while a > 0 and text[a - 1] in _RUN_CHARS:
            a -= 1
        while b < len(text) and text[b] in _RUN_CHARS:
            b += 1
        runs.append((a, b))
    return runs


_RUN_CHARS = frozenset(_ASCII_DIGITS + ",.")


def _separator_pair(text: str) -> bool:
    """Does ``text`` hold two separators in a row (.. ,, ,. .,)? One substring test for ,, and a
    look at both sides of each full stop, which are far fewer than commas in a notice: about half
    the time of four substring tests."""
    if ",," in text:
        return True
    k = text.find(".")
    while k >= 0:
        if (k > 0 and text[k - 1] in ",.") or text.startswith((",", "."), k + 1):
            return True
        k = text.find(".", k + 1)
    return False


def find_numbers(text: str) -> list[tuple[int, int, float]]:
    """(start, end, value) of every number, Arabic, Chinese or mixed (3万, 1.44万, 两千)."""
    return [(n.start, n.end, n.value) for n in scan_numbers(text)]


def parse_number(s: str) -> float | None:
    """The value of ``s`` when the whole string is one number, else None.

    >>> parse_number("1,127"), parse_number("两"), parse_number("百分之五十"), parse_number("十余")
    (1127.0, 2.0, 50.0, None)
    """
    s = s.strip()
    percent = next((p for p in ("百分之", "千分之", "万分之") if s.startswith(p)), None)
    if percent and not s[len(percent):].startswith(("之",)):
        inner = parse_number(s[len(percent):])
        if inner is None:
            return None
        return inner if percent == "百分之" else inner / {"千分之": 1e3, "万分之": 1e4}[percent]
    if not s:
        return None
    if s in _ZERO:
        return 0.0  # alone it is a value, though find_numbers skips it (零部件)
    number = _number_at(s, 0)
    if number is None or number.end != len(s):
        return None
    return number.value
