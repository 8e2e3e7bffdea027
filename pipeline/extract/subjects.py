"""The subject of a figure (SPEC 6): the noun phrase the figure measures.

>>> from pipeline.extract.indicators import find_indicators
>>> [f.subject for f in find_indicators("全市软件业实现主营业务收入598.27亿元,同比增长4.70%。")]
['主营业务收入', '主营业务收入']

The grammar (docs/RULES.md, "Subject"), applied to each figure in turn:

1. A count whose measure word is followed by a noun measures that noun (``1127家小升规企业``);
   after a copula the noun it names (``158家企业获评为创新型中小企业``, ``其中2家为民营企业``).
2. Otherwise the figure measures its phrase: the clause before it, back to the previous figure,
   date or citation, begun after its last predicate verb or modal (``实现主营业务收入``), with
   scope, time, adverb and linking words trimmed from both ends; when too long, begun after its
   last enumeration end (``…等奖励资金``).
3. A phrase that is only a predicate verb (``发放15万元生活补助``) hands the figure to the noun
   after it, else to the phrase before the verb (``汉产车累计出口5.8万辆``), else to nothing
   (``惠及1.44万人次``).
4. A phrase that is empty, names a base of comparison (``高于全国平均水平``) or a rank's scope
   (``副省级城市排名第6位``) takes the subject of the figure before it in the same sentence.

All words are data (``subject`` in ``indicators.yaml``); only the grammar is here.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from pipeline.rules import RuleFile, alt, trie_alt


class SubjectWords(RuleFile):
    """``subject`` in ``indicators.yaml``."""

    leading: tuple[str, ...]  # scope, time, adverb, enumerator and linking words dropped at the start
    trailing: tuple[str, ...]  # linking and time words dropped at the end
    verbs: tuple[str, ...]  # predicate verbs: the phrase is their object, begun after the last one
    modals: tuple[str, ...]  # 可: what follows is the predicate, the phrase begins after them
    copulas: tuple[str, ...]  # right after a count's measure word: the noun they name is counted
    naming_verbs: tuple[str, ...]  # after a count's noun: the noun they name is the one counted
    enumeration_ends: tuple[str, ...]  # 等: a list of examples ends, its head noun follows
    comparison_bases: tuple[str, ...]  # 高于: what follows is a base of comparison, no subject
    rank_scopes: tuple[str, ...]  # heads of the group a rank is taken in (副省级城市)
    from_words: tuple[str, ...]  # 从, 由, 比 before a date: the subject stands before them
    from_links: tuple[str, ...]  # what may stand between such a date and its figure (的, 同期)
    respectively: tuple[str, ...]  # 分别: a list of figures answers the figures before it in turn
    noun_ends: tuple[str, ...]  # end the noun written after a figure
    not_after: dict[str, tuple[str, ...]]  # a word is the end of a longer one after these (占比)
    not_before: dict[str, tuple[str, ...]]  # a word is the start of a longer one before these (对象)
    max_length: int


class Figure(Protocol):
    start: int
    end: int
    kind: str
    unit: str


Mode = Literal["noun", "phrase", "agent", "empty", "none"]

_CLAUSE_BREAKS = ",;。:!?\n"
_OPENERS = "(（【["
_SENTENCE_BREAKS = "。;!?\n"
_BREAKS = frozenset(_CLAUSE_BREAKS + "()（）《》【】[]")  # a subject may hold quotes and 、
_CLAUSE_REACH = 59  # characters a clause is followed back
_NOUN_REACH = 16  # characters a noun after a figure is followed
_SHARE_REACH = 30  # characters between two figures of one sentence that share a subject


_SECTION_MARKER_FIRSTS = "0123456789(（一二三四五六七八九十"  # what a section marker begins with
_SECTION_MARKER = re.compile(
    r"""(?: [0-9]{1,2} [.、．]                          # 3.  3、
          | [(（]? [一二三四五六七八九十0-9]{1,3} [)）]    # (二)  二)  (3)
          | [一二三四五六七八九十]{1,3} 、                  # 三、
        ) (?![0-9])                                   # not a decimal: 3.5""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Grammar:
    words: SubjectWords
    leading: re.Pattern[str]
    leads: re.Pattern[str]  # leading, else a section marker (3. 三、 (二)): what _trim drops at the start
    lead_firsts: frozenset[str]  # the characters a match of leads begins with
    not_after: dict[str, tuple[str, ...]]  # of words
    not_before: dict[str, tuple[str, ...]]
    guarded: frozenset[str]  # the words of not_after and not_before: any other is a word of its own
    tails: tuple[str, ...]  # the words of ``trailing``
    trailing: re.Pattern[str]  # anchored at the end, longest first
    tail_lasts: frozenset[str]  # the last characters of tails: a match of trailing ends with one
    longest_trailing: int
    longest_from_link: int
    verbs: re.Pattern[str]
    splits: re.Pattern[str]  # predicate verbs and modals
    level_markers: re.Pattern[str]
    enumeration_ends: re.Pattern[str]
    noun_stops: re.Pattern[str]
    noun_stop_firsts: frozenset[str]  # the first characters of the words of noun_stops
    copulas: re.Pattern[str]
    naming_verbs: re.Pattern[str]
    bases: re.Pattern[str]
    from_words: re.Pattern[str]  # anchored at the end
    respectively: re.Pattern[str]

    @classmethod
    def build(cls, words: SubjectWords, *, changes: Sequence[str], level_markers: Sequence[str],
              scope: Sequence[str]) -> Grammar:
        """``changes`` are the change verbs (增长, 压缩), ``level_markers`` what makes them name a
        level (至, 为), ``scope`` the scope words of ranks (全国, 全省)."""
        changed = [c + lv for c in changes for lv in level_markers] + list(changes)
        tails = list(words.trailing) + changed + list(scope)
        noun_stops = list(words.noun_ends + words.verbs + words.copulas + words.naming_verbs) + list(changes)
        return cls(
            words=words,
            leading=re.compile(alt(list(words.leading) + list(scope))),
            leads=re.compile(trie_alt(list(words.leading) + list(scope)) + "|" + _SECTION_MARKER.pattern, re.VERBOSE),
            lead_firsts=frozenset(w[0] for w in words.leading + tuple(scope) if w) | frozenset(_SECTION_MARKER_FIRSTS),
            not_after=dict(words.not_after),
            not_before=dict(words.not_before),
            guarded=frozenset(words.not_after) | frozenset(words.not_before),
            tails=tuple(sorted(set(tails))),
            trailing=re.compile(trie_alt(tails) + "$"),
            tail_lasts=frozenset(w[-1] for w in tails if w),
            longest_trailing=max(map(len, tails)),
            longest_from_link=max(map(len, words.from_links), default=0),
            verbs=re.compile(trie_alt(list(words.verbs))),
            splits=re.compile(trie_alt(list(words.verbs + words.modals))),
            level_markers=re.compile(alt(list(level_markers))),
            enumeration_ends=re.compile(alt(list(words.enumeration_ends))),
            noun_stops=re.compile(trie_alt(noun_stops)),
            noun_stop_firsts=frozenset(w[0] for w in noun_stops if w),
            copulas=re.compile(alt(list(words.copulas))),
            naming_verbs=re.compile(alt(list(words.naming_verbs))),
            bases=re.compile(alt(list(words.comparison_bases))),
            from_words=re.compile(alt(list(words.from_words)) + "$"),
            respectively=re.compile(alt(list(words.respectively))),
        )

    def level_after(self, m: str, pos: int, end: int) -> bool:
        """Does a level marker follow a verb at ``pos``, and nothing else before ``end`` (整合为)?"""
        hit = self.level_markers.match(m, pos, end)
        return hit is not None and hit.end() == end

    def is_word(self, m: str, at: int, word: str) -> bool:
        """Is ``word`` at ``at`` a word of its own, not part of a longer one (占比, 对象)?"""
        if word not in self.guarded:
            return True
        end = at + len(word)
        if at > 0 and m[at - 1] in self.not_after.get(word, ()):
            return False
        return not (end < len(m) and m[end] in self.not_before.get(word, ()))


