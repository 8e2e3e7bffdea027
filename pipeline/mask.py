"""Stage 2 of the pipeline, after normalize: spans that are no figure or date in their own right.

>>> masks = find_masks("依据《通知》(鄂发【2023】5号),热线12345,2023年3月")
>>> [(m.name, m.start, m.end) for m in masks.spans]
[('title', 2, 6), ('document_number', 9, 17), ('phone', 19, 31)]
>>> masks.hidden_from("dates")
[(2, 6), (9, 17)]

Titles in 《…》 are found by one scanner (``titles``); every other kind by the rules of
``rules/masks.yaml``. Each rule says which stages it hides numbers from, so what a stage skips
never depends on what else the document holds. Dates, indicators and cited documents read the
spans from here; none keeps a grammar of its own for them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, cached_property
from typing import Literal, NamedTuple

from pydantic import field_validator, model_validator

from pipeline import rules
from pipeline.rules import RuleFile, alt

Stage = Literal["dates", "indicators", "policy_refs"]
_BACK_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")
TITLE = "title"


class MaskRule(RuleFile):
    name: str
    what: str
    hides: tuple[Stage, ...]
    pattern: str | None = None
    words: tuple[str, ...] = ()
    first: str | None = None  # characters one of which stands at ``offset`` in every match
    offset: int = 0
    examples: tuple[str, ...]  # each holds a match, with a declared character at ``offset``

    @field_validator("examples")
    @classmethod
    def _some(cls, examples: tuple[str, ...]) -> tuple[str, ...]:
        if not examples:
            raise ValueError("give at least one example")
        return examples

    @model_validator(mode="after")
    def _pattern_or_words(self) -> MaskRule:
        if (self.pattern is None) == (not self.words):
            raise ValueError(f"{self.name}: give either a pattern or words")
        if self.pattern is not None:
            if not self.first:
                raise ValueError(f"{self.name}: a pattern declares its first characters")
            if _BACK_REFERENCE.search(self.pattern) or "(?P<" in self.pattern:
                raise ValueError(f"{self.name}: no back references or named groups (the scanner names each rule)")
            if re.compile(self.pattern).match(""):
                raise ValueError(f"{self.name}: pattern matches the empty string: {self.pattern!r}")
        first = re.compile(f"[{self.first_characters}]")
        for example in self.examples:
            hits = [x for x in re.finditer(self.regex, example) if x.end() > x.start()]
            if not hits:
                raise ValueError(f"{self.name}: example {example!r} does not match")
            if any(not first.match(example, x.start() + self.offset) for x in hits):
                raise ValueError(f"{self.name}: a match in {example!r} does not start as declared")
        return self

    @property
    def regex(self) -> str:
        return self.pattern if self.pattern is not None else alt(self.words)

    @property
    def first_characters(self) -> str:
        """The inside of a character class: what a match has at ``offset``."""
        if self.first is not None:
            return self.first
        return "".join(re.escape(c) for c in sorted({w[0] for w in self.words}))


class MaskRules(RuleFile):
    """``masks.yaml``."""

    rules: tuple[MaskRule, ...]

    @field_validator("rules")
    @classmethod
    def _not_title(cls, rules_: tuple[MaskRule, ...]) -> tuple[MaskRule, ...]:
        if any(r.name == TITLE for r in rules_):
            raise ValueError(f"{TITLE!r} spans come from the 《…》 scanner, not from a rule")
        return rules_


@cache
def mask_rules() -> MaskRules:
    return rules.load("masks", MaskRules)


class Mask(NamedTuple):
    """A named tuple: a text has a few hundred, made faster than dataclass instances."""

    start: int
    end: int
    name: str  # a rule's name, or "title"


class Masks:
    """The masks of one text: 《…》 titles and rule spans, each sorted by start (titles may nest;
    rule spans never overlap).

    The two lists are kept apart: the stages ask only for the spans hidden from them or of one
    name, which need neither a ``Mask`` per span nor one sorted list of both (``spans``, made
    when asked for)."""

    def __init__(self, titles: Sequence[tuple[int, int]], rule_spans: Sequence[tuple[int, int, str]]):
        self.titles = titles
        self.rule_spans = rule_spans

    @cached_property
    def spans(self) -> tuple[Mask, ...]:
        """Every mask, sorted by start, the longer first where two start together."""
        found = [Mask(s, e, TITLE) for s, e in self.titles]
        found += map(Mask._make, self.rule_spans)
        found.sort(key=lambda m: (m.start, -m.end))
        return tuple(found)

    def hidden_from(self, stage: Stage) -> list[tuple[int, int]]:
        """Spans whose numbers ``stage`` must not read, sorted, overlapping ones merged.

        Their union does not depend on the order of spans that start together, so plain
        (start, end) pairs are sorted."""
        names = _hidden_from(stage)
        hidden = [(s, e) for s, e, name in self.rule_spans if name in names]
        if TITLE in names and self.titles:
            hidden += self.titles
            hidden.sort()
        merged: list[list[int]] = []
        for start, end in hidden:
            if merged and start <= merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1][1] = end
            else:
                merged.append([start, end])
        return [(s, e) for s, e in merged]

    def named(self, name: str) -> list[Mask]:
        if name == TITLE:
            return [Mask(s, e, TITLE) for s, e in self.titles]
        return [Mask._make(m) for m in self.rule_spans if m[2] == name]


@cache
def _hidden_from(stage: Stage) -> frozenset[str]:
    """The names of the masks ``stage`` must not read."""
    return frozenset(name for name, stages in _hides().items() if stage in stages)


@cache
def _hides() -> dict[str, frozenset[str]]:
    hides: dict[str, set[str]] = {TITLE: {"dates", "indicators"}}
    for r in mask_rules().rules:
        hides.setdefault(r.name, set()).update(r.hides)
    return {name: frozenset(stages) for name, stages in hides.items()}


def find_masks(match_text: str) -> Masks:
    """Every mask of ``match_text`` (the folded text): 《…》 titles and rule spans."""
    return Masks(titles(match_text), _scan().spans(match_text))


def titles(text: str) -> list[tuple[int, int]]:
    """《…》 spans closed on their own line, sorted by start; nested titles are listed too, and
    an unclosed 《 hides nothing.

    >>> titles("《甲《乙》丙》《丁")
    [(0, 7), (2, 5)]
    """
    # One search per mark: sre skips to a lone literal far faster than to a character class.
    marks = sorted([(m.start(), "《") for m in re.finditer("《", text)]
                   + [(m.start(), "》") for m in re.finditer("》", text)])
    spans: list[tuple[int, int]] = []
    opened: list[int] = []
    previous = 0
    for at, mark in marks:
        if text.find("\n", previous, at) >= 0:
            opened.clear()  # a title does not run over a line break
        previous = at
        if mark == "《":
            opened.append(at)
        elif opened:
            spans.append((opened.pop(), at + 1))
    spans.sort()
    return spans


def innermost(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans (sorted by start) that hold no other span."""
    return [(s, e) for i, (s, e) in enumerate(spans) if not (i + 1 < len(spans) and spans[i + 1][1] <= e)]


