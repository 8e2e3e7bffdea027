"""Dates that set a time limit or a target rather than say when something happened (SPEC 1, 5).

A deadline (``2024年底前完成``, ``整改时限:2024年6月``) gets the date role ``deadline``; neither a
deadline nor a target (``到2027年``, ``力争2026年底``) may set a document's reference year.

>>> text = "2024年3月启动,2024年12月底前完成,到2027年建成。"
>>> spans = [(0, 7), (10, 19), (24, 29)]
>>> [text[s:e] for s, e in spans]
['2024年3月', '2024年12月底', '2027年']
>>> aims = find_aims(text, spans)
>>> sorted(aims.deadlines), sorted(aims.targets)
([10], [24])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from pipeline.extract.dates import DateRules
from pipeline.rules import alt, load


@dataclass(frozen=True)
class Aims:
    deadlines: frozenset[int]  # start offsets of the date expressions that are deadlines
    targets: frozenset[int]


@dataclass(frozen=True)
class _AimGrammar:
    after: re.Pattern[str]
    before: re.Pattern[str]
    target: re.Pattern[str]


@cache
def _grammar() -> _AimGrammar:
    r = load("dates", DateRules)
    after = "|".join(
        re.escape(w) + (f"(?![{re.escape(''.join(r.deadline_after_not_followed_by[w]))}])" if w in r.deadline_after_not_followed_by else "")
        for w in sorted(r.deadline_after, key=lambda w: (-len(w), w))
    )
    return _AimGrammar(
        after=re.compile(f"(?:{after})"),
        before=re.compile(alt(r.deadline_before) + r"\s?[::]?\s?$"),
        target=re.compile(alt(r.target_before) + r"$"),
    )


def find_aims(match_text: str, spans: Iterable[tuple[int, int]]) -> Aims:
    """Which of the date expressions at ``spans`` (start, end) are deadlines, and which targets."""
    g = _grammar()
    deadlines, targets = set(), set()
    for start, end in spans:
        before_from = max(0, start - 8)
        if g.after.match(match_text, end) or g.before.search(match_text, before_from, start):
            deadlines.add(start)
        elif g.target.search(match_text, before_from, start):
            targets.add(start)
    return Aims(frozenset(deadlines), frozenset(targets))