def assign_subjects(text: str, m: str, found: Sequence[Figure], rows: Sequence[tuple[int, int]],
                    g: Grammar) -> list[tuple[str | None, bool]]:
    """(subject, written after the figure) for each figure of ``found`` (sorted, from ``m``, the
    matching text of ``text``); ``rows`` are the spans of dates and citations, sorted by end."""
    spans: list[tuple[int, int] | None] = []
    modes: list[Mode] = []
    prev_end = 0
    others = _Rows(rows)
    for f in found:
        span, mode = _own_subject(m, f, prev_end, others, g)
        spans.append(span)
        modes.append(mode)
        prev_end = f.end
    lists = _lists(m, found)
    _list_nouns(m, found, lists, spans, modes, g)
    _respectively(m, found, lists, spans, modes, g)
    _share(m, found, spans, modes)
    return [(None if s is None else text[s[0]:s[1]], mode == "noun") for s, mode in zip(spans, modes)]


def _own_subject(m: str, f: Figure, prev_end: int, rows: _Rows,
                 g: Grammar) -> tuple[tuple[int, int] | None, Mode]:
    if f.kind == "count" or (f.kind == "rank" and m[f.end - 1] == "个"):  # 第5个破百万的城市
        noun = _noun_after(m, f.end, g, counted=True)
        if noun is not None:
            return noun, "noun"
    start, end = _phrase_bounds(m, f.start, prev_end, rows, g)
    phrase, verb = _phrase(m, start, end, g)
    if phrase is not None:
        if _names_no_subject(m, phrase, f, g):
            return None, "empty"
        return phrase, "phrase"
    if verb is not None:  # 发放15万元生活补助; else 汉产车累计出口5.8万辆; else 惠及1.44万人次
        noun = _noun_after(m, f.end, g, counted=False)
        if noun is not None:
            return noun, "noun"
        before, _ = _phrase(m, start, verb[0], g)
        return (before, "agent") if before is not None else (None, "none")
    after = g.verbs.match(m, f.end)  # 100%实行线上审图: the object of the verb after it
    if after is not None and g.is_word(m, after.start(), after.group()):
        noun = _noun_after(m, after.end(), g, counted=False)
        if noun is not None:
            return noun, "noun"
    return None, "empty"