@cache
def _scan() -> RuleScan:
    return RuleScan([(r.regex, r.first_characters, r.offset, r.name) for r in mask_rules().rules])


_NOWHERE = 1 << 62


class RuleScan:
    """The spans of ``finditer`` of rules joined into one alternation, found fast.

    Python's ``re`` skips quickly over text only for a pattern that starts with a literal or a
    character class; the rules start with lookbehinds, ``[…]+`` and alternations, so their
    alternation would be tried rule by rule at every position. Each rule declares the characters
    its matches have at a given offset; for each offset k, one *lane* matches such a character k
    characters after a position where one of its rules matches, and captures that match::

        [characters](?<=(?=(rule1|rule2|…))(?s:.{k+1}))

    The leftmost capture over the lanes is the next span of ``finditer``; when two lanes find the
    same start, the joined alternation says which rule wins there.
    """

    def __init__(self, rules_: Sequence[tuple[str, str, int, str]]):
        """``rules_``: (pattern, first characters, offset, name) in order of precedence."""
        self.patterns = tuple(p for p, _, _, _ in rules_)
        self.names = tuple(n for _, _, _, n in rules_)
        # Each rule is a named group r<k>: it closes after any group inside it, so ``lastgroup``
        # names the rule that matched.
        self.joined = re.compile("|".join(f"(?P<r{k}>{p})" for k, p in enumerate(self.patterns)))
        self._declared = tuple((k, first, offset) for k, (_, first, offset, _) in enumerate(rules_))

    @cached_property
    def lanes(self) -> list[tuple[re.Pattern[str], int]]:
        by_offset: dict[int, tuple[list[str], list[int]]] = {}  # offset → characters, rules
        for k, first, offset in self._declared:
            classes, rules_ = by_offset.setdefault(offset, ([], []))
            classes.append(first)
            rules_.append(k)
        lanes = []
        for offset, (classes, rules_) in sorted(by_offset.items()):
            alternation = "|".join(self._branch(k, offset) for k in rules_)
            lanes.append((re.compile(f"[{''.join(classes)}](?<=(?={alternation})(?s:.{{{offset + 1}}}))"), offset))
        return lanes

    def _branch(self, k: int, offset: int) -> str:
        """Rule ``k`` as an alternative of its lane. At offset 0 the alternative opens with the
        rule's own first characters, then steps back over the one it read: ``re`` skips an
        alternative whose first character does not fit without entering it, so at each place
        only the few rules that can start with its character are tried."""
        rule = f"(?P<r{k}>{self.patterns[k]})"
        return f"[{self._declared[k][1]}](?<=(?={rule}).)" if offset == 0 else rule

    @cached_property
    def _rule_of_group(self) -> dict[str, str]:
        return {f"r{k}": name for k, name in enumerate(self.names)}

    def _next(self, lane: int, text: str, pos: int) -> tuple[int, int, str]:
        pattern, offset = self.lanes[lane]
        x = pattern.search(text, pos + offset)
        if x is None:
            return _NOWHERE, _NOWHERE, ""
        rule = x.lastgroup
        return *x.span(rule), self._rule_of_group[rule]

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """``[(*x.span(), name of the rule that matched) for x in self.joined.finditer(text)]``,
        without empty matches."""
        heads = [self._next(k, text, 0) for k in range(len(self.lanes))]
        found: list[tuple[int, int, str]] = []
        while True:
            head = min(heads)
            start = head[0]
            if start == _NOWHERE:
                return found
            lead = heads.index(head)
            rival = min((h[0] for k, h in enumerate(heads) if k != lead), default=_NOWHERE)
            if rival == start:  # lanes tie: the joined rules say which wins
                x = self.joined.match(text, start)
                end = self._take((start, x.end(), self.names[int(x.lastgroup[1:])]), found)
            else:  # the leading lane alone, until another lane's match comes first
                heads[lead], end = self._run(lead, text, head, rival, found)
            heads = [h if h[0] >= end else self._next(k, text, end) for k, h in enumerate(heads)]

    def _run(self, lane: int, text: str, head: tuple[int, int, str], rival: int,
             found: list[tuple[int, int, str]]) -> tuple[tuple[int, int, str], int]:
        """Keep the spans of one lane from ``head`` on, until another lane's match (at ``rival``)
        comes first or is overrun; the lane's next head and where the scan goes on. (``_take``
        and ``_next`` written out: this loop runs once for most spans of a text.)"""
        pattern, offset = self.lanes[lane]
        search, rule_of_group = pattern.search, self._rule_of_group
        start, stop, name = head
        while True:
            if stop == start:
                end = start + 1
            else:
                found.append((start, stop, name))
                end = stop
            x = search(text, end + offset)
            if x is None:
                return (_NOWHERE, _NOWHERE, ""), end
            rule = x.lastgroup
            start, stop = x.span(rule)
            if start >= rival or end > rival:
                return (start, stop, rule_of_group[rule]), end
            name = rule_of_group[rule]

    @staticmethod
    def _take(span: tuple[int, int, str], found: list[tuple[int, int, str]]) -> int:
        """Keep a non-empty span; where the scan goes on (an empty match moves one character)."""
        if span[1] == span[0]:
            return span[0] + 1
        found.append(span)
        return span[1]
