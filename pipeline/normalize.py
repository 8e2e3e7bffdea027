"""Stage 1: bytes → decoded text → canonical text with a map back to the input.

>>> canon = canonicalize("１２３４５万元\\r\\n\\r\\n\\r\\n　通报  ")
>>> canon.text
'12345万元\\n\\n 通报'
>>> canon.raw_span(0, 5)
(0, 5)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import PurePath

from charset_normalizer import from_bytes

from pipeline import rules
from pipeline.offsets import OffsetChain, OffsetMap, apply_edits, regex_edits
from pipeline.fold import fold_traditional
from pipeline.mask import RuleScan
from pipeline.rejected import InputRejected
from pipeline.webpage import page_text

DEFAULT_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class DecodedDocument:
    """The input as text: what raw offsets point into."""

    source: str
    doc_id: str
    size_bytes: int
    encoding: str
    raw_text: str
    url: str | None = None  # the page's address (SPEC 1): given with the input, else the page's canonical link
    fetched_at: str | None = None
    reference_date: dt.date | None = None  # the user's or the record's date for years the page does not write


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


def decode(data: bytes, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES, provenance=None) -> DecodedDocument:
    """Decode the bytes of one input file; raise InputRejected when it is no text.

    ``provenance`` (``pipeline.inputs.Provenance``) is what the input's container said of it."""
    from pipeline.inputs.payload import document_text

    if len(data) > max_bytes:
        raise InputRejected("too_large", f"{len(data)} bytes, more than the limit of {max_bytes}")
    if not data.strip():
        raise InputRejected("empty", "the file is empty" if not data else "the file holds only white space")
    url = provenance.url if provenance else None
    binary = document_text(data, source)
    if binary:
        text, encoding = binary
    else:
        is_html = _looks_like_html(data, source)
        text, encoding = _decode_text(data, _declared_charset(data) if is_html else None)
        if is_html:
            page = page_text(text)
            text, url = page.text, url or page.url
            encoding += "+html"
    if not text.strip():
        raise InputRejected("empty", "no text remains after decoding")
    return DecodedDocument(source=source, doc_id=doc_id_of(data), size_bytes=len(data), encoding=encoding, raw_text=text, url=url,
                           fetched_at=provenance.fetched_at if provenance else None,
                           reference_date=provenance.reference_date if provenance else None)


def _decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    for bom, codec, label in ((b"\xef\xbb\xbf", "utf-8", "utf-8-bom"), (b"\xff\xfe", "utf-16-le", "utf-16"), (b"\xfe\xff", "utf-16-be", "utf-16")):
        if data.startswith(bom):
            decoded = _nearly(codec, data[len(bom) :])
            if decoded:
                return decoded[0], label
            if codec != "utf-8":
                raise InputRejected("undecodable", f"starts with a {label} byte-order mark but is not {label}")
            data = data[len(bom) :]  # a UTF-8 mark on GBK bytes: a converter's slip, read the rest
            break
    utf16 = _utf16_without_bom(data)
    if utf16 and _control_ratio(utf16[0]) < 0.01:
        return utf16
    if _control_byte_ratio(data) > 0.05:
        raise InputRejected("binary", "holds control bytes that text does not: not a text file")
    decoded = _declared(data, declared) or _nearly("utf-8", data) or _chinese_legacy(data) or _detect(data)
    if _control_ratio(decoded[0]) > 0.05:
        raise InputRejected("binary", "mostly control characters: not a text file")
    return decoded


