"""Stage 2: canonical text → outline (sections), problems and measures.

Markers (SPEC 2): ``一、`` level 1; ``(一)`` level 2 (a damaged ``)`` at a paragraph start
counts too); ``1.`` ``1、`` level 3; ``一是`` ``(1)`` ``①`` level 4.  Levels 1–3 are read at
line starts; level-4 runs are read anywhere a sentence can start, and must count up
(``一是`` ``二是`` …) so that words such as 统一是 never start a unit.

Every pattern and word list is matched on the folded text (traditional characters folded to
simplified, one for one: ``match_text``), and every heading, title and measure is cut from the
document's own text at the same positions.

>>> outline = segment("一、整改任务落实情况\\n1.某问题的整改\\n一是甲。二是乙。", "inspection_rectification")
>>> [(u.level, u.marker, u.heading) for u in outline.units]
[(1, '一、', '整改任务落实情况'), (3, '1.', '某问题的整改'), (4, '一是', '甲'), (4, '二是', '乙')]
>>> [(p.number, p.problem) for p in outline.problems]
[(1, '某')]
>>> [m.text for m in outline.measures]
['甲。', '乙。']
"""

from __future__ import annotations

import bisect
import re
from operator import attrgetter, itemgetter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from pipeline import rules
from pipeline.extract.numerals import whole_number
from pipeline.fold import fold_traditional

CN_NUMERAL = "[一二三四五六七八九十]{1,3}"
SENTENCE_END = "。!?"
_SENTENCE_END = re.compile(f"[{SENTENCE_END}]")
_SENTENCE_OR_LINE_END = re.compile(f"[{SENTENCE_END}\n]")
_NON_SPACE = re.compile(r"\S")
_START = attrgetter("start")  # sort keys: units, and spans (tuples opening with their start)
_SPAN_START = itemgetter(0)


class Outline_(rules.RuleFile):
    """Schema of ``outline.yaml``."""

    class Roles(rules.RuleFile):
        plan: tuple[str, ...]
        rectification: tuple[str, ...]
        responsibility: tuple[str, ...]

    roles: Roles
    lead_ins: tuple[str, ...]
    tail_openers: tuple[str, ...]


@cache
def outline_rules() -> Outline_:
    return rules.load("outline", Outline_)


@dataclass(slots=True)
class Unit:
    """A heading or enumerated unit: marker at ``start``, content from ``body_start`` to ``end``."""

    level: int
    kind: str  # "cn" 一、 | "paren" (一) | "digit" 1. | "shi" 一是 | "pnum" (1) | "circled" ①
    marker: str
    number: int | None
    start: int
    body_start: int
    end: int = 0
    parent: int | None = None
    heading: str | None = None
    heading_end: int = 0
    heading_alone: bool = False
    role: str = "other"
    seq: int = 0
    line_start: bool = True  # the marker opens a paragraph
    children: list[int] = field(default_factory=list)


class ProblemSpan(NamedTuple):  # named tuples: a notice has dozens, made faster than dataclasses
    start: int
    end: int
    number: int | None
    title: str | None
    problem: str | None
    category: str | None
    inferred: bool
    unit: int | None


class MeasureSpan(NamedTuple):
    start: int
    end: int
    document: str  # the whole text: a span keeps no copy of its own
    role: str
    seq: int
    marker: str | None
    title: str | None
    section_path: tuple[str, ...]
    problem: int | None  # index into Outline.problems
    unit: int | None  # index into Outline.units

    @property
    def text(self) -> str:
        return self.document[self.start : self.end]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields if name != "document")
        return f"MeasureSpan({fields}, text={self.text!r})"


@dataclass(frozen=True)
class Outline:
    units: list[Unit]
    problems: list[ProblemSpan]
    measures: list[MeasureSpan]
    body_start: int
    body_end: int
    restarts: list[int]  # positions where an enumeration restarted inside a numbered item


# --- markers ----------------------------------------------------------------------

