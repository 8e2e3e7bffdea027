"""DOCX → text with python-docx: one line per paragraph, tables row by row, and the numbers
of Word lists written out as the document shows them (``一、`` ``(一)`` ``1.``), so the outline
of a notice typed with automatic numbering is the outline of the same notice typed by hand.

A list level's ``lvlText`` (``%1、``, ``(%1)``, ``%1.%2``) is filled with the counters of the
levels it names, each in its own level's ``numFmt``; a counter starts at the level's ``start``
and restarts when a higher level of the same list moves on.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Level:
    fmt: str
    text: str
    start: int


def docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    levels = _levels(document)
    counters: dict[str, list[int]] = {}
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        if block.tag == W + "p":
            lines.append(_marker(block, document, levels, counters) + _paragraph_text(block))
        elif block.tag == W + "tbl":
            for row in block.iter(W + "tr"):
                cells = ["".join(_paragraph_text(p) for p in cell.iter(W + "p")) for cell in row.iter(W + "tc")]
                lines.append("\t".join(cells))
    return "\n".join(lines)


def _paragraph_text(p) -> str:
    parts = []
    for node in p.iter(W + "t", W + "tab", W + "br", W + "cr"):
        parts.append(node.text or "" if node.tag == W + "t" else ("\t" if node.tag == W + "tab" else "\n"))
    return "".join(parts)


def _levels(document) -> dict[str, dict[int, Level]]:
    """numId → list level → its format, text and start."""
    try:
        numbering = document.part.numbering_part.element
    except (NotImplementedError, KeyError, AttributeError):
        return {}
    abstract = {}
    for a in numbering.iter(W + "abstractNum"):
        abstract[a.get(W + "abstractNumId")] = {int(l.get(W + "ilvl")): _level(l) for l in a.iter(W + "lvl")}
    out = {}
    for num in numbering.iter(W + "num"):
        ref = num.find(W + "abstractNumId")
        levels = dict(abstract.get(ref.get(W + "val") if ref is not None else None, {}))
        for override in num.iter(W + "lvlOverride"):
            start = override.find(W + "startOverride")
            ilvl = int(override.get(W + "ilvl"))
            if start is not None and ilvl in levels:
                levels[ilvl] = Level(levels[ilvl].fmt, levels[ilvl].text, int(start.get(W + "val")))
        out[num.get(W + "numId")] = levels
    return out


def _level(lvl) -> Level:
    def val(tag: str, default: str) -> str:
        node = lvl.find(W + tag)
        return node.get(W + "val", default) if node is not None else default

    return Level(val("numFmt", "decimal"), val("lvlText", ""), int(val("start", "1")))


def _num_pr(p, document):
    """(numId, ilvl) of a paragraph, set on it or on its style."""
    ppr = p.find(W + "pPr")
    num_pr = ppr.find(W + "numPr") if ppr is not None else None
    if num_pr is None and ppr is not None and ppr.find(W + "pStyle") is not None:
        style = document.styles.element.get_by_id(ppr.find(W + "pStyle").get(W + "val"))
        style_ppr = style.find(W + "pPr") if style is not None else None
        num_pr = style_ppr.find(W + "numPr") if style_ppr is not None else None
    if num_pr is None:
        return None
    num_id, ilvl = num_pr.find(W + "numId"), num_pr.find(W + "ilvl")
    return (num_id.get(W + "val") if num_id is not None else None, int(ilvl.get(W + "val")) if ilvl is not None else 0)


def _marker(p, document, levels, counters) -> str:
    found = _num_pr(p, document)
    if not found or found[0] not in levels or found[1] not in levels[found[0]]:
        return ""
    num_id, ilvl = found
    list_levels = levels[num_id]
    count = counters.setdefault(num_id, [0] * 9)
    count[ilvl] = count[ilvl] + 1 if count[ilvl] else list_levels[ilvl].start
    for deeper in range(ilvl + 1, 9):
        count[deeper] = 0
    level = list_levels[ilvl]
    if level.fmt in ("bullet", "none"):
        return ""

    def fill(m: re.Match) -> str:
        k = int(m.group(1)) - 1
        shown = list_levels.get(k, level)
        return _format(count[k] or shown.start, shown.fmt)

    return re.sub(r"%([1-9])", fill, level.text)


_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_HEAVENLY = "甲乙丙丁戊己庚辛壬癸"


def _format(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographDigital", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return to_chinese_numeral(n)
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return _HEAVENLY[n - 1]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return _CIRCLED[n - 1]
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    return str(n)


_DIGITS = "〇一二三四五六七八九"


def to_chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (as Word counts list items).

    >>> [to_chinese_numeral(n) for n in (1, 10, 12, 20, 99, 105)]
    ['一', '十', '十二', '二十', '九十九', '一百零五']
    """
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    tail = "" if rest == 0 else ("零" + _DIGITS[rest] if rest < 10 else ("一" if rest < 20 else "") + to_chinese_numeral(rest))
    return _DIGITS[hundreds % 10] + "百" + tail


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out
