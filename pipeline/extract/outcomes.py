"""What the rectification achieved (SPEC 10), and the status each problem states (SPEC 3).

An outcome is a figure of the indicators table read in the light of the words around it, so
no number is parsed twice:

>>> from pipeline.extract.indicators import find_indicators
>>> text = "巡察反馈25个问题,已完成整改19个,整改完成率76%。诫勉谈话3人。"
>>> [(o.kind, o.value, o.action, text[o.start:o.end]) for o in find_outcomes(text, find_indicators(text))]
[('problems_reported', 25.0, None, '反馈25个问题'), ('problems_completed', 19.0, None, '已完成整改19个'), ('completion_rate', 76.0, None, '整改完成率76%'), ('people_handled', 3.0, '诫勉', '诫勉谈话3人')]

The words live in ``rules/outcomes.yaml``; only the grammar is here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, NamedTuple, Optional

from pydantic import field_validator, model_validator

from pipeline import rules
from pipeline.extract.indicators import FoundIndicator
from pipeline.models import OutcomeAction, OutcomeKind, OutcomeUnit, ProblemStatus
from pipeline.rules import RuleFile, alt, trie_alt

GAP_MARK = "…"
CLAUSE_BREAKS = ",;。:!?\n"  # a clause ends at these (the canonical text is NFKC: half-width punctuation)
SENTENCE_BREAKS = "。!?\n"
AFTER_GAP_BREAKS = "、和及与"  # 给予政务处分1人和效能问责2人: the 问责 is not the 1人's
REACH = 40  # characters looked at on either side of a figure


class KindRules(RuleFile):
    """The words of one outcome kind (see the header of ``outcomes.yaml``)."""

    unit: OutcomeUnit
    counts: tuple[str, ...]
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    noun: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    family: Optional[Literal["problems", "tasks"]] = None
    not_in_sentence: tuple[str, ...] = ()

    @field_validator("before", "weak", "lead", "not_in_sentence")
    @classmethod
    def _inner_gaps_only(cls, cues: tuple[str, ...]) -> tuple[str, ...]:
        for cue in cues:
            pieces = cue.split(GAP_MARK)
            if not all(pieces):
                raise ValueError(f"cue {cue!r}: … may only stand between words here")
        return cues

    @field_validator("after", "noun")
    @classmethod
    def _leading_gap_allowed(cls, cues: tuple[str, ...]) -> tuple[str, ...]:
        for cue in cues:
            pieces = cue.removeprefix(GAP_MARK).split(GAP_MARK)
            if not all(pieces):
                raise ValueError(f"cue {cue!r}: … may only lead the cue or stand between words")
        return cues


class StatusWords(RuleFile):
    completed: tuple[str, ...]
    partly_completed: tuple[str, ...]
    in_progress: tuple[str, ...]
    long_term: tuple[str, ...]


class OutcomeRules(RuleFile):
    """``outcomes.yaml``."""

    gap: int
    stop_words: tuple[str, ...]
    stop_nouns: tuple[str, ...]
    free_after: tuple[str, ...]
    kinds: dict[OutcomeKind, KindRules]
    actions: dict[str, OutcomeAction]
    status: StatusWords
    status_labels: tuple[str, ...]
    status_subjects: tuple[str, ...]

    @model_validator(mode="after")
    def _every_cue_names_its_action(self) -> "OutcomeRules":
        for kind in ("people_handled", "funds_recovered"):
            rules_of = self.kinds.get(kind)
            for cue in (rules_of.before + rules_of.after + rules_of.noun) if rules_of else ():
                if action_of(cue, self.actions) is None:
                    raise ValueError(f"{kind} cue {cue!r} names no action of the actions map")
        return self


def outcome_rules() -> OutcomeRules:
    return rules.load("outcomes", OutcomeRules)


def action_of(written: str, actions: dict[str, str]) -> str | None:
    """The normalised action of the longest action word in ``written`` (诫勉谈话 → 诫勉)."""
    written = _GLOSSES.sub("", written)
    found = [w for w in actions if w in written]
    return actions[max(found, key=lambda w: (len(w), w))] if found else None


# --------------------------------------------------------------------------- patterns


# Mirror sites gloss characters with their pinyin in brackets (发(fā)现(xiàn)问题): a cue's
# characters may each carry one.
PINYIN_GLOSS = r"(?:\([a-zA-Z\u00c0-\u01dc]{1,8}\))?"
_GLOSSES = re.compile(PINYIN_GLOSS.removesuffix("?"))


def _word_pattern(word: str) -> str:
    return PINYIN_GLOSS.join(re.escape(c) for c in word)


def _cue_pattern(cues: Sequence[str], gap: str) -> str:
    """Cues as one alternation; … becomes a short stretch of the same clause.

    At one position the first alternative that matches wins, so cues that reach across a gap
    come first (立案…线索 before 立案查处), then the longer written ones (问题线索 before 问题)."""
    if not cues:
        raise ValueError("empty alternation")
    ordered = sorted(set(cues), key=lambda c: (GAP_MARK not in c, -len(c), c))
    return "(?:" + "|".join(gap.join(_word_pattern(p) for p in c.split(GAP_MARK)) for c in ordered) + ")"


@dataclass(frozen=True)
class _KindGrammar:
    name: str
    rules: KindRules
    before: re.Pattern[str] | None  # lookahead: every cue starting at each position
    weak: re.Pattern[str] | None
    after: re.Pattern[str] | None  # anchored at the end of the figure
    noun: re.Pattern[str] | None
    lead: re.Pattern[str] | None


@cache
def _grammar() -> tuple[_KindGrammar, ...]:
    return tuple(
        _KindGrammar(name, k, _ahead(k.before), _ahead(k.weak), _anchored(k.after), _anchored(k.noun), _ahead(k.lead))
        for name, k in outcome_rules().kinds.items()
    )


def _gap() -> str:
    """A short stretch of the same clause, as … stands for inside a cue."""
    return f"[^{re.escape(CLAUSE_BREAKS)}]{{0,{outcome_rules().gap}}}?"


def _ahead(cues: Sequence[str]) -> re.Pattern[str] | None:
    """Every cue starting at each position, as group 1: the match is the cue's first character,
    the cue is read by a lookahead from there. Beginning with the characters a cue begins with
    lets the engine skip to them (a bare lookahead is tried at every position)."""
    if not cues:
        return None
    firsts = "".join(re.escape(c) for c in sorted({cue[0] for cue in cues}))
    return re.compile(f"[{firsts}](?<=(?=({_cue_pattern(cues, _gap())}))(?s:.))")


def _anchored(cues: Sequence[str]) -> re.Pattern[str] | None:
    """The cues at the match position (group 1), or those with a leading … a few characters later (group 2)."""
    if not cues:
        return None
    with_gap = [c for c in cues if c.startswith(GAP_MARK)]
    plain = [c for c in cues if not c.startswith(GAP_MARK)]
    parts = [f"({_cue_pattern(plain, _gap())})"] if plain else []
    if with_gap:
        lead_gap = f"[^{re.escape(CLAUSE_BREAKS + AFTER_GAP_BREAKS)}0-9]{{0,{outcome_rules().gap}}}?"
        parts.append(f"{lead_gap}({_cue_pattern([c.removeprefix(GAP_MARK) for c in with_gap], _gap())})")
    return re.compile("|".join(parts))


@cache
def _stop_words() -> re.Pattern[str]:
    return re.compile(alt(outcome_rules().stop_words))


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True, slots=True)
class FoundOutcome:
    start: int
    end: int
    kind: str
    action: str | None
    value: float
    unit: str
    indicator: int  # index of the figure in the indicators given


class _Cue(NamedTuple):
    kind: _KindGrammar
    start: int
    end: int
    place: str  # "after" | "before" | "noun"


def find_outcomes(match_text: str, indicators: Sequence[FoundIndicator]) -> list[FoundOutcome]:
    """The outcome figures among ``indicators`` (found in the same text), in text order."""
    found: list[FoundOutcome] = []
    spans: set[tuple[int, int]] = set()
    counted = _counted_units()
    sentences = _SentenceStarts(match_text)
    last_family: tuple[int, str | None] = (-1, None)  # (sentence start, family) of the last outcome
    for index, figure in enumerate(indicators):
        if figure.change is not None or figure.unit not in counted:
            continue
        cue = _best_cue(match_text, figure, last_family, sentences)
        if cue is None:
            continue
        outcome = _outcome(match_text, figure, index, cue)
        if (outcome.start, outcome.end) in spans:
            continue
        spans.add((outcome.start, outcome.end))
        found.append(outcome)
        last_family = (sentences.start_of(figure.start), cue.kind.rules.family)
    return found


class _SentenceStarts:
    """Where the sentence holding a position starts (just after the last sentence break before it).

    Asked of positions in text order, each stretch of text is looked at once: a position with no
    break since the one asked before is in the same sentence."""

    __slots__ = ("text", "pos", "start")

    def __init__(self, text: str):
        self.text, self.pos, self.start = text, 0, 0

    def start_of(self, pos: int) -> int:
        if pos < self.pos:  # asked out of order: look from the beginning again
            self.pos, self.start = 0, 0
        last = _LAST_SENTENCE_BREAK.match(self.text, self.pos, pos)  # greedy: the last break before pos
        if last is not None:
            self.start = last.end()
        self.pos = pos
        return self.start


_LAST_SENTENCE_BREAK = re.compile(f"(?s:.*)[{re.escape(SENTENCE_BREAKS)}]")
_NEXT_CLAUSE_BREAK = re.compile(f"[{re.escape(CLAUSE_BREAKS)}]")
_LAST_CLAUSE_BREAK = re.compile(f"(?s:.*)[{re.escape(CLAUSE_BREAKS)}]")


@cache
def _counted_units() -> frozenset[str]:
    return frozenset(u for k in outcome_rules().kinds.values() for u in k.counts)


@cache
def _kinds_counting(unit: str) -> tuple[_KindGrammar, ...]:
    """The kinds that count in ``unit``, in the order of the rules."""
    return tuple(k for k in _grammar() if unit in k.rules.counts)


def _clause_window(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around ``text[start:end]``, at most REACH characters to each side."""
    floor, ceiling = max(0, start - REACH), min(len(text), end + REACH)
    last = _LAST_CLAUSE_BREAK.match(text, floor, start)
    following = _NEXT_CLAUSE_BREAK.search(text, end, ceiling)
    return (last.end() if last else floor), (following.start() if following else ceiling)


