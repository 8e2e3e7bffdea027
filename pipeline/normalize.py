"""Stage 1: bytes → decoded text → canonical text with a map back to the input.

>>> canon = canonicalize("１２３４５万元\\r\\n\\r\\n\\r\\n　正文  ")
>>> canon.text
'12345万元\\n\\n 正文'
>>> canon.raw_span(0, 5)
(0, 5)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import PurePath

from charset_normalizer import from_bytes

from pipeline import rules
from pipeline.offsets import OffsetChain, OffsetMap, apply_edits, regex_edits

DEFAULT_MAX_BYTES = 16 * 1024 * 1024


class InputRejected(Exception):
    """An input that cannot become a document; ``reason`` is a rejects.reason value."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class DecodedDocument:
    """The input as text: what raw offsets point into."""

    source: str
    doc_id: str
    size_bytes: int
    encoding: str
    raw_text: str


@dataclass(frozen=True)
class CanonicalText:
    """The canonical text of SPEC 0, plus what is needed to trace spans back."""

    text: str
    match: str  # same length as text, traditional characters folded to simplified
    chain: OffsetChain

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        return self.chain.span(start, end)


def doc_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


# --- decoding -------------------------------------------------------------------

_HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
_HTML_SNIFF = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<meta|<div|<p[\s>]|<!--)", re.IGNORECASE)


def decode(data: bytes, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> DecodedDocument:
    """Decode the bytes of one input file; raise InputRejected when it is no text."""
    if len(data) > max_bytes:
        raise InputRejected("too_large", f"{len(data)} bytes, more than the limit of {max_bytes}")
    if not data.strip():
        raise InputRejected("empty", "the file is empty" if not data else "the file holds only white space")
    text, encoding = _decode_text(data)
    if _looks_like_html(data, source):
        text = html_to_text(text)
        encoding += "+html"
    if not text.strip():
        raise InputRejected("empty", "no text remains after decoding")
    return DecodedDocument(source=source, doc_id=doc_id_of(data), size_bytes=len(data), encoding=encoding, raw_text=text)


def _decode_text(data: bytes) -> tuple[str, str]:
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec), codec.replace("-sig", "-bom")
            except UnicodeDecodeError as exc:
                raise InputRejected("undecodable", f"starts with a {codec} byte-order mark but is not {codec}: {exc.reason}")
    utf16 = _utf16_without_bom(data)
    if utf16 and _control_ratio(utf16[0]) < 0.01:
        return utf16
    if _control_byte_ratio(data) > 0.05:
        raise InputRejected("binary", "holds control bytes that text does not: not a text file")
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = _detect(data)
    if _control_ratio(text) > 0.05:
        raise InputRejected("binary", "mostly control characters: not a text file")
    return text, encoding


_CONTROL_BYTES = bytes(range(0, 9)) + bytes(range(14, 32)) + b"\x7f"


def _control_byte_ratio(data: bytes) -> float:
    sample = data[:65536]
    return (len(sample) - len(sample.translate(None, _CONTROL_BYTES))) / max(1, len(sample))


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text without a mark shows NUL in every other byte of its ASCII."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) > len(zeros) * 0.3 and other.count(0) < len(other) * 0.05:
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                return None
    return None


def _detect(data: bytes) -> tuple[str, str]:
    # Chinese pages that are not UTF-8 are nearly always GB2312/GBK/GB18030 or Big5;
    # GB18030 is a superset of the first two, so try it before asking the detector.
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise InputRejected("undecodable", "no text encoding fits these bytes")
    encoding = best.encoding
    if encoding in {"gb2312", "gbk", "hz"}:
        encoding = "gb18030"
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputRejected("undecodable", f"detected {encoding} but could not decode: {exc}")


def _control_ratio(text: str) -> float:
    sample = text[:65536]
    if not sample:
        return 0.0
    controls = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f\v")
    return controls / len(sample)


