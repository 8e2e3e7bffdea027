"""Web pages → the text of the notice they carry (part of stage 1, normalize).

The main text is the block readability-lxml chooses (it drops menus, breadcrumbs, sidebars,
share bars, 上一篇/下一篇 and footers, and keeps the block's markup, so every paragraph,
heading and ``<br>`` stays a line of its own), reduced to text one line per block.  That
block rarely holds the page's own header, so the title (``<h1>``, else the ``ArticleTitle``/``og:title``
meta tag, else ``<title>``) and the date line under it (``发布时间:2025-03-28 来源:…``, else a
``PubDate``-style meta tag) are put back in front of it, so the notice reads as it does on
the page.  Offsets of every row refer to this extracted text.

>>> page = page_text(
...     '<html><head><meta name="PubDate" content="2024-11-08 16:20"></head><body>'
...     '<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>'
...     '<h1>关于巡察整改进展情况的通报</h1><div class="share">分享到:<a>微信</a></div>'
...     '<div id="zoom"><p>一、整改任务落实情况</p>'
...     '<p>1.学习不深入的问题。一是组织专题学习,全年开展集中学习12次,覆盖全体党员干部。</p>'
...     '<p>2.制度执行不严格的问题。一是修订议事规则,明确集体决策事项,开展专项检查2次。</p></div>'
...     '<div class="footer">版权所有:某市人民政府</div></body></html>')
>>> print(page.text)
发布时间:2024-11-08
<BLANKLINE>
首页 政务公开
关于巡察整改进展情况的通报
分享到:微信
一、整改任务落实情况
1.学习不深入的问题。一是组织专题学习,全年开展集中学习12次,覆盖全体党员干部。
2.制度执行不严格的问题。一是修订议事规则,明确集体决策事项,开展专项检查2次。

On a page this small readability keeps the whole body; the canonical text (SPEC 0) then drops
the menu and share lines as it does on any text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser

from pipeline import rules
from pipeline.fold import fold_traditional  # 發佈時間 is 发布时间


@dataclass(frozen=True)
class PageText:
    text: str
    title: str | None
    published: str | None  # the date as the page writes it
    extractor: str  # "readability", or "visible" when the page text had to be taken whole
    url: str | None = None  # <link rel="canonical">, else the og:url meta tag


class _PageScan(HTMLParser):
    """One pass over the markup: visible text one line per block, plus title, h1 and meta tags."""

    _BLOCKS = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table", "ul", "ol", "header", "footer", "nav", "aside", "main", "dd", "dt", "form"}
    _HIDDEN = {"script", "style", "noscript", "template", "title", "textarea", "select", "svg"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden: list[str] = []
        self.meta: dict[str, str] = {}
        self.title_parts: list[str] = []
        self.h1_parts: list[str] | None = None
        self.h1: str | None = None
        self.canonical: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "meta":
            named = dict(attrs)
            key = (named.get("name") or named.get("property") or named.get("itemprop") or "").lower()
            if key and named.get("content") and key not in self.meta:
                self.meta[key] = named["content"].strip()
            return
        if tag == "link" and self.canonical is None:
            named = dict(attrs)
            if "canonical" in (named.get("rel") or "").lower().split() and (named.get("href") or "").strip():
                self.canonical = named["href"].strip()
            return
        if tag in self._HIDDEN:
            self.hidden.append(tag)
        if tag in self._BLOCKS:
            self.parts.append("\n")
        if tag == "h1" and self.h1 is None:
            self.h1_parts = []

    def handle_endtag(self, tag: str) -> None:
        if self.hidden and tag == self.hidden[-1]:
            self.hidden.pop()
        if tag in self._BLOCKS:
            self.parts.append("\n")
        if tag == "h1" and self.h1_parts is not None:
            self.h1 = " ".join("".join(self.h1_parts).split()) or None
            self.h1_parts = None

    def handle_data(self, data: str) -> None:
        if self.hidden:
            if self.hidden[-1] == "title":
                self.title_parts.append(data)
            return
        # White space in markup is a single space (the full-width \u3000 is text, and stays).
        data = _HTML_SPACE.sub(" ", data)
        self.parts.append(data)
        if self.h1_parts is not None:
            self.h1_parts.append(data)


_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


def _scan(markup: str) -> tuple[str, _PageScan]:
    scan = _PageScan()
    scan.feed(markup)
    scan.close()
    lines = (line.strip(" ") for line in "".join(scan.parts).split("\n"))
    return "\n".join(line for line in lines if line), scan


_TITLE_META = ("articletitle", "og:title", "dc.title", "title")
_DATE_META = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "dc.date", "dcterms.created", "maketime", "publishtime", "date")
_META_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_SITE_SUFFIX = re.compile(r"[ \t]*[-_|—–][^-_|—–]*(?:网|网站|门户|政府|人民政府|局|委员会|办公室)[ \t]*$")


@cache
def _date_line() -> re.Pattern[str]:
    labels = rules.alt(rules.load("metadata", _PublishedLabels).published_labels)
    return re.compile(r"^[^\n]{0,60}?" + labels + r"[ \t\u3000]*[:：][ \t\u3000]*\d{4}(?:[-/.]\d{1,2}[-/.]\d{1,2}|年\d{1,2}月\d{1,2}日)[^\n]{0,80}$", re.MULTILINE)


class _PublishedLabels(rules.RuleFile):
    """The part of ``metadata.yaml`` this module needs (other keys are read elsewhere)."""

    model_config = rules.RuleFile.model_config | {"extra": "ignore"}
    published_labels: tuple[str, ...]


def page_text(markup: str, *, max_main_chars: int = 4_000_000) -> PageText:
    """The notice on a page: title line, date line, then the main text."""
    visible, scan = _scan(markup)
    main, extractor = _main_text(markup, visible, max_main_chars)
    title = _title(scan)
    # The date line is looked for above the main text, found by a line long enough to be its own.
    lines = main.split("\n", 10)[:10]
    anchor = next((line for line in lines if len(line.strip()) >= 15), lines[0])[:30]
    before_main = visible[: max(0, visible.find(anchor))] if anchor else visible
    date_line, published = _published(before_main[-5000:], scan.meta)
    head = []
    if title and title not in main[:1000]:
        head.append(title)
    if date_line and date_line not in main[:2000]:
        head.append(date_line)
    text = "\n".join(head) + ("\n\n" if head and main else "") + main
    url = scan.canonical or scan.meta.get("og:url") or None
    return PageText(text=text, title=title, published=published, extractor=extractor, url=url)


def _title(scan: _PageScan) -> str | None:
    if scan.h1 and len(scan.h1) >= 4:
        return scan.h1
    for key in _TITLE_META:
        if scan.meta.get(key):
            return " ".join(scan.meta[key].split())
    title = " ".join("".join(scan.title_parts).split())
    title = _SITE_SUFFIX.sub("", title)
    return title or None


def _published(visible: str, meta: dict[str, str]) -> tuple[str | None, str | None]:
    """The page's own date line as written, else a line made from a date meta tag."""

    m = _date_line().search(fold_traditional(visible))
    if m:
        line = " ".join(visible[m.start() : m.end()].split())
        return line, line
    for key in _DATE_META:
        found = _META_DATE.search(meta.get(key, ""))
        if found:
            year, month, day = found.groups()
            date = f"{year}-{int(month):02d}-{int(day):02d}"
            return f"发布时间:{date}", date
    return None, None


# readability's tree and scores cost about 500 bytes a tag: a page of many small elements (a
# table of 350 000 cells in 4 MB) would take 50 times its size, so such a page is read as its
# visible text, which one streaming pass gives in about 15 times its size.
MAX_MAIN_TAGS = 50_000


def _main_text(markup: str, visible: str, max_main_chars: int) -> tuple[str, str]:
    # readability builds an lxml tree; on a page too large or too odd for it, or one where it
    # finds no main text, the visible text is the honest fallback (canonicalize still drops
    # the furniture lines it knows).
    if len(markup) <= max_main_chars and markup.count("<") <= MAX_MAIN_TAGS:
        try:
            from readability import Document

            main, _ = _scan(Document(markup).summary(html_partial=True))
        except Exception:  # the library's failure on one page must not lose the page
            main = ""
        if main.strip():
            return main, "readability"
    return visible, "visible"