def _best_cue(text: str, figure: FoundIndicator, last_family: tuple[int, str | None],
              sentences: _SentenceStarts) -> _Cue | None:
    """The cue that makes ``figure`` an outcome, if any; ``last_family`` is the sentence start and
    family of the last outcome."""
    left, right = _clause_window(text, figure.start, figure.end)
    some = _cues_of_unit(figure.unit)  # most figures have no cue of any kind: one test each side
    has_after = some.after is not None and some.after.match(text, figure.end, right) is not None
    has_before = some.before is not None and some.before.search(text, left, figure.start) is not None
    if not (has_after or has_before) and (some.noun is None or not some.noun.match(text, figure.end, right)):
        return None
    sentence = sentences.start_of(figure.start)
    family = last_family[1] if last_family[0] == sentence else None
    kinds = [k for k in _kinds_counting(figure.unit)
             if not (k.rules.not_in_sentence and _stopped_by_sentence(text, k, sentence, right))]
    if not kinds:
        return None
    after = _after_cue(text, kinds, figure.end, right, "after") if has_after else None
    if after:
        return after
    before = _before_cue(text, kinds, left, figure.start, family) if has_before else None
    noun = _after_cue(text, kinds, figure.end, right, "noun")
    if before and noun and not _same_family(before.kind, noun.kind):
        return noun  # 分解为23项具体的整改任务: the noun says what is counted
    if before and (noun or _free_after(text, figure.end, right)):
        return before
    return noun


