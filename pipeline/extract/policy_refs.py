"""Cited documents (SPEC 7): each 《…》 title, its document number and its short alias.

>>> [(r.title, r.doc_number, r.alias) for r in find_policy_refs("学习《实施意见》(鄂发〔2023〕5号,以下简称《意见》)。")]
[('实施意见', '鄂发〔2023〕5号', '意见')]

An unclosed 《 yields nothing and hides nothing:

>>> [r.title for r in find_policy_refs("落实《甲政策积极引导,兑现《乙政策》")]
['乙政策']

Words are matched on the folded text (``match_text``), values keep the document's characters:

>>> [(r.title, r.doc_number, r.alias) for r in find_policy_refs("學習《實施意見》(鄂發〔2023〕5號,以下簡稱《意見》)。")]
[('實施意見', '鄂發〔2023〕5號', '意見')]
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from pipeline.mask import Masks, find_masks, innermost, titles
from pipeline.fold import fold_traditional

_PAREN_AFTER = re.compile(r"[ \t]*\(([^()\n]{1,80})\)")
_ISSUER = re.compile(r"[\u4e00-\u9fff]{1,16}$")  # 鄂发 of 鄂发〔2023〕5号
_ALIAS = re.compile(r"(?:以下简称|下称|简称)[“《\"]?([^”》\",,)]{1,30})[”》\"]?")
DOC_NUMBER = "document_number"  # the mask that names a document


@dataclass(frozen=True, slots=True)
class FoundRef:
    start: int
    end: int
    document: str = field(repr=False, compare=False)  # the whole text: a reference keeps no copy of its span
    title: str
    doc_number: str | None
    alias: str | None

    @property
    def text(self) -> str:
        return self.document[self.start : self.end]


def find_policy_refs(text: str, match_text: str | None = None, masks: Masks | None = None) -> list[FoundRef]:
    """Each innermost 《…》 title (``mask.titles``), with the document number (a mask) and
    alias written in parentheses right after it."""
    match = fold_traditional(text) if match_text is None else match_text
    spans = innermost(titles(match)) if masks is None else innermost([(m.start, m.end) for m in masks.named("title")])
    numbers = [(m.start, m.end) for m in (masks or find_masks(match)).named(DOC_NUMBER)]
    refs: list[FoundRef] = []
    pos = 0
    for open_at, end in spans:
        if open_at < pos:
            continue  # inside the parentheses of the last one (简称《意见》)
        close_at = end - 1
        doc_number = alias = None
        paren = _PAREN_AFTER.match(match, end)
        if paren:
            number = _number_in(match, numbers, paren.start(1), paren.end(1))
            named = _ALIAS.search(match, paren.start(1), paren.end(1))
            if number or named:
                doc_number = text[number[0]:number[1]] if number else None
                alias = text[named.start(1):named.end(1)] if named else None
                end = paren.end()
        refs.append(FoundRef(open_at, end, text, text[open_at + 1:close_at], doc_number, alias))
        pos = end
    return refs


def _number_in(match: str, numbers: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """The first document number inside [start, end), with the issuer's abbreviation before it."""
    k = bisect.bisect_left(numbers, (start, start))
    if k == len(numbers) or numbers[k][1] > end:
        return None
    s, e = numbers[k]
    issuer = _ISSUER.search(match, start, s)
    return (issuer.start() if issuer else s), e