# Python codecs for the labels Chinese pages declare; GB2312 and GBK are read as GB18030,
# their superset, and Big5 as cp950, the Big5 that Windows and the web actually write.
_CODECS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "x-gbk": "gb18030", "big5": "big5", "big5-hkscs": "big5hkscs", "utf-8": "utf-8", "utf8": "utf-8"}
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w-]{2,20})""", re.IGNORECASE)


def _declared_charset(data: bytes) -> str | None:
    m = _CHARSET.search(data[:4096])
    return _CODECS.get(m.group(1).decode("ascii").lower()) if m else None


def _declared(data: bytes, codec: str | None) -> tuple[str, str] | None:
    return _nearly(codec, data) if codec else None


def _nearly(codec: str, data: bytes) -> tuple[str, str] | None:
    """``data`` in ``codec``, tolerating a sequence cut at the end of the file or a few
    damaged bytes (at most one in a thousand), each of which becomes U+FFFD."""
    python_codec = "cp950" if codec == "big5" else codec
    try:
        return data.decode(python_codec), codec
    except UnicodeDecodeError:
        pass
    text = data.decode(python_codec, errors="replace")
    damaged = text.count("\ufffd")
    if damaged <= max(1, len(data) // 1000):
        return text, codec
    return None


def _chinese_legacy(data: bytes) -> tuple[str, str] | None:
    """GB18030 or Big5, whichever reads as common Chinese.

    GB18030 accepts nearly any byte pair, so Big5 text also "decodes" as GB18030, into rare
    characters.  Each reading is scored by the share of its ideographs that (folded to
    simplified) are among the 3755 common characters of GB2312 level 1."""
    readings = [r for r in (_nearly("gb18030", data), _nearly("big5", data)) if r]
    if len(readings) <= 1:
        return readings[0] if readings else None
    return max(readings, key=lambda r: _common_share(r[0]))


def _common_share(text: str) -> float:
    ideographs = [c for c in fold_traditional(text[:20000]) if "\u4e00" <= c <= "\u9fff"]
    if not ideographs:
        return 0.0
    common = 0
    for c in ideographs:
        try:
            common += 0xB0 <= c.encode("gb2312")[0] <= 0xD7
        except UnicodeEncodeError:
            pass
    return common / len(ideographs)


_CONTROL_BYTES = bytes(range(0, 9)) + bytes(range(14, 32)) + b"\x7f"


def _control_byte_ratio(data: bytes) -> float:
    sample = data[:65536]
    return (len(sample) - len(sample.translate(None, _CONTROL_BYTES))) / max(1, len(sample))


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text without a mark shows NUL in every other byte of its ASCII."""
    if len(data) < 4 or len(data) % 2 or b"\x00" not in data:  # no NUL at all: no UTF-16 (found by memchr, no copies)
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
    best = from_bytes(data).best()
    if best is None:
        raise InputRejected("undecodable", "no text encoding fits these bytes")
    encoding = _CODECS.get(best.encoding, best.encoding)
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputRejected("undecodable", f"detected {encoding} but could not decode: {exc}")


def _control_ratio(text: str) -> float:
    sample = text[:65536]
    if not sample or _printable_but_blanks(sample):  # every character of _CONTROLS is unprintable
        return 0.0
    return len(_CONTROLS.findall(sample)) / len(sample)


_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _looks_like_html(data: bytes, source: str) -> bool:
    return PurePath(source).suffix.lower() in _HTML_SUFFIXES or bool(_HTML_SNIFF.match(data[:2048].lstrip(b"\xef\xbb\xbf")))


# --- canonical text -------------------------------------------------------------

# Invisible characters and C0 controls other than line breaks and tabs go.
_INVISIBLE = re.compile(r"[\ufeff\u200b-\u200d\u2060\u00ad\x00-\x08\x0e-\x1f\x7f]+")
# Characters NFKC leaves alone in practice: ASCII, CJK ideographs, kana, the CJK punctuation
# the spec keeps, and circled numbers (level-4 markers ①, kept although NFKC would make them digits).
_STABLE = "\x00-\x7f\u4e00-\u9fff\u3001-\u3003\u3008-\u3011\u3014-\u301b\u201c\u201d\u2018\u2019\u2460-\u2473\u2014\u2026\u00b7"
_COMBINING = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a"
_NFKC_CLUSTER = re.compile(f"[^{_STABLE}][{_COMBINING}]*|.[{_COMBINING}]+", re.DOTALL)
# Without combining marks the clusters are single characters: a pattern that opens with a class
# is skipped to fast, where the one above is tried at every character.
_HAS_COMBINING = re.compile(f"[{_COMBINING}]")
_NFKC_SINGLE = re.compile(f"[^{_STABLE}]")
# \r\n or one line break: opening with a class, the pattern is skipped to fast.
_NEWLINE = re.compile(r"[\r\u2028\u2029\x0b\x0c\x85](?:(?<=\r)\n)?")
# Only from the start of a run (the look-behind), else a long run of spaces costs its square.
# Both patterns open with the character they are about, so the regex engine skips ahead to it.
_TRAILING_SPACE = re.compile(r"[ \t](?<![ \t].)[ \t]*(?=\n|\Z)", re.DOTALL)
_BLANK_RUNS = re.compile(r"\n(?:(?<=\A\n)\n*|\n*\Z|(?<=\n\n\n)\n*)")


@dataclass(frozen=True)
class _Furniture:
    first_line: re.Pattern[str]  # a furniture line at the start of the text
    later_lines: re.Pattern[str]  # a line break, then (group 1) a furniture line
    fragments: RuleScan


@cache
def _furniture() -> _Furniture:
    """The furniture rules. A line is furniture when one of ``lines`` fills it; rather than at
    every position where ``^`` must be tried, the later lines are looked for after each line
    break, a character ``re`` skips to fast, and captured by a lookahead that leaves the break of
    their own end to open the next line."""
    spec = rules.load("boilerplate", rules.Boilerplate)
    line = "(?:" + "|".join(f"(?:{p})" for p in spec.lines) + ")$(?:\n|\\Z)"
    return _Furniture(re.compile(line, re.MULTILINE), re.compile(f"\n(?=({line}))", re.MULTILINE),
                      RuleScan(spec.fragments.scan_rules("fragment")))