_LINE_MARKER = rf"""
    [ \t]*
    (?:
        (?P<cn>(?P<cn_n>{CN_NUMERAL})、)                       # 一、
      | (?P<paren>\((?P<paren_n>{CN_NUMERAL})\))               # (一)
      | (?P<damaged>\))(?=[\u4e00-\u9fff])                    # ) with its opening lost
      | (?P<digit>(?P<digit_n>\d{{1,3}})[ \t]*[.、](?!\d))[ \t]*  # 1.  1、
    )
    """
_LINE_MARKERS = re.compile(rf"^{_LINE_MARKER}", re.MULTILINE | re.VERBOSE)
_LINE_MARKERS_AFTER_BREAK = re.compile(rf"\n{_LINE_MARKER}", re.VERBOSE)

_LEVEL4_BREAKS = r"[\n。;:!?,]"  # where a sentence or clause starts
_LEVEL4_MARKER = rf"""
    [ \t]*
    (?:
        (?P<shi>(?P<shi_n>{CN_NUMERAL})是)(?![的否])            # 一是 (not 一是否)
      | (?P<pnum>\((?P<pnum_n>\d{{1,2}})\))                     # (1)
      | (?P<circled>[\u2460-\u2473])                            # ①
    )
    """
_LEVEL4 = re.compile(rf"(?:(?<=^)|(?<={_LEVEL4_BREAKS})){_LEVEL4_MARKER}", re.VERBOSE)
_LEVEL4_AFTER_BREAK = re.compile(rf"{_LEVEL4_BREAKS}{_LEVEL4_MARKER}", re.VERBOSE)


def _after_breaks(pattern: re.Pattern[str], after_break: re.Pattern[str], text: str, begin: int, stop: int) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text, begin, stop)`` for a pattern that matches only at the start of the
    text or just after a break character; ``after_break`` is the same pattern opening with that
    character instead of looking behind at it. ``re`` skips ahead fast to a pattern that opens
    with a character, where a lookbehind or a line start is tried at every position. No match
    ends with a break character, so the one before a match is never inside the previous one."""
    at = begin - 1 if begin else 0
    if begin == 0 and (m := pattern.match(text, 0, stop)):
        yield m
        at = m.end()
    while (m := after_break.search(text, at, stop)) is not None:
        yield m
        at = m.end()


@cache
def _numeral(written: str) -> int | None:
    """``whole_number`` of a marker's numeral: a handful of them, read once."""
    return whole_number(written)


def _lines_from_end(text: str) -> Iterator[tuple[int, int]]:
    """The (start, stop) of every line of ``text`` (as ``text.split("\\n")`` cuts them), last
    line first: the tail is read from the end and mostly stops after a few lines."""
    stop = len(text)
    while True:
        start = text.rfind("\n", 0, stop) + 1
        yield start, stop
        if start == 0:
            return
        stop = start - 1


# --- the document's tail ------------------------------------------------------------

_DATE_LINE = re.compile(r"^[ \t]*(?:\d{4}|[〇零一二三四五六七八九]{4})[年.\-/]\S{1,8}$")
_ORG_LINE = re.compile(r"^[ \t]*[\u4e00-\u9fff()]{2,40}(?:[ \t]+[\u4e00-\u9fff()]{2,40}){0,3}$")
_CONTACT_PAREN = re.compile(r"^[ \t]*\((?:联系人|联系电话|电话)")


@cache
def _tail_opener() -> re.Pattern[str]:
    return re.compile(r"^[ \t]*" + rules.alt(outline_rules().tail_openers))


def body_end(text: str) -> int:
    """End of the body: the contact paragraph, signature and source lines at the end are not sections.

    ``text`` is the folded text: the tail's words are matched in simplified characters."""
    end = len(text)
    seen_tail = False
    for start, stop in _lines_from_end(text):
        line = text[start:stop]
        if not line.strip():
            end = start
            continue
        is_tail = (
            _DATE_LINE.match(line)
            or _CONTACT_PAREN.match(line)
            or _tail_opener().match(line)
            or (seen_tail and _ORG_LINE.match(line))
        )
        if not is_tail:
            return stop
        seen_tail = True
        end = start
    return end


# --- building the tree ------------------------------------------------------------


