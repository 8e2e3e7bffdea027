"""Cited documents (SPEC 7): each 《…》 title, its document number and its short alias.

>>> [(r.title, r.doc_number, r.alias) for r in find_policy_refs("学习《实施意见》(鄂发〔2023〕5号,以下简称《意见》)。")]
[('实施意见', '鄂发〔2023〕5号', '意见')]

An unclosed 《 yields nothing and hides nothing:

>>> [r.title for r in find_policy_refs("落实《甲政策积极引导,兑现《乙政策》")]
['乙政策']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def find_policy_refs(text: str) -> list[FoundRef]:
    refs: list[FoundRef] = []
    pos = 0
    while (open_at := text.find("《", pos)) >= 0:
        line_end = text.find("\n", open_at)
        line_end = len(text) if line_end < 0 else line_end
        close_at = text.find("》", open_at + 1, line_end)
        next_open = text.find("《", open_at + 1, line_end)
        if close_at < 0 or (0 <= next_open < close_at):
            pos = open_at + 1  # unclosed: no row, and the next 《 starts afresh
            continue
        end = close_at + 1
        doc_number = alias = None
        paren = _PAREN_AFTER.match(text, end)
        if paren:
            inner = paren.group(1)
            number, named = _DOC_NUMBER.search(inner), _ALIAS.search(inner)
            if number or named:
                doc_number = number.group() if number else None
                alias = named.group(1) if named else None
                end = paren.end()
        start = open_at
        refs.append(FoundRef(start, end, text[start:end], text[open_at + 1 : close_at], doc_number, alias))
        pos = end
    return refs