class _AnyCue(NamedTuple):
    """The cues of every kind that counts in a unit, each place as one pattern: a figure none of
    them matches next to has no cue, and the kinds need not be tried one by one."""

    after: re.Pattern[str] | None  # any kind's after cue, anchored at the figure's end
    before: re.Pattern[str] | None  # any kind's before or weak cue
    noun: re.Pattern[str] | None


@cache
def _cues_of_unit(unit: str) -> _AnyCue:
    """One pattern of each place for all the kinds counting in ``unit``: a cue of some kind
    matches where one of these matches (an alternation of the kinds' alternations)."""
    kinds = [k.rules for k in _kinds_counting(unit)]
    return _AnyCue(_anchored([c for k in kinds for c in k.after]),
                   _ahead([c for k in kinds for c in k.before + k.weak]),
                   _anchored([c for k in kinds for c in k.noun]))


def _same_family(a: _KindGrammar, b: _KindGrammar) -> bool:
    return a.name == b.name or (a.rules.family is not None and a.rules.family == b.rules.family)


def _stopped_by_sentence(text: str, kind: _KindGrammar, sentence: int, right: int) -> bool:
    return any(text.find(w, sentence, right) >= 0 for w in kind.rules.not_in_sentence)


def _after_cue(text: str, kinds: list[_KindGrammar], end: int, right: int, place: str) -> _Cue | None:
    best = None
    for k in kinds:
        pattern = getattr(k, place)
        m = pattern.match(text, end, right) if pattern else None
        if not m:
            continue
        group = next(g for g in range(1, (m.re.groups or 0) + 1) if m.group(g) is not None)
        cue = _Cue(k, m.start(group), m.end(group), place)
        if _stop_words().search(text, end, cue.start) or (place == "noun" and text.startswith(outcome_rules().stop_nouns, cue.start)):
            continue
        if best is None or (cue.start, -cue.end) < (best.start, -best.end):  # nearest, then longest
            best = cue
    return best


