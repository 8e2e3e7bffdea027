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

import re
from dataclasses import dataclass

from pipeline.normalize import fold_traditional

_PAREN_AFTER = re.compile(r"[ \t]*\(([^()\n]{1,80})\)")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,16}[〔\[]\d{4}[〕\]][ \t]*\d{1,5}[ \t]*号|第[ \t]*\d{4,}[ \t]*号")
_ALIAS = re.compile(r"(?:以下简称|下称|简称)[“《\"]?([^”》\",,)]{1,30})[”》\"]?")


@dataclass(frozen=True, slots=True)
class FoundRef:
    start: int
    end: int
    text: str
    title: str
    doc_number: str | None
    alias: str | None


def find_policy_refs(text: str, match_text: str | None = None) -> list[FoundRef]:
    match = fold_traditional(text) if match_text is None else match_text
    refs: list[FoundRef] = []
    pos = 0
    line_end = close_at = -1
    # Each search starts where the last one ended, so 100 000 unclosed 《 on one line cost
    # one pass over it, not one pass per 《.
    while (open_at := text.find("《", pos)) >= 0:
        if open_at > line_end:
            line_end = text.find("\n", open_at)
            line_end = len(text) if line_end < 0 else line_end
        if close_at <= open_at:
            close_at = text.find("》", open_at + 1, line_end)
            close_at = line_end if close_at < 0 else close_at
        next_open = text.find("《", open_at + 1, close_at)
        if close_at >= line_end or next_open >= 0:
            pos = open_at + 1  # unclosed: no row, and the next 《 starts afresh
            continue
        end = close_at + 1
        doc_number = alias = None
        paren = _PAREN_AFTER.match(match, end)
        if paren:
            inner, own = paren.group(1), text[paren.start(1) : paren.end(1)]
            number, named = _DOC_NUMBER.search(inner), _ALIAS.search(inner)
            if number or named:
                doc_number = own[number.start() : number.end()] if number else None
                alias = own[named.start(1) : named.end(1)] if named else None
                end = paren.end()
        start = open_at
        refs.append(FoundRef(start, end, text[start:end], text[open_at + 1 : close_at], doc_number, alias))
        pos = end
    return refs
