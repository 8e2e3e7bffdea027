"""Document metadata (SPEC 1): genre, title, issuer, place, dates of the inspection, contacts.

Patterns and word lists are matched on the folded text (``match_text``: traditional characters
folded to simplified, one for one); values are cut from the document's own text at the same
positions, so a title written in traditional characters stays so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from pipeline import rules
from pipeline.fold import fold_traditional


class Metadata_(rules.RuleFile):
    """Schema of ``metadata.yaml``."""

    class DocTypes(rules.RuleFile):
        proposal_reply: tuple[str, ...]
        audit_rectification: tuple[str, ...]
        inspection_rectification: tuple[str, ...]

    doc_types: DocTypes
    self_report: tuple[str, ...]
    title_endings: tuple[str, ...]
    published_labels: tuple[str, ...]
    signed_labels: tuple[str, ...]
    source_labels: tuple[str, ...]
    address_labels: tuple[str, ...]
    postcode_labels: tuple[str, ...]
    inspection_kinds: tuple[str, ...]
    title_labels: tuple[str, ...]
    breadcrumb_marks: tuple[str, ...]
    field_furniture: tuple[str, ...]
    field_labels: tuple[str, ...]
    outlet_endings: tuple[str, ...]
    org_suffixes: tuple[str, ...]
    official_posts: tuple[str, ...]
    reporter_posts: tuple[str, ...]
    phone_labels: tuple[str, ...]


@cache
def metadata_rules() -> Metadata_:
    return rules.load("metadata", Metadata_)


HEAD_CHARS = 800


@cache
def _words(*fields: str) -> str:
    """The alternation of the words of some fields of ``metadata.yaml``, built once (a notice's
    header is read with a dozen of them)."""
    r = metadata_rules()
    return rules.alt(tuple(w for name in fields for w in getattr(r, name)))


def classify(text: str, head_end: int) -> str:
    """Genre from the title and opening paragraph (``doc_type``)."""
    head = text[: max(head_end, 0) + HEAD_CHARS]
    rules_ = metadata_rules()
    if not any(re.search(p, head, re.MULTILINE) for p in rules_.self_report):
        return "other"  # news, features and statistics about inspections speak of others
    for doc_type in ("proposal_reply", "audit_rectification", "inspection_rectification"):
        if any(re.search(p, head) for p in getattr(rules_.doc_types, doc_type)):
            return doc_type
    return "other"


@dataclass(frozen=True)
class Header:
    """What the first lines and the last lines of a notice say about it."""

    title: str | None = None
    title_span: tuple[int, int] | None = None
    issuer: str | None = None
    published_span: tuple[int, int] | None = None  # where the web date is written
    signed_span: tuple[int, int] | None = None  # the date line under the signature
    contact_phones: list[str] = field(default_factory=list)
    contact_emails: list[str] = field(default_factory=list)
    contact_address: str | None = None
    postcode: str | None = None


_PHONE = re.compile(r"(?<![\d-])(?:\(?0\d{2,3}\)?[ \t]*[-—–][ \t]*\d{7,8}|0\d{2,3}[ \t]\d{7,8}|1[3-9]\d{9}|\d{3,4}-\d{7,8})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_ISO_OR_CN_DATE = re.compile(r"\d{4}(?:[-/.]\d{1,2}[-/.]\d{1,2}|年\d{1,2}月\d{1,2}日)")
_ORG = re.compile(r"^[ \t]*([\u4e00-\u9fff()][\u4e00-\u9fff() \t]{1,60}[\u4e00-\u9fff)])[ \t]*$")
_DATE_ONLY = re.compile(r"^[ \t]*(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|[〇零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日)[ \t]*$")


def read_header(text: str, body_start: int, body_end: int, match_text: str | None = None) -> Header:
    match = fold_traditional(text) if match_text is None else match_text
    head = text[:body_start]
    tail_start = body_end
    title, title_span = _title(head, match[:body_start])
    published_span = None
    label = re.compile(_not_inside_signed_label() + _words("published_labels") + r"[ \t]*[:：][ \t]*(" + _ISO_OR_CN_DATE.pattern + ")")
    for region_start, region in ((0, match[:body_start]), (tail_start, match[tail_start:])):
        m = label.search(region)
        if m:
            published_span = (region_start + m.start(1), region_start + m.end(1))
            break
    if published_span is None:  # the date on the source line under the title: 来源:某局 2017-11-14, 2021-11-10 来源:…
        published_span = _source_line_date(match, min(body_start, 600))
    signed_span = None
    tail_lines = _lines_from(text, tail_start)
    for start, end in reversed(tail_lines):
        if _DATE_ONLY.match(match[start:end]):
            s = start + len(text[start:end]) - len(text[start:end].lstrip())
            signed_span = (s, start + len(text[start:end].rstrip()))
            break
    if signed_span is None:
        signed_span = _signature_date(match) or _signed_label_date(match, min(body_start, 2000))
    issuer = _issuer(text, match, title_span, tail_lines, signed_span, body_start)
    tail = text[tail_start:]
    address = None
    m = re.search(_words("address_labels") + r"[ \t]*[:：][ \t]*([^;;,,。()\n]{4,80})", match[tail_start:])
    if m:
        address = tail[m.start(1) : m.end(1)].strip()
    postcode = None
    m = re.search(_words("postcode_labels") + r"[ \t]*[:：][ \t]*(\d{6})(?!\d)", match[tail_start:])
    if m:
        postcode = m.group(1)
    return Header(
        title=title,
        title_span=title_span,
        issuer=issuer,
        published_span=published_span,
        signed_span=signed_span,
        contact_phones=_phones(tail, match[tail_start:]),
        contact_emails=_unique(m.group() for m in _EMAIL.finditer(tail)),
        contact_address=address,
        postcode=postcode,
    )


@cache
def _not_inside_signed_label() -> str:
    """Lookbehinds that keep 日期 of 成文日期 from reading as a publication label."""
    r = metadata_rules()
    heads = {signed[: -len(p)] for signed in r.signed_labels for p in r.published_labels if signed.endswith(p) and len(signed) > len(p)}
    return "".join(f"(?<!{re.escape(h)})" for h in sorted(heads))


def _signed_label_date(match: str, end: int) -> tuple[int, int] | None:
    m = re.compile(_words("signed_labels") + r"[ \t]*[:：]?[ \t|]*(" + _ISO_OR_CN_DATE.pattern + ")").search(match, 0, end)
    return (m.start(1), m.end(1)) if m else None


def _signature_date(match: str) -> tuple[int, int] | None:
    """A date alone on its line right under an organisation's name or an official's byline,
    wherever it stands (an excerpt may go on into an annex after the signature)."""
    signer = r"(?:" + _ORG.pattern.strip("^$") + r")"
    m = re.compile(r"^" + signer + r"\n(?:[ \t]*\n)?(" + _DATE_ONLY.pattern.strip("^$") + r")$", re.MULTILINE).search(match)
    if not m:
        return None
    line = m.group(m.lastindex)
    s = m.start(m.lastindex) + len(line) - len(line.lstrip())
    return s, m.start(m.lastindex) + len(line.rstrip())


def _source_line_date(match: str, end: int) -> tuple[int, int] | None:
    source = re.compile(_words("source_labels") + r"[ \t]*[:：]")
    for start, line_end in _lines_from(match[:end], 0):
        if source.search(match, start, line_end):
            m = _ISO_OR_CN_DATE.search(match, start, line_end)
            if m:
                return m.start(), m.end()
    return None


def _phones(tail: str, tail_match: str) -> list[str]:
    """Phone numbers of the contact lines: numbers shaped like phones, and any number of five or
    more digits right after a phone label (``监督电话:12388``), in the order they stand."""
    found = [(m.start(), m.group()) for m in _PHONE.finditer(tail)]
    labelled = re.compile(_words("phone_labels") + r"[ \t]*[:：]?[ \t]*(\d{5,12})(?![\d-])")
    found += [(m.start(1), tail[m.start(1) : m.end(1)]) for m in labelled.finditer(tail_match)]
    return _unique(number for _, number in sorted(found))


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))


def _lines_from(text: str, start: int) -> list[tuple[int, int]]:
    out, pos = [], start
    while pos <= len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        out.append((pos, end))
        pos = end + 1
    return out


def _title(head: str, head_match: str) -> tuple[str | None, tuple[int, int] | None]:
    """The title line, from the strongest evidence to the weakest: a labelled title (``标 题: …``);
    a line before the body that says ``关于`` and names a genre (…的通报, …的函); a headline on
    the first line or next to the page's date line; a short line near the top that names a genre."""
    lines = [(s, e) for s, e in _lines_from(head, 0) if head_match[s:e].strip() and not _is_breadcrumb(head_match[s:e])]
    for start, end in lines:
        m = _title_label().search(head_match, start, end)
        if m:
            cleaned = clean_field(head[m.start(1) : m.end(1)], labels=False) or ""
            return _span_value(head, m.start(1), m.start(1) + len(cleaned))
    found = _genre_line(head, head_match, lines, strong=True)
    if found[0] is None:
        found = _headline(head, head_match, lines)
    if found[0] is None:
        found = _genre_line(head, head_match, lines[:TOP_LINES], strong=False)
    return found