def _before_cue(text: str, kinds: list[_KindGrammar], left: int, start: int, family: str | None) -> _Cue | None:
    """The nearest cue before the figure (the longer at equal distance); a cue that starts inside
    another is part of that word (查处 in 立案审查调查处级干部 is none)."""
    found: list[_Cue] = []
    for k in kinds:
        if k.before is not None:
            found += [_Cue(k, m.start(1), m.end(1), "before") for m in k.before.finditer(text, left, start)]
        if k.weak is not None and family is not None and family == k.rules.family:
            found += [_Cue(k, m.start(1), m.end(1), "before") for m in k.weak.finditer(text, left, start)]
    if not found:
        return None
    gap = outcome_rules().gap
    whole = [c for c in found if not any(o.start < c.start < o.end for o in found)]
    usable = [c for c in whole if start - c.end <= gap and not _stopped(text, c.end, start)]
    best = max(usable, key=lambda c: (c.end, c.end - c.start), default=None)
    while best is not None:  # cues of one kind written together are one cue (开除党籍处分)
        joined = next((c for c in whole if c.kind is best.kind and c.end == best.start), None)
        if joined is None:
            return best
        best = _Cue(best.kind, joined.start, best.end, "before")
    return None


def _stopped(text: str, cue_end: int, figure_start: int) -> bool:
    """A stop word between a cue and its figure, before any other figure in between
    (反馈问题涉及单位38个 is stopped; 追责处理5个单位27人 is not: 单位 belongs to the 5个)."""
    digit = _DIGIT.search(text, cue_end, figure_start)
    return _stop_words().search(text, cue_end, digit.start() if digit else figure_start) is not None


_DIGIT = re.compile(r"\d")


def _free_after(text: str, end: int, right: int) -> bool:
    """Nothing after the figure names some other thing it counts (688个, is free; 190个村 is not)."""
    if end >= right or not ("\u4e00" <= text[end] <= "\u9fff"):
        return True
    return any(text.startswith(w, end) for w in outcome_rules().free_after)