def _names_no_subject(m: str, phrase: tuple[int, int], f: Figure, g: Grammar) -> bool:
    """A base of comparison (高于全国平均水平) or the group a rank is taken in (副省级城市)."""
    s, e = phrase
    if g.bases.match(m, s, e):
        return True
    return f.kind == "rank" and m[s:e].endswith(g.words.rank_scopes)


def _fits(m: str, phrase: tuple[int, int], g: Grammar) -> bool:
    s, e = phrase
    words = m[s:e]
    return len(words) <= g.words.max_length and _BREAKS.isdisjoint(words) \
        and not any(map(str.isdigit, words))


def _clause_start(m: str, pos: int) -> int:
    """Just after the last clause break or opening bracket before ``pos`` (at most 59 back)."""
    floor = max(pos - _CLAUSE_REACH, 0)
    last = _LAST_CLAUSE_START.match(m, floor, pos)  # greedy: the last break in the window
    return floor if last is None else last.end()


_LAST_CLAUSE_START = re.compile("(?s:.*)[" + re.escape(_CLAUSE_BREAKS + _OPENERS) + "]")


def _phrase_bounds(m: str, pos: int, prev_end: int, rows: _Rows,
                   g: Grammar) -> tuple[int, int]:
    """The clause before ``pos``: back to a clause break, the previous figure or another row.

    A figure standing alone in brackets (与全国水平(40%)) measures the phrase before them; a
    date after 从, 由 or 比 is a starting point or a base (从3月底的300家, 比2023年降低4.2个百分点):
    the phrase is the one before that word.
    """
    end = pos
    if end > 0 and m[end - 1] in _OPENERS:
        end -= 1
    row = rows.before(end)
    if row is not None and row[1] > prev_end and (row[1] == end or _is_from_link(m, row[1], end, g)):
        before = g.from_words.search(m, max(prev_end, row[0] - 2), row[0])
        if before is not None and g.is_word(m, before.start(), before.group()):
            end = before.start()
            row = rows.before(end)
    floor = max(prev_end, row[1] if row is not None else 0)
    return max(floor, _clause_start(m, end)), end


