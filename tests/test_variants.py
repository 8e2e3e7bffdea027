"""Each corpus document as scrapers bring it back — in GBK, in traditional characters, with
full-width digits, inside a government-site web page — gives the same rows as the original.

Values are compared with white space removed and traditional characters folded (a title stays
in the document's own characters); offsets differ between variants but always select the row's
text, and the raw offsets select it in the variant's decoded input.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from pipeline.build import extract_bytes
from pipeline.normalize import canonicalize, decode, fold_traditional
from variants import VARIANTS

CORPUS = sorted((Path(__file__).resolve().parent.parent / "corpus").glob("*.txt"))
COMPARED = {
    "problems": ("number", "category", "title", "problem", "inferred"),
    "measures": ("role", "seq", "marker", "title", "text", "section_path"),
    "dates": ("text", "date_start", "date_end", "granularity", "year_inferred", "as_of", "open_end", "broken", "role"),
    "indicators": ("text", "value", "multiplier", "value_normalized", "unit", "kind", "qualifier", "change", "comparison", "subject"),
    "policy_refs": ("title", "doc_number", "alias"),
    "organizations": ("text", "name", "function", "kind", "level", "place", "role"),
}


def _plain(value):
    if isinstance(value, str):
        return "".join(fold_traditional(value).split())
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


def _values(extraction, table: str) -> list[tuple]:
    return [tuple(_plain(getattr(row, f)) for f in COMPARED[table]) for row in getattr(extraction, table)]


@cache
def _extract(path: Path, variant: str | None):
    data = path.read_bytes()
    if variant is None:
        return data, path.name, extract_bytes(data, path.name)
    suffix, data = VARIANTS[variant](data)
    source = path.stem + "-" + variant + suffix
    return data, source, extract_bytes(data, source)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name[:3])
@pytest.mark.parametrize("table", sorted(COMPARED))
def test_variant_gives_the_same_rows(path, variant, table):
    original = _values(_extract(path, None)[2], table)
    assert _values(_extract(path, variant)[2], table) == original


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name[:3])
def test_variant_offsets_select_the_rows(path, variant):
    data, source, extraction = _extract(path, variant)
    text = extraction.document.text
    raw = decode(data, source).raw_text
    for table in COMPARED:
        for row in getattr(extraction, table):
            assert text[row.char_start : row.char_end] == row.text
            assert canonicalize(raw[row.raw_char_start : row.raw_char_end]).text == row.text.strip()


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name[:3])
def test_traditional_variant_keeps_its_own_characters(path):
    original = _extract(path, None)[2]
    traditional = _extract(path, "traditional")[2]
    assert traditional.document.doc_type == original.document.doc_type
    for before, after in zip(original.problems, traditional.problems):
        if before.title:
            assert after.title != before.title or fold_traditional(before.title) == before.title == after.title
            assert fold_traditional(after.title) == fold_traditional(before.title)


@pytest.mark.parametrize("variant", ["gbk", "html", "traditional"])
def test_variant_encoding_is_recorded(variant):
    assert _extract(CORPUS[0], variant)[2].document.encoding == {"gbk": "gb18030", "html": "utf-8+html", "traditional": "utf-8"}[variant]