def _outcome(text: str, figure: FoundIndicator, index: int, cue: _Cue) -> FoundOutcome:
    k = cue.kind
    if cue.place == "before":
        start, end = cue.start, figure.end
    elif cue.place == "after":
        start, end = figure.start, cue.end
    else:
        start, end = _lead_start(text, k, figure.start), cue.end
    action = None
    if k.name in ("people_handled", "funds_recovered"):  # after the figure, the words up to the cue count too
        action = action_of(text[figure.end if cue.place == "after" else cue.start : cue.end], outcome_rules().actions)
    value = round(figure.value_normalized, 2) if k.rules.unit == "CNY" else figure.value_normalized
    return FoundOutcome(start, end, k.name, action, value, k.rules.unit, index)


def _lead_start(text: str, k: _KindGrammar, figure_start: int) -> int:
    """Where a counted noun's clause begins: its nearest lead verb (反馈的697个问题), else the figure."""
    if k.lead is None:
        return figure_start
    left, _ = _clause_window(text, figure_start, figure_start)
    starts = [m.start(1) for m in k.lead.finditer(text, max(left, figure_start - outcome_rules().gap), figure_start)]
    starts = [s for s in starts if not any(c.isdigit() for c in text[s:figure_start])]  # not across another figure
    return starts[-1] if starts else figure_start


# --------------------------------------------------------------------------- problem status


@dataclass(frozen=True, slots=True)
class FoundStatus:
    status: str
    start: int
    end: int


@dataclass(frozen=True)
class _StatusGrammar:
    phrases: re.Pattern[str]
    status_of: dict[str, ProblemStatus]
    label_before: re.Pattern[str]  # a label and its colon, ending where the phrase starts
    subjects: re.Pattern[str]


STATUS_OPEN = "(【["
STATUS_CLOSE = ")】]"
STATUS_ENDS = "。;,!\n" + STATUS_CLOSE


@cache
def _status_grammar() -> _StatusGrammar:
    r = outcome_rules()
    status_of = {phrase: status for status, phrases in r.status.model_dump().items() for phrase in phrases}
    return _StatusGrammar(
        phrases=re.compile(trie_alt(list(status_of))),  # searched through every problem: a trie is faster
        status_of=status_of,
        label_before=re.compile(alt(r.status_labels) + r"\s?[::]\s?$"),
        subjects=re.compile(r"(?:" + alt(r.status_subjects) + r"|[,\s])*"),
    )


def find_status(match_text: str, start: int, end: int) -> FoundStatus | None:
    """The status one problem (``match_text[start:end]``) states of itself, if it states one.

    The first phrase that stands as a whole clause: in brackets, after a label, or after nothing
    but subject words.

    >>> t = "1.关于培训不足的问题\\n一是已完成主舱方案。目前,该问题已整改完成。"
    >>> s = find_status(t, 0, len(t)); (s.status, t[s.start:s.end])
    ('completed', '已整改完成')
    """
    g = _status_grammar()
    for m in g.phrases.finditer(match_text, start, end):
        after = m.end()
        if after < end and match_text[after] not in STATUS_ENDS:
            continue
        found = _status_at(match_text, start, m, g)
        if found is not None:
            return found
    return None


def _status_at(text: str, floor: int, m: re.Match[str], g: _StatusGrammar) -> FoundStatus | None:
    """The status of a phrase that stands as a whole clause, else None."""
    status = g.status_of[m.group(0)]
    clause = max([text.rfind(c, floor, m.start()) for c in CLAUSE_BREAKS + STATUS_OPEN] + [floor - 1]) + 1
    opener = text[clause - 1] if clause > floor else ""
    if opener in STATUS_OPEN and m.end() < len(text) and text[m.end()] in STATUS_CLOSE and clause == m.start():
        return FoundStatus(status, m.start(), m.end())
    if opener in "::":
        label = g.label_before.search(text, max(floor, clause - 12), clause)
        if label and clause == m.start():
            return FoundStatus(status, label.start(), m.end())
    if g.subjects.fullmatch(text, clause, m.start()):
        return FoundStatus(status, m.start(), m.end())
    return None