def _furniture_line_edits(furniture: _Furniture, text: str) -> list[tuple[int, int, str]]:
    r"""``regex_edits`` of ``^(?:line|line…)$(?:\n|\Z)`` in multi-line mode: furniture lines."""
    edits: list[tuple[int, int, str]] = []
    pos = 0
    if first := furniture.first_line.match(text):
        edits.append((0, first.end(), ""))
        pos = max(first.end() - 1, 0)  # the break that ends the first line opens the second
    edits += [(*x.span(1), "") for x in furniture.later_lines.finditer(text, pos)]
    return edits


def _nfkc_edits(text: str) -> list[tuple[int, int, str]]:
    if unicodedata.is_normalized("NFKC", text):
        return []
    cluster = _NFKC_CLUSTER if _HAS_COMBINING.search(text) else _NFKC_SINGLE
    return regex_edits(cluster, text, lambda m: _nfkc(m.group()))


def _nfkc_in_place(text: str) -> str | None:
    """``text`` with the edits of ``_nfkc_edits`` applied, when each of them puts one character
    in the place of one (their map changes no offset); None when one does not.

    Real notices hold a handful of distinct characters to rewrite (no-break spaces, mostly),
    each many times: one ``str.replace`` per distinct character costs less than an edit per
    occurrence. Without combining marks every edit is one character (``_NFKC_SINGLE``)."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    if _HAS_COMBINING.search(text):
        return None
    rewrites = {c: _nfkc(c) for c in set(_NFKC_SINGLE.findall(text))}
    if any(len(new) != 1 for new in rewrites.values()):
        return None
    for old, new in rewrites.items():
        if new != old:
            text = text.replace(old, new)
    return text


@lru_cache(maxsize=4096)
def _nfkc(cluster: str) -> str:
    return unicodedata.normalize("NFKC", cluster)


# Characters that are neither invisible nor a line break but are not printable either.
_UNPRINTABLE_BLANKS = ("\n", "\t", "\xa0", "\u3000")


def _printable_but_blanks(text: str) -> bool:
    """Whether every character of ``text`` is printable or one of ``_UNPRINTABLE_BLANKS``: string
    methods written in C, cheaper than a regular-expression pass over the text."""
    for blank in _UNPRINTABLE_BLANKS:
        text = text.replace(blank, "")
    return text.isprintable()


def _no_invisibles_or_breaks(text: str) -> bool:
    """Whether ``text`` holds nothing ``_INVISIBLE`` or ``_NEWLINE`` would rewrite, tested by
    ``_printable_but_blanks`` rather than two regular-expression passes: every character of
    those two classes is unprintable (a control, a format character, a line or paragraph
    separator)."""
    return _printable_but_blanks(text)


def _one_for_one(edits: list[tuple[int, int, str]]) -> bool:
    """Whether every edit puts one character in the place of one: their map changes no offset."""
    return all(end - start == 1 and len(new) == 1 for start, end, new in edits)


def canonicalize(raw_text: str) -> CanonicalText:
    """Build the canonical text (SPEC 0): NFKC, \\n line breaks, no trailing spaces,
    no web furniture, at most one blank line in a row; keep the map back to ``raw_text``.

    Furniture is found on the folded text (当前位置 and 當前位置 alike); every later step only
    deletes, so the same edits keep the folded copy in step with the text."""
    furniture = _furniture()
    text = raw_text
    maps: list[OffsetMap] = []

    def apply(edits: list[tuple[int, int, str]]) -> bool:
        nonlocal text
        text, offset_map = apply_edits(text, edits)
        if offset_map is not None and not _one_for_one(edits):
            maps.append(offset_map)
        return offset_map is not None

    if _no_invisibles_or_breaks(raw_text):
        # NFKC makes no invisible character and no line break
        in_place = _nfkc_in_place(text)
        if in_place is None:
            apply(_nfkc_edits(text))
        else:
            text = in_place
    else:
        apply(regex_edits(_INVISIBLE, text))
        apply(_nfkc_edits(text))
        apply(regex_edits(_NEWLINE, text, "\n"))
    folded = fold_traditional(text)

    def delete(edits: list[tuple[int, int, str]]) -> bool:
        nonlocal folded
        if folded is text:  # nothing to fold (most notices): one text to edit, not two
            changed = apply(edits)
            folded = text
            return changed
        folded, _ = apply_edits(folded, edits)
        return apply(edits)

    delete(regex_edits(_TRAILING_SPACE, folded))
    if delete([(s, e, "") for s, e, _ in furniture.fragments.spans(folded)]):
        delete(regex_edits(_TRAILING_SPACE, folded))  # a fragment cut out may leave spaces at a line end
    delete(_furniture_line_edits(furniture, folded))
    delete(regex_edits(_BLANK_RUNS, folded))
    return CanonicalText(text=text, match=folded, chain=OffsetChain(tuple(maps)))


def normalize(raw_text: str) -> str:
    """Only the canonical text (``canonicalize(raw_text).text``)."""
    return canonicalize(raw_text).text