def _heading(text: str, body_start: int, end: int) -> tuple[str | None, int, bool]:
    """Heading of a unit: its first line, or up to the first 。 when body text follows on that line."""
    line_end = text.find("\n", body_start, end)
    line_end = end if line_end < 0 else line_end
    first = text[body_start:line_end].rstrip()
    if not first:
        return None, body_start, False
    # A sentence end with text after it on the line: ``first`` ends with a non-space (rstripped),
    # so that is any sentence end but its last character.
    stop = _SENTENCE_END.search(first, 0, len(first) - 1)
    if stop:
        return first[: stop.start()], body_start + stop.start(), False
    return first.rstrip("。") or first, body_start + len(first), _more(text, line_end, end)


def _more(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` holds a non-space. A unit's end is stripped of spaces and line
    breaks, so its last character answers unless it is another space (U+3000 …)."""
    if start >= end:
        return False
    if not text[end - 1].isspace():
        return True
    return _NON_SPACE.search(text, start, end) is not None


def _line_units(text: str, begin: int, stop: int) -> list[Unit]:
    units = []
    for m in _after_breaks(_LINE_MARKERS, _LINE_MARKERS_AFTER_BREAK, text, begin, stop):
        if m.group("cn"):
            units.append(Unit(1, "cn", m.group("cn"), _numeral(m.group("cn_n")), m.start("cn"), m.end()))
        elif m.group("paren"):
            units.append(Unit(2, "paren", m.group("paren"), _numeral(m.group("paren_n")), m.start("paren"), m.end()))
        elif m.group("damaged"):
            units.append(Unit(2, "paren", ")", None, m.start("damaged"), m.end()))
        else:
            units.append(Unit(3, "digit", m.group("digit"), int(m.group("digit_n")), m.start("digit"), m.end()))
    return units


def _level4_runs(text: str, begin: int, stop: int) -> list[Unit]:
    """Level-4 units in ``text[begin:stop]``: runs that count 1, 2, 3 …; a run may restart at 1."""
    return _counted(text, begin, _after_breaks(_LEVEL4, _LEVEL4_AFTER_BREAK, text, begin, stop))


def _level4_in_bodies(text: str, line_units: list[Unit], end_of_body: int) -> list[Unit]:
    """``_level4_runs`` of the own body of every line unit (up to the next unit), from one pass
    over the text instead of a search per body. A level-4 match holds no line break, so none runs
    from one body into the next; should one reach a body's end, the bodies are searched one by one."""
    begins = [u.body_start for u in line_units]
    stops = [u.start for u in line_units[1:]] + [end_of_body]
    per_body: list[list[re.Match[str]]] = [[] for _ in line_units]
    for m in _LEVEL4_AFTER_BREAK.finditer(text, begins[0] - 1, end_of_body):
        i = bisect.bisect_right(begins, m.start() + 1) - 1  # the body whose search starts at or before it
        if m.end() >= stops[i]:
            return [u for begin, stop in zip(begins, stops) for u in _level4_runs(text, begin, stop)]
        per_body[i].append(m)
    return [u for begin, found in zip(begins, per_body) if found for u in _counted(text, begin, found)]


def _counted(text: str, begin: int, markers: Iterable[re.Match[str]]) -> list[Unit]:
    """The level-4 markers of one body (from ``begin``) that count 1, 2, 3 … as units."""
    found: list[Unit] = []
    expected: dict[str, int] = {}
    for m in markers:
        kind = m.lastgroup  # the marker's group closes after the numeral's inside it
        start, end = m.span(kind)
        marker = text[start:end]
        number = _marker_number(kind, marker)
        if number is None:
            continue
        if number == expected.get(kind, 1) or (number == 1 and kind in expected):
            k = start
            while k > begin and text[k - 1] in " \t":
                k -= 1
            line_start = k == begin or text[k - 1] == "\n"
            found.append(Unit(4, kind, marker, number, start, end, line_start=line_start))
            expected[kind] = number + 1
    return found


@cache
def _marker_number(kind: str, marker: str) -> int | None:
    """The number a level-4 marker counts: 三是 3, (12) 12, ③ 3 (a few dozen markers, read once)."""
    if kind == "shi":
        return whole_number(marker[:-1])
    if kind == "pnum":
        return int(marker[1:-1])
    return ord(marker) - 0x2460 + 1


def _close(units: list[Unit], text: str, end_of_body: int) -> None:
    """Give every unit its end (next unit of the same or a higher level) and its parent."""
    stack: list[int] = []
    for i, unit in enumerate(units):
        level = unit.level
        while stack and units[stack[-1]].level >= level:
            units[stack.pop()].end = unit.start
        if stack:
            unit.parent = stack[-1]
            units[unit.parent].children.append(i)
        else:
            unit.parent = None
        stack.append(i)
    for i in stack:
        units[i].end = end_of_body
    for unit in units:
        start, end = unit.start, unit.end
        while end > start and text[end - 1] in " \t\n":  # _rstrip written out: once per unit
            end -= 1
        unit.end = end
        unit.heading, unit.heading_end, unit.heading_alone = _heading(text, unit.body_start, end)


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t\n":
        end -= 1
    return end


def _lstrip(text: str, start: int, end: int) -> int:
    while start < end and text[start] in " \t\n":
        start += 1
    return start


# --- roles -----------------------------------------------------------------------


def _assign_roles(units: list[Unit], doc_type: str, match: str) -> None:
    r = outline_rules().roles
    tops = [u for u in units if u.parent is None]
    decided: list[str | None] = []
    for top in tops:
        heading = match[top.body_start : top.body_start + len(top.heading or "")]
        has_items = any(units[c].level == 3 for c in _descendants(units, top))
        if doc_type == "proposal_reply":
            role = "reply"
        elif any(w in heading for w in r.plan):
            role = "plan"
        elif any(w in heading for w in r.rectification) or has_items:
            role = "rectification"
        elif any(w in heading for w in r.responsibility):
            role = "responsibility"
        else:
            role = None
        decided.append(role)
    if doc_type in ("inspection_rectification", "audit_rectification"):
        first_rect = next((i for i, role in enumerate(decided) if role == "rectification"), None)
        for i, role in enumerate(decided):
            if role is None and first_rect is not None:
                decided[i] = "responsibility" if i < first_rect else "plan"
    for top, role in zip(tops, decided):
        for u in [top, *(units[c] for c in _descendants(units, top))]:
            u.role = role or "other"


def _descendants(units: list[Unit], unit: Unit) -> range:
    """Indices below ``unit``, in document order.

    A unit's parent is the nearest unit before it of a higher level (``_close``), so the units
    below one are those right after it, up to the last unit of its chain of last children."""
    if not unit.children:
        return range(0)
    last = unit.children[-1]
    while units[last].children:
        last = units[last].children[-1]
    return range(unit.children[0], last + 1)


# --- problems and measures ----------------------------------------------------------

_QUOTES = {"“": "”", "‘": "’", '"': '"', "「": "」", "『": "』"}


def problem_statement(title: str) -> str:
    """Title without its wrapper (SPEC 3): 关于“组织学习不全面不及时”的问题 → 组织学习不全面不及时;
    the wrapper is recognised in traditional characters too (關於…問題的整改), the statement
    keeps the title's own characters."""
    folded = fold_traditional(title)
    start = len(folded) - len(folded.lstrip())
    end = len(folded.rstrip().rstrip("。;:"))
    if folded.startswith("关于", start):
        start += 2
    for suffix in ("问题的整改", "的整改", "的问题", "问题"):
        if folded.endswith(suffix, start, end) and end - start > len(suffix):
            end -= len(suffix)
            break
    if end - start >= 2:
        first, last, inner = folded[start], folded[end - 1], folded[start + 1 : end - 1]
        if _QUOTES.get(first) == last and first not in inner and last not in inner:
            start, end = start + 1, end - 1
    return title[start:end] if start < end else ""


def _category(units: list[Unit], unit: Unit) -> str | None:
    parent = unit.parent
    while parent is not None and units[parent].level != 2:
        parent = units[parent].parent
    if parent is None or not units[parent].heading:
        return None
    return units[parent].heading.rstrip("。.;:,!?、 ")


@cache
def _lead_in() -> re.Pattern[str]:
    return re.compile(r"[ \t]*" + rules.alt(outline_rules().lead_ins) + r"[ \t]*:[ \t]*")


def _skip_lead_in(match: str, start: int, end: int) -> int:
    m = _lead_in().match(match, start, end)
    return m.end() if m else start


def _measure_title(text: str, start: int, end: int, heading_alone: bool, heading: str | None) -> str | None:
    if heading_alone and heading:
        return heading
    stop = _SENTENCE_OR_LINE_END.search(text, start, end)
    if stop is None or stop.group() == "\n":
        return None
    first = text[start : stop.start()].strip()
    return first if 0 < len(first) <= 40 and _more(text, stop.end(), end) else None


def _path(units: list[Unit], index: int | None) -> tuple[str, ...]:
    path = []
    while index is not None:
        if units[index].heading:
            path.append(units[index].heading)
        index = units[index].parent
    return tuple(reversed(path))


def segment(text: str, doc_type: str, match_text: str | None = None) -> Outline:
    """The outline of ``text``; ``match_text`` is its folded copy (``CanonicalText.match``)."""
    match = fold_traditional(text) if match_text is None else match_text
    if len(match) != len(text):
        raise ValueError("match_text must have the length of text")
    end_of_body = body_end(match)
    line_units = _line_units(match, 0, end_of_body)
    first = line_units[0].start if line_units else end_of_body
    # Level-4 runs live in the own body of each container (text before its first child).
    if line_units:
        level4 = _level4_in_bodies(match, line_units, end_of_body)
    else:
        level4 = _level4_runs(match, 0, end_of_body)
        first = level4[0].start if level4 else end_of_body
    units = sorted(line_units + level4, key=_START)
    _close(units, text, end_of_body)
    _assign_roles(units, doc_type, match)
    _number_siblings(units)
    problems, restarts = _problems(text, units)
    measures = _measures(text, match, units, problems)
    return Outline(units, problems, measures, first, end_of_body, restarts)


def _number_siblings(units: list[Unit]) -> None:
    counters: dict[int | None, int] = {}
    for unit in units:
        counters[unit.parent] = counters.get(unit.parent, 0) + 1
        unit.seq = counters[unit.parent]


def _problems(text: str, units: list[Unit]) -> tuple[list[ProblemSpan], list[int]]:
    problems: list[ProblemSpan] = []
    restarts: list[int] = []
    for i, unit in enumerate(units):
        if unit.level != 3 or unit.role != "rectification":
            continue
        runs = _split_runs(units, unit)
        own_end = runs[1][0].start if len(runs) > 1 else unit.end
        own_end = _rstrip(text, unit.start, own_end)
        title = unit.heading
        problems.append(
            ProblemSpan(unit.start, own_end, unit.number, title, problem_statement(title) if title else None, _category(units, unit), False, i)
        )
        for run in runs[1:]:
            # An enumeration that restarts inside one numbered item is a new problem whose
            # heading was lost (SPEC 3).
            restarts.append(run[0].start)
            run_end = _rstrip(text, run[0].start, run[-1].end)
            problems.append(ProblemSpan(run[0].start, run_end, None, None, None, _category(units, unit), True, None))
    return problems, restarts


def _split_runs(units: list[Unit], item: Unit) -> list[list[Unit]]:
    """The level-4 children of an item, split where a run restarts at 1 at a line start."""
    runs: list[list[Unit]] = []
    for c in item.children:
        child = units[c]
        if child.level != 4:
            continue
        if not runs or (child.number == 1 and child.line_start):
            runs.append([child])
        else:
            runs[-1].append(child)
    return runs or [[]]


def _measures(text: str, match: str, units: list[Unit], problems: list[ProblemSpan]) -> list[MeasureSpan]:
    measures: list[MeasureSpan] = []
    paths: dict[int | None, tuple[str, ...]] = {}  # the measures of one unit share its path
    lead_in, new_measure = _lead_in().match, MeasureSpan._make

    def add(start: int, end: int, role: str, seq: int, marker: str | None, title: str | None, path_of: int | None, problem: int | None, unit: int | None,
            stripped_end: bool = False) -> None:
        if start < end and text[start] in " \t\n":  # _lstrip called only where it strips
            start = _lstrip(text, start, end)
        if not stripped_end:
            end = _rstrip(text, start, end)
        if start < end:
            if path_of not in paths:
                paths[path_of] = _path(units, path_of)
            measures.append(new_measure((start, end, text, role, seq, marker, title, paths[path_of], problem, unit)))

    def unit_measure(i: int, seq: int, problem: int | None) -> None:
        """The measure of a unit: ``_skip_lead_in`` written out, as this runs for most measures."""
        u = units[i]
        start, end = u.body_start, u.end  # the end is already stripped (``_close``)
        if start < end and text[start] in " \t\n":
            start = _lstrip(text, start, end)
        if (lead := lead_in(match, start, end)) is not None:
            start = lead.end()
        add(start, end, u.role, seq, u.marker, _unit_title(text, u, start, end), u.parent, problem, i, True)

    # Measures of problems.
    index_of_unit = {p.unit: k for k, p in enumerate(problems) if p.unit is not None}
    starts = [u.start for u in units]  # units are in document order
    for k, p in enumerate(problems):
        if p.inferred:
            first, last = bisect.bisect_left(starts, p.start), bisect.bisect_left(starts, p.end)
            members = [i for i in range(first, last) if units[i].level == 4]
            for seq, i in enumerate(members, 1):
                unit_measure(i, seq, k)
            continue
        item = units[p.unit]
        members = [c for c in item.children if units[c].level == 4 and units[c].start < p.end]
        if members:
            for seq, i in enumerate(members, 1):
                unit_measure(i, seq, k)
        else:
            body = item.heading_end if item.heading_alone else min(item.heading_end + 1, p.end)
            start = _skip_lead_in(match, _lstrip(text, body, p.end), p.end)
            add(start, p.end, item.role, 1, None, _measure_title(text, start, p.end, False, None), p.unit, k, None)
    # Measures outside problems.
    for i, u in enumerate(units):
        if u.parent is None:
            members = _free_measure_units(units, i, index_of_unit)
            seq_in_parent: dict[int | None, int] = {}
            for member in members:
                parent = units[member].parent
                seq_in_parent[parent] = seq_in_parent.get(parent, 0) + 1
                unit_measure(member, seq_in_parent[parent], None)
            if not members and not u.children:
                start = _lstrip(text, u.heading_end if u.heading_alone else u.body_start, u.end)
                add(start, u.end, u.role, 1, None, _measure_title(text, start, u.end, False, None), i, None, None)
    measures.sort(key=_SPAN_START)
    return measures


def _unit_title(text: str, u: Unit, start: int, end: int) -> str | None:
    """``_measure_title`` of the measure of unit ``u`` that starts at ``start`` (and ends at its end):
    its heading where that stands alone; where the heading was cut at the line's first sentence
    end, with more on the line, the same first sentence, found without a second search."""
    if u.heading_alone and u.heading:
        return u.heading
    if start == u.body_start and u.heading_end < end and text[u.heading_end] in SENTENCE_END:
        title = u.heading.strip()
        return title if 0 < len(title) <= 40 else None
    return _measure_title(text, start, end, False, None)


def _free_measure_units(units: list[Unit], top: int, problem_units: dict[int | None, int]) -> list[int]:
    """Measure units of a level-1 section outside its problems: 一是 units where they exist,
    otherwise each enumerated child unit with its body."""
    out: list[int] = []

    def visit(i: int) -> None:
        for c in units[i].children:
            child = units[c]
            if c in problem_units:
                continue
            if child.level == 4:
                out.append(c)
            elif any(units[d].level == 4 for d in _descendants(units, child)):
                visit(c)
            else:
                out.append(c)

    visit(top)
    # A section that is only numbered items (problems) has no free measures.
    return out