def _looks_like_html(data: bytes, source: str) -> bool:
    return PurePath(source).suffix.lower() in _HTML_SUFFIXES or bool(_HTML_SNIFF.match(data[:2048].lstrip(b"\xef\xbb\xbf")))


class _TextOfHtml(HTMLParser):
    """The visible text of a page, one line per block element."""

    _BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table", "ul", "ol", "title", "header", "footer"}
    _HIDDEN = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self._HIDDEN and tag != "head":
            self.hidden += 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and tag != "head":
            self.hidden = max(0, self.hidden - 1)
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


# --- canonical text -------------------------------------------------------------

# Invisible characters and C0 controls other than line breaks and tabs go.
_INVISIBLE = re.compile(r"[\ufeff\u200b-\u200d\u2060\u00ad\x00-\x08\x0e-\x1f\x7f]+")
# Characters NFKC leaves alone in practice: ASCII, CJK ideographs, kana, the CJK punctuation
# the spec keeps, and circled numbers (level-4 markers ①, kept although NFKC would make them digits).
_STABLE = "\x00-\x7f\u4e00-\u9fff\u3001-\u3003\u3008-\u3011\u3014-\u301b\u201c\u201d\u2018\u2019\u2460-\u2473\u2014\u2026\u00b7"
_COMBINING = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a"
_NFKC_CLUSTER = re.compile(f"[^{_STABLE}][{_COMBINING}]*|.[{_COMBINING}]+", re.DOTALL)
_NEWLINE = re.compile(r"\r\n|[\r\u2028\u2029\x0b\x0c\x85]")
_TRAILING_SPACE = re.compile(r"[ \t]+(?=\n|\Z)")
_BLANK_RUNS = re.compile(r"\A\n+|\n+\Z|(?<=\n\n)\n+")


@cache
def _furniture() -> tuple[re.Pattern[str], re.Pattern[str]]:
    spec = rules.load("boilerplate", rules.Boilerplate)
    lines = re.compile("^(?:" + "|".join(f"(?:{p})" for p in spec.lines) + ")$(?:\n|\\Z)", re.MULTILINE)
    fragments = re.compile("|".join(f"(?:{p})" for p in spec.fragments))
    return lines, fragments


def _nfkc_edits(text: str) -> list[tuple[int, int, str]]:
    if unicodedata.is_normalized("NFKC", text):
        return []
    return regex_edits(_NFKC_CLUSTER, text, lambda m: unicodedata.normalize("NFKC", m.group()))


def canonicalize(raw_text: str) -> CanonicalText:
    """Build the canonical text (SPEC 0): NFKC, \\n line breaks, no trailing spaces,
    no web furniture, at most one blank line in a row; keep the map back to ``raw_text``."""
    furniture_lines, furniture_fragments = _furniture()
    steps = (
        lambda t: regex_edits(_INVISIBLE, t),
        _nfkc_edits,
        lambda t: regex_edits(_NEWLINE, t, "\n"),
        lambda t: regex_edits(_TRAILING_SPACE, t),
        lambda t: regex_edits(furniture_fragments, t),
        lambda t: regex_edits(_TRAILING_SPACE, t),
        lambda t: regex_edits(furniture_lines, t),
        lambda t: regex_edits(_BLANK_RUNS, t),
    )
    text = raw_text
    maps: list[OffsetMap] = []
    for step in steps:
        text, offset_map = apply_edits(text, step(text))
        if offset_map is not None:
            maps.append(offset_map)
    return CanonicalText(text=text, match=fold_traditional(text), chain=OffsetChain(tuple(maps)))


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def fold_traditional(text: str) -> str:
    """Traditional characters folded to simplified, one character for one, so offsets stay valid."""
    if text.isascii():
        return text
    folded = _t2s().convert(text)
    if len(folded) == len(text):
        return folded
    # Phrase conversions may change the length: fall back to character by character.
    return "".join(c if len(s := _t2s().convert(c)) != 1 else s for c in text)


def normalize(raw_text: str) -> str:
    """Only the canonical text (``canonicalize(raw_text).text``)."""
    return canonicalize(raw_text).text
