"""PDF → text with pdfminer.six: one line per paragraph, page breaks and running headers and
footers removed (offsets of every row refer to this text).

pdfminer's layout analysis gives each page's text lines with their boxes.  A line continues
the paragraph above it when that line reached the right edge of the text block and no larger
gap separates them; this also joins a paragraph that a page break cut in two.  A line in the top
or bottom band of a page is furniture when it recurs (digits aside) on other pages, or when it
is a page number (``3``, ``- 3 -``, ``3/12``, ``第3页 共12页``).
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass

BAND = 0.09  # share of the page height at top and bottom where running heads and feet stand
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:page\s*|第\s*)?\d+\s*(?:页)?\s*(?:(?:/|of|共)\s*\d+\s*页?)?[-—–\s]*$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


class NoTextLayer(Exception):
    """A PDF whose pages carry no text (a scan)."""


@dataclass(frozen=True)
class Line:
    page: int
    text: str
    x0: float
    x1: float
    top: float  # distance from the top of the page
    height: float
    band: bool  # in the top or bottom band of its page


def pdf_text(data: bytes) -> str:
    """The text of a PDF, one paragraph per line; raises NoTextLayer for a PDF with none."""
    lines, n_pages = _lines(data)
    lines = _drop_furniture(lines, n_pages)
    if not lines:
        raise NoTextLayer(f"{n_pages} page{'s' if n_pages != 1 else ''} and no text layer (a scan?); zhenggai does not OCR")
    return "\n".join(_paragraphs(lines))


def _lines(data: bytes) -> tuple[list[Line], int]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer, LTTextLine

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    out: list[Line] = []
    n_pages = 0
    for number, page in enumerate(extract_pages(io.BytesIO(data))):
        n_pages += 1
        height = page.height or 1.0
        for box in page:
            if not isinstance(box, LTTextContainer):
                continue
            for line in box:
                if not isinstance(line, LTTextLine):
                    continue
                text = line.get_text().strip()
                if text:
                    top = height - line.y1
                    band = top < BAND * height or line.y0 < BAND * height
                    out.append(Line(number, text, line.x0, line.x1, top, line.y1 - line.y0, band))
    return out, n_pages


def _drop_furniture(lines: list[Line], n_pages: int) -> list[Line]:
    shapes = Counter((_DIGITS.sub("#", l.text), l.page) for l in lines if l.band)
    pages_of = Counter(shape for shape, _ in shapes)
    recurring = {shape for shape, n in pages_of.items() if n >= 2 and n >= n_pages / 2}
    return [l for l in lines if not (l.band and (_PAGE_NUMBER.match(l.text) or _DIGITS.sub("#", l.text) in recurring))]


def _paragraphs(lines: list[Line]) -> list[str]:
    """Join the lines of each paragraph: CJK lines directly, Latin words with a space."""
    # The right edge of the text block: where full lines end (a long address may overflow it).
    ends = sorted(l.x1 for l in lines)
    right = ends[int(0.95 * (len(ends) - 1))] if len(ends) >= 20 else ends[-1]
    steps = sorted(b.top - a.top for a, b in zip(lines, lines[1:]) if a.page == b.page and b.top - a.top > 0.5 * a.height)
    pitch = steps[len(steps) // 4] if steps else 0.0  # the usual distance of two lines of one paragraph
    paragraphs: list[list[str]] = []
    previous: Line | None = None
    for l in lines:
        if previous is not None and _continues(previous, l, right, pitch):
            glue = " " if re.match(r"[A-Za-z0-9]", l.text) and re.search(r"[A-Za-z0-9,.;:]$", paragraphs[-1][-1]) else ""
            paragraphs[-1].append(glue + l.text)
        else:
            paragraphs.append([l.text])
        previous = l
    return ["".join(p) for p in paragraphs]


# What a line breaker must carry to the next line whole: a run of Latin letters and digits
# (``“12218”``, ``725.4``), or a character with the closing punctuation that may not start a line.
_LATIN_RUN = re.compile(r"[^A-Za-z0-9]{0,2}?[“‘\"'《(\[〔]?[A-Za-z0-9.,%:;/\-+~@_#&=?]+[”’\"')》\]〕]?")
_KINSOKU = re.compile(r"[“‘《(\[〔]?[^A-Za-z0-9一二三四五六七八九十]{1,3}?[。,、;:!?”’)》\]〕…]+")


def _unbreakable_width(text: str, size: float) -> float:
    m = _LATIN_RUN.match(text)
    if m:
        return 0.6 * size * len(m.group())
    m = _KINSOKU.match(text)
    return size * len(m.group()) if m else 0.0


def _continues(above: Line, line: Line, right_edge: float, pitch: float) -> bool:
    """``line`` goes on with the paragraph of ``above``."""
    size = max(above.height, 1.0)
    if above.x1 < right_edge - 1.5 * size - _unbreakable_width(line.text, size):  # the line above ended short
        return False
    if line.x0 > above.x0 + 1.5 * size:  # indented further: a new paragraph (or a quote)
        return False
    if line.page == above.page and line.top - above.top > max(1.4 * pitch, 1.2 * size):  # more space than between lines
        return False
    return True
