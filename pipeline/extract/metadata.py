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
from pipeline.normalize import fold_traditional


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
    source_labels: tuple[str, ...]
    address_labels: tuple[str, ...]
    postcode_labels: tuple[str, ...]
    inspection_kinds: tuple[str, ...]


@cache
def metadata_rules() -> Metadata_:
    return rules.load("metadata", Metadata_)


HEAD_CHARS = 800


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
    r = metadata_rules()
    match = fold_traditional(text) if match_text is None else match_text
    head = text[:body_start]
    tail_start = body_end
    title, title_span = _title(head, match[:body_start])
    published_span = None
    label = re.compile(rules.alt(r.published_labels) + r"[ \t]*[:：][ \t]*(" + _ISO_OR_CN_DATE.pattern + ")")
    for region_start, region in ((0, match[:body_start]), (tail_start, match[tail_start:])):
        m = label.search(region)
        if m:
            published_span = (region_start + m.start(1), region_start + m.end(1))
            break
    signed_span = None
    tail_lines = _lines_from(text, tail_start)
    for start, end in reversed(tail_lines):
        if _DATE_ONLY.match(match[start:end]):
            s = start + len(text[start:end]) - len(text[start:end].lstrip())
            signed_span = (s, start + len(text[start:end].rstrip()))
            break
    issuer = _issuer(text, match, title_span, tail_lines, signed_span, body_start)
    tail = text[tail_start:]
    address = None
    m = re.search(rules.alt(r.address_labels) + r"[ \t]*[:：][ \t]*([^;;,,。()\n]{4,80})", match[tail_start:])
    if m:
        address = tail[m.start(1) : m.end(1)].strip()
    postcode = None
    m = re.search(rules.alt(r.postcode_labels) + r"[ \t]*[:：][ \t]*(\d{6})(?!\d)", match[tail_start:])
    if m:
        postcode = m.group(1)
    return Header(
        title=title,
        title_span=title_span,
        issuer=issuer,
        published_span=published_span,
        signed_span=signed_span,
        contact_phones=_unique(m.group() for m in _PHONE.finditer(tail)),
        contact_emails=_unique(m.group() for m in _EMAIL.finditer(tail)),
        contact_address=address,
        postcode=postcode,
    )


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
    """The title line: in the lines before the body, one that names a genre (…的通报, …的函)."""
    endings = metadata_rules().title_endings
    for start, end in _lines_from(head, 0):
        line = head_match[start:end].strip()
        if not (6 <= len(line) <= 150) or "。" in line or line.endswith((":", ":")):
            continue
        if line.endswith(endings) and ("关于" in line or len(line) <= 60):
            s = start + head_match[start:end].index(line)
            return head[s : s + len(line)], (s, s + len(line))
    return None, None


def _issuer(text: str, match: str, title_span, tail_lines, signed_span, body_start: int) -> str | None:
    if title_span:
        title_start, title_end = title_span
        at = match.find("关于", title_start, title_end)
        issuer = text[title_start:at].strip() if at >= 0 else ""
        if len(issuer) >= 2:
            return issuer
    if signed_span:
        # The signature is the line just above the date under it.
        above = [(s, e) for s, e in tail_lines if e <= signed_span[0] and text[s:e].strip()]
        if above:
            m = _ORG.match(text[above[-1][0] : above[-1][1]])
            if m:
                return m.group(1).strip()
    labels = rules.alt(metadata_rules().source_labels)
    for start, end in ((tail_lines[0][0], len(text)) if tail_lines else (0, 0), (0, body_start)):
        m = re.compile(r"(?<![信息])" + labels + r"[ \t]*[:：][ \t]*([^\s::,,。;;]{2,40})").search(match, start, end)
        if m and not re.search(r"本网|本站", m.group(1)):
            return text[m.start(1) : m.end(1)]
    return None


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
    kinds = metadata_rules().inspection_kinds
    m = re.compile(rules.alt(kinds)).search(match, start, end)
    if not m:
        return None, None
    kind = text[m.start() : m.end()]
    topic = None
    if m.group().startswith("专项"):
        t = re.compile(r"(?:开展了?|进行了?|落实|实施了?)([^,,。;;、]{2,40}?)专项巡[察视]").search(match, start, end)
        if t:
            topic = text[t.start(1) : t.end(1)].strip()
    return kind, topic
