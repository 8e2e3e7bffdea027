"""Each corpus document as scrapers bring it back — in GBK, in traditional characters, with
full-width digits, inside a government-site web page, as a record of a JSON Lines, CSV or Parquet
file, as the HTML response of a WARC.gz, printed to PDF by headless Chromium, saved as DOCX —
gives the same problems, measures, dates, indicators, citations and outcomes as the original.

Values are compared with white space removed and traditional characters folded (a title stays
in the document's own characters); offsets differ between variants but always select the row's
text, and the raw offsets select it in the variant's decoded input.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from pipeline.build import extract_bytes
from pipeline.fold import fold_traditional
from pipeline.normalize import canonicalize, decode
from variants import VARIANTS

CORPUS = sorted((Path(__file__).resolve().parent.parent / "corpus").glob("*.txt"))
COMPARED = {
    "problems": ("number", "category", "title", "problem", "inferred"),
    "measures": ("role", "seq", "marker", "title", "text", "section_path"),
    "dates": ("text", "date_start", "date_end", "granularity", "year_inferred", "as_of", "open_end", "broken", "role"),
    "indicators": ("text", "value", "multiplier", "value_normalized", "unit", "kind", "qualifier", "change", "comparison", "subject"),
    "policy_refs": ("title", "doc_number", "alias"),
    "outcomes": ("text", "kind", "action", "value", "unit"),
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


# --- the same documents as scrapers store them: records, a WARC, PDF and DOCX ------------

import os  # noqa: E402
import tempfile  # noqa: E402
from collections import Counter  # noqa: E402

from pipeline.inputs.containers import read_container  # noqa: E402
from variants import CONTAINERS, PAGE_VARIANTS, URL, chromium  # noqa: E402


def _needs_browser(variant: str) -> None:
    if variant == "pdf" and chromium() is None:
        if os.environ.get("ZHENGGAI_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (make test-browser installs it)")
        pytest.skip("chromium is not installed (make test-browser installs it)")


@cache
def _page(path: Path, variant: str):
    """(decoded bytes, source, provenance, extraction) of a document stored as ``variant``."""
    suffix, data = PAGE_VARIANTS[variant](path.read_bytes(), path.stem)
    source = f"{path.stem}{suffix}"
    provenance = None
    if variant in CONTAINERS:
        with tempfile.TemporaryDirectory() as folder:
            stored = Path(folder) / source
            stored.write_bytes(data)
            skipped = Counter()
            entries = list(read_container(stored, source, max_bytes=1 << 24, skipped=skipped))
        assert len(entries) == 1 and entries[0].reason is None, entries
        assert dict(skipped) == ({"request": 1} if variant == "warc" else {})
        data, source, provenance = entries[0].data, entries[0].source, entries[0].provenance
    return data, source, provenance, extract_bytes(data, source, provenance=provenance)


@pytest.mark.parametrize("variant", sorted(PAGE_VARIANTS))
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name[:3])
@pytest.mark.parametrize("table", sorted(COMPARED))
def test_stored_page_gives_the_same_rows(path, variant, table):
    _needs_browser(variant)
    original = _values(_extract(path, None)[2], table)
    assert _values(_page(path, variant)[3], table) == original


@pytest.mark.parametrize("variant", sorted(PAGE_VARIANTS))
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name[:3])
def test_stored_page_keeps_its_provenance_and_offsets(path, variant):
    _needs_browser(variant)
    data, source, provenance, extraction = _page(path, variant)
    document = extraction.document
    original = _extract(path, None)[2].document
    assert (document.doc_type, document.issuer, document.published_date, document.signed_date, document.reference_year) == (
        original.doc_type, original.issuer, original.published_date, original.signed_date, original.reference_year)
    if original.title or variant != "warc":  # the page template names an untitled notice in its <title>
        assert document.title == original.title
    if variant in CONTAINERS:
        assert document.source == f"{source.split('#')[0]}#{2 if variant == 'warc' else 1}"
        assert document.url == URL.format(stem=path.stem)
        assert document.fetched_at == "2025-04-01T00:00:00Z"  # WARC-Date, or crawled_at 08:00 at +08:00
    raw = decode(data, source, provenance=provenance).raw_text
    for table in COMPARED:
        for row in getattr(extraction, table):
            assert document.text[row.char_start : row.char_end] == row.text
            assert canonicalize(raw[row.raw_char_start : row.raw_char_end]).text == row.text.strip()
