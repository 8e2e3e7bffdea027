"""A file's format from its first bytes (``pipeline/rules/inputs.yaml``).

>>> sniff(b"%PDF-1.7 ...", "a.bin")
'.pdf'
>>> sniff(b"\\xd0\\xcf\\x11\\xe0\\xa1\\xb1\\x1a\\xe1" + bytes(8), "notice.wps")
'.wps'
>>> sniff("一、整改情况".encode(), "a.txt") is None
True
"""

from __future__ import annotations

import io
import zipfile
from functools import cache

from pipeline import rules


class Signature(rules.RuleFile):
    magic: str  # hex
    format: str
    suffixes: tuple[str, ...] = ()


class ZipMember(rules.RuleFile):
    member: str
    format: str


class InputRules(rules.RuleFile):
    """Schema of ``inputs.yaml``."""

    class RecordFields(rules.RuleFile):
        text: tuple[str, ...]
        url: tuple[str, ...]
        date: tuple[str, ...]
        fetched_at: tuple[str, ...]
        title: tuple[str, ...]

    record_fields: RecordFields
    document_media_types: tuple[str, ...]
    signatures: tuple[Signature, ...]
    zip_members: tuple[ZipMember, ...]


@cache
def input_rules() -> InputRules:
    return rules.load("inputs", InputRules)


@cache
def _signatures() -> tuple[tuple[bytes, Signature], ...]:
    return tuple(sorted(((bytes.fromhex(s.magic), s) for s in input_rules().signatures), key=lambda p: -len(p[0])))


def sniff(data: bytes, source: str) -> str | None:
    """``.pdf``, ``.docx``, another known binary format by its usual suffix, or None for text."""
    if data.startswith(b"%PDF-") or data[:1024].lstrip().startswith(b"%PDF-"):
        return ".pdf"
    suffix = "." + source.rsplit("#", 1)[0].rsplit(".", 1)[-1].lower() if "." in source else ""
    if data.startswith(b"PK\x03\x04"):
        return _zip_format(data, suffix)
    for magic, signature in _signatures():
        if data.startswith(magic):
            return suffix if suffix in signature.suffixes else signature.format
    return None


def _zip_format(data: bytes, suffix: str) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return ".docx" if suffix == ".docx" else ".zip"  # a damaged DOCX is read, and fails as one
    for member in input_rules().zip_members:
        if member.member in names:
            return member.format
    return ".zip"