TOP_LINES = 8  # a title without 关于 is looked for this near the top


def _genre_line(head: str, head_match: str, lines: list[tuple[int, int]], *, strong: bool) -> tuple[str | None, tuple[int, int] | None]:
    endings = metadata_rules().title_endings
    for k, (start, end) in enumerate(lines):
        line = head_match[start:end].strip()
        if not (6 <= len(line) <= 150) or "。" in line or line.endswith((":", ":")) or not line.endswith(endings):
            continue
        if strong and "关于" in line:
            return _line_span(head, head_match, start, end)
        if not strong and len(line) <= 60:
            above = head_match[lines[k - 1][0] : lines[k - 1][1]].strip() if k else ""
            if "关于" in above and len(above) <= 40 and not re.search(r"[。,;:]", above):
                return _line_span(head, head_match, *lines[k - 1])  # a title wrapped over two lines: its first line
            return _line_span(head, head_match, start, end)
    return None, None


def _line_span(head: str, head_match: str, start: int, end: int) -> tuple[str, tuple[int, int]]:
    line = head_match[start:end].strip()
    s = start + head_match[start:end].index(line)
    return head[s : s + len(line)], (s, s + len(line))


def _span_value(text: str, start: int, end: int) -> tuple[str | None, tuple[int, int] | None]:
    value = text[start:end]
    s = start + len(value) - len(value.lstrip(" \t|"))
    e = start + len(value.rstrip(" \t|"))
    return (text[s:e], (s, e)) if e - s >= 4 else (None, None)