def _is_from_link(m: str, start: int, end: int, g: Grammar) -> bool:
    """Is ``m[start:end]`` one of the from-links (的, 同期)? Tested without slicing a long stretch."""
    return end - start <= g.longest_from_link and m[start:end] in g.words.from_links


class _Rows:
    """The spans of dates and citations, sorted by end, and their ends to bisect."""

    __slots__ = ("spans", "ends")

    def __init__(self, spans: Sequence[tuple[int, int]]):
        self.spans = spans
        self.ends = [e for _, e in spans]

    def before(self, pos: int) -> tuple[int, int] | None:
        """The last row of another table that ends at or before ``pos``."""
        k = bisect.bisect_right(self.ends, pos)
        return self.spans[k - 1] if k > 0 else None


def _phrase(m: str, start: int, end: int, g: Grammar) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The subject phrase between ``start`` and ``end``, or None when it does not fit; and the
    predicate verb it was begun after, when nothing but that verb was left (``发放``).

    The phrase begins after its last predicate verb or modal (not one followed by a level marker,
    ``整合为``, which ends it); when it still does not fit, after its last enumeration end (…等奖励资金).
    """
    verb = None
    for hit in g.splits.finditer(m, start, end):
        if not g.is_word(m, hit.start(), hit.group()):
            continue
        if g.level_after(m, hit.end(), end):
            end = hit.start()  # 审批事项整合为57项: what the verb turns into the figure
            break
        start, verb = hit.end(), (None if hit.group() in g.words.modals else hit.span())
    phrase = _trim(m, start, end, g)
    if phrase is not None and not _fits(m, phrase, g):
        for hit in g.enumeration_ends.finditer(m, start, end):
            if g.is_word(m, hit.start(), hit.group()) and hit.end() < end:
                start = hit.end()
        phrase = _trim(m, start, end, g)
        if phrase is not None and not _fits(m, phrase, g):
            return None, None
    return phrase, (verb if phrase is None else None)


def _trim(m: str, start: int, end: int, g: Grammar) -> tuple[int, int] | None:
    """``m[start:end]`` without the scope, time, adverb and linking words at its ends.

    A word is looked for only where the first (last) character can begin (end) one: most phrases
    neither begin nor end with such a word, and one set test is cheaper than a pattern's search."""
    changed = True
    leads, trailing, reach = g.leads, g.trailing, g.longest_trailing + 1
    lead_firsts, tail_lasts = g.lead_firsts, g.tail_lasts
    while changed and start < end:
        changed = False
        while start < end and m[start].isspace():
            start += 1
        while end > start and m[end - 1].isspace():
            end -= 1
        if start < end and m[start] in lead_firsts:
            lead = leads.match(m, start, end)
            if lead and lead.end() > start and g.is_word(m, start, lead.group()):
                start, changed = lead.end(), True
        if end > start and m[end - 1] in tail_lasts:
            trail = trailing.search(m, start if end - reach < start else end - reach, end)
            if trail and trail.start() < end and g.is_word(m, trail.start(), trail.group()):
                end, changed = trail.start(), True
    return (start, end) if end - start >= 2 else None


def _noun_after(m: str, end: int, g: Grammar, *, counted: bool) -> tuple[int, int] | None:
    """The noun right after a figure, or None: Chinese characters (quoted names included) up to a
    clause break, a verb or linking word, taken after its last 的; after a copula the noun it names.
    A count's noun may be one character when a word or break ends it (15个区均设立)."""
    if counted and (cop := g.copulas.match(m, end)) is not None:
        end = cop.end()  # 其中2家为民营企业
    elif end < len(m) and m[end] == "的":
        if counted:
            return None  # 60家的参考目标: the figure is an attribute; its noun is before it
        end += 1  # 6个月的费用缓缴期
    k, bounded = _noun_end(m, end, g)
    if counted and (cop := g.naming_verbs.match(m, k)) and g.is_word(m, k, cop.group()):
        after = _noun_after(m, cop.end(), g, counted=False)  # 158家企业获评为创新型中小企业
        if after is not None:
            return after
    while k > end and m[k - 1] == "的":
        k -= 1
    start = max(end, m.rfind("的", end, k) + 1)
    shortest = 1 if counted and bounded else 2
    return (start, k) if k - start >= shortest else None