@cache
def _title_label() -> re.Pattern[str]:
    labels = "|".join("[ \t]*".join(map(re.escape, label)) for label in metadata_rules().title_labels)
    return re.compile(r"(?:^|[|\s])(?:" + labels + r")[ \t]*[:：][ \t|]*([^|\n]{4,150})")


def _is_breadcrumb(line: str) -> bool:
    return any(mark in line for mark in metadata_rules().breadcrumb_marks)


_HEADLINE_NOT = re.compile(r"[。,;!?|\t]|[:：].*[:：]|[:：]$|\d{4}[-/.年]\d{1,2}|^\d{1,2}月\d{1,2}日")  # sentences, table rows, labels, dates


def _headline(head: str, head_match: str, lines: list[tuple[int, int]]) -> tuple[str | None, tuple[int, int] | None]:
    """A news headline: the first line, or the line just above or below the page's date line, when
    it is short, has no sentence punctuation, date or label, is no byline, and text follows it (a
    short line further down is a crosshead or a caption)."""
    candidates = lines[:1]
    dated = next((k for k, (s, e) in enumerate(lines[:TOP_LINES * 2]) if _date_label().search(head_match, s, e)), None)
    if dated is not None:
        candidates = [lines[k] for k in (dated - 1, dated + 1) if 0 <= k < len(lines)] + candidates
    for start, end in candidates:
        line = head_match[start:end].strip()
        if not (6 <= len(line) <= 60) or _HEADLINE_NOT.search(line) or _is_label_line(line) or _is_byline(line):
            continue
        if len(re.findall(r"[\u4e00-\u9fff]", line)) < 8 or len(head_match) - end < 40:
            continue  # too little of it is words, or nothing follows
        return _line_span(head, head_match, start, end)
    return None, None


@cache
def _date_label() -> re.Pattern[str]:
    return re.compile(_words("published_labels", "source_labels") + r"[ \t]*[:：]")


def _is_label_line(line: str) -> bool:
    labels = _words("published_labels", "source_labels", "title_labels", "field_labels", "field_furniture")
    return bool(re.match(labels + r"[ \t]*[:：]", line)) or line.startswith(("【", "["))


def _is_byline(line: str) -> bool:
    return bool(re.search(_words("official_posts", "reporter_posts") + r"[ \t]*[\u4e00-\u9fff·]{2,4}$", line))


@cache
def _org_name() -> str:
    """An organisation's name: Chinese characters ending in an organisation suffix."""
    return r"[\u4e00-\u9fff()]{1,40}?" + _words("org_suffixes")


def _official_byline(text: str, match: str, head_end: int) -> str | None:
    """``汕头市潮阳区审计局局长 郑创平`` above a report: the official's organisation."""
    byline = re.compile(r"^[ \t]*(" + _org_name() + ")" + _words("official_posts") + r"[ \t]*[\u4e00-\u9fff·]{2,4}[ \t]*$", re.MULTILINE)
    m = byline.search(match, 0, min(head_end, 600))
    return text[m.start(1) : m.end(1)] if m else None


def _closing_credit(text: str, match: str) -> str | None:
    """A news item's closing credit naming an organisation: ``…打下坚实基础。(县委巡察办)``."""
    m = re.compile(r"[((](" + _org_name() + r")[))][ \t\n]*$").search(match[-200:])
    if not m:
        return None
    offset = len(match) - len(match[-200:])
    return text[offset + m.start(1) : offset + m.end(1)]