def _noun_end(m: str, start: int, g: Grammar) -> tuple[int, bool]:
    """Where the noun from ``start`` ends, and whether a word or break ends it (not the reach)."""
    n = len(m)
    reach = min(n, start + _NOUN_REACH)
    k = start
    stops, firsts = g.noun_stops, g.noun_stop_firsts
    while k < reach:
        c = m[k]
        if c in firsts and (stop := stops.match(m, k)) and g.is_word(m, k, stop.group()):
            return k, True
        if "\u4e00" <= c <= "\u9fff":
            k += 1
        elif c == "“" and (close := m.find("”", k + 1, min(n, k + _NOUN_REACH))) > k + 1 \
                and (k == start or _is_han(m, close + 1) and not g.noun_stops.match(m, close + 1)):
            k = close + 1  # 483个“一件事”主题服务: a quoted name begins or is inside the noun
        else:
            return k, k == n or c in _BREAKS
    return k, k == n


def _is_han(m: str, k: int) -> bool:
    return k < len(m) and "\u4e00" <= m[k] <= "\u9fff"


def _lists(m: str, found: Sequence[Figure]) -> list[tuple[int, int]]:
    """(first, last) index of each list of figures of one unit (15,5,20个工作日; 2%和14%)."""
    out = []
    i = 0
    while i < len(found):
        j = i
        while j + 1 < len(found) and _in_list(m, found[j], found[j + 1]):
            j += 1
        if j > i:
            out.append((i, j))
        i = j + 1
    return out


def _respectively(m: str, found: Sequence[Figure], lists: list[tuple[int, int]], spans: list,
                  modes: list[Mode], g: Grammar) -> None:
    """A list of n figures with no phrase of its own after 分别 measures, in turn, what the n
    figures before it in the sentence measure (市场主体297715户,其中企业63092户,同比分别增长5.1%和8.3%)."""
    for i, j in lists:
        n = j - i + 1
        if modes[i] != "empty" or i < n or not g.respectively.search(m, found[i - 1].end, found[i].end):
            continue
        if any(spans[k] is None for k in range(i - n, i)) \
                or _SENTENCE_BREAKS_RE.search(m, found[i - n].end, found[i].start):
            continue
        for k in range(n):
            spans[i + k], modes[i + k] = spans[i - n + k], modes[i - n + k]


_SENTENCE_BREAKS_RE = re.compile(f"[{re.escape(_SENTENCE_BREAKS)}]")


def _list_nouns(m: str, found: Sequence[Figure], lists: list[tuple[int, int]], spans: list,
                modes: list[Mode], g: Grammar) -> None:
    """The items of a list of one unit whose first has no subject before it measure the noun after
    the list (给予50万元、30万元、20万元建站补助)."""
    for i, j in lists:
        if modes[i] != "phrase":
            noun = _noun_after(m, found[j].end, g, counted=False)
            if noun is not None:
                for k in range(i, j + 1):
                    spans[k], modes[k] = noun, "noun"


_LIST_GAP = re.compile(r"\s*(?:,|、|和|及|与|或)\s*")


def _in_list(m: str, a: Figure, b: Figure) -> bool:
    return a.unit == b.unit and b.start - a.end <= 3 and _LIST_GAP.fullmatch(m, a.end, b.start) is not None


def _share(m: str, found: Sequence[Figure], spans: list, modes: list[Mode]) -> None:
    """A figure with an empty phrase measures what the figure before it in the sentence measures
    (收入598.27亿元,同比增长4.70%), at most 30 characters back."""
    for i in range(1, len(found)):
        prev, f = found[i - 1], found[i]
        if modes[i] == "empty" and spans[i - 1] is not None and f.start - prev.end <= _SHARE_REACH \
                and not _SENTENCE_BREAKS_RE.search(m, prev.end, f.start):
            spans[i], modes[i] = spans[i - 1], modes[i - 1]