def _issuer(text: str, match: str, title_span, tail_lines, signed_span, body_start: int) -> str | None:
    if title_span:
        issuer = _title_issuer(text, match, *title_span)
        if issuer:
            return issuer
    if signed_span:
        # The signature is the line just above the date under it.
        above = [(s, e) for s, e in tail_lines if e <= signed_span[0] and text[s:e].strip()]
        if above:
            m = _ORG.match(text[above[-1][0] : above[-1][1]])
            if m:
                return m.group(1).strip()
    labels = _words("source_labels")
    for start, end in ((tail_lines[0][0], len(text)) if tail_lines else (0, 0), (0, body_start)):
        for m in re.compile(r"(?<![信息])" + labels + r"[ \t]*[:：][ \t|]*([^\s::,,。;;|]{2,40})").finditer(match, start, end):
            value = clean_field(text[m.start(1) : m.end(1)])
            if value and _is_organisation(value):
                return value
    return _closing_credit(text, match) or _official_byline(text, match, body_start)


def _title_issuer(text: str, match: str, title_start: int, title_end: int) -> str | None:
    """``X关于…``: X; ``X对Y《…》…``: X up to its first organisation suffix before 对."""
    quote = match.find("《", title_start, title_end)
    stop = quote if quote >= 0 else title_end
    at = match.find("关于", title_start, stop)
    if at >= 0:
        issuer = text[title_start:at].strip()
    elif quote >= 0:
        m = re.compile(r"(.{2,60}?" + _words("org_suffixes") + r")对").match(match, title_start, quote)
        issuer = text[m.start(1) : m.end(1)] if m else ""
    else:  # 市交通委2017年度建议提案办理工作情况: the organisation before the year
        m = re.compile("(" + _org_name() + r")(?=\d{4}年)").match(match, title_start, title_end)
        issuer = text[m.start(1) : m.end(1)] if m else ""
    issuer = clean_field(issuer) or ""
    return issuer if len(issuer) >= 2 else None


def clean_field(value: str | None, *, labels: bool = True) -> str | None:
    """A header value without the page furniture that follows it on its line (字号, 浏览次数, 【…)
    and, unless ``labels`` is false (a title may say 时间), without a label that follows it."""
    if not value:
        return value
    m = re.compile(_words("field_furniture", "field_labels") if labels else _words("field_furniture")).search(fold_traditional(value))
    if m:
        value = value[: m.start()]
    value = value.strip(" \t|:：")
    return value or None


def _is_organisation(value: str) -> bool:
    """A source label's value that can be an issuer: Chinese, not 本网/本站, not only an outlet's name."""
    folded = fold_traditional(value)
    if len(re.findall(r"[\u4e00-\u9fff]", folded)) < 2 or re.search(r"本网|本站", folded):
        return False
    return not folded.endswith(metadata_rules().outlet_endings)


# --- the inspection ---------------------------------------------------------------

_BODY = re.compile(
    r"(?:中央|省委|市委|州委|区委|县委|旗委|盟委|党委|党组|工委)?"
    r"第[一二三四五六七八九十百\d]+(?:机动|专项|联动)?巡[察视]组"
)


@dataclass(frozen=True)
class Inspection:
    body: str | None = None
    body_span: tuple[int, int] | None = None
    kind: str | None = None
    topic: str | None = None


def read_inspection(text: str, preamble: tuple[int, int], match_text: str | None = None) -> Inspection:
    match = fold_traditional(text) if match_text is None else match_text
    start, end = preamble
    region = match[start:end]
    m = _BODY.search(region)
    body = text[start + m.start() : start + m.end()] if m else None
    body_span = (start + m.start(), start + m.end()) if m else None
    kind, topic = _kind_and_topic(text, match, start, end)
    if kind is None:
        kind, topic = _kind_and_topic(text, match, 0, len(text))
    if kind is None and body:
        kind = "机动巡察" if "机动" in region[m.start() : m.end()] else None
    if kind is None and "巡视" in region and "巡察" not in region:
        kind = "巡视"
    return Inspection(body, body_span, kind, topic)


def _kind_and_topic(text: str, match: str, start: int, end: int) -> tuple[str | None, str | None]:
    m = re.compile(_words("inspection_kinds")).search(match, start, end)
    if not m:
        return None, None
    kind = text[m.start() : m.end()]
    topic = None
    if m.group().startswith("专项"):
        t = re.compile(r"(?:开展了?|进行了?|落实|实施了?)([^,,。;;、]{2,40}?)专项巡[察视]").search(match, start, end)
        if t:
            topic = text[t.start(1) : t.end(1)].strip()
    return kind, topic
