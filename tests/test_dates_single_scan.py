"""One scan of the date expressions serves the year hints and the final dates (SPEC 5).

The shortcuts that make the dates stage fast must give what the plain definitions give:
a shared ``DateScan`` against fresh ``find_dates`` calls, ``year_hints`` against its definition
over the resolved rows, the grammar's prefilter against the grammar without it, and the
document-number masks against one ``finditer`` of their alternation.
"""

from __future__ import annotations

import datetime
import doctest
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import mask, rules
from pipeline.build import extract_bytes
from pipeline.extract import dates
from pipeline.extract.dates import DateRules, FoundDate, find_dates, scan_dates, year_hints
from pipeline.normalize import canonicalize, decode
from pipeline.synth import document, parts_of

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SYNTHETIC = 6  # synthetic documents, on top of the five real ones
REFERENCE_YEARS = (None, 2019, 2023, 2024, 2026)
NOT_AFTER = (None, datetime.date(2023, 6, 30), datetime.date(2025, 1, 1))
_DATE_ALPHABET = "0123456789年月日号旬季度上中下半截至止起以来今去本前底末初第一二三四五六七八九十〇两-—~/.()《》〔〕【】 ,。\n比较同期"


@pytest.fixture(scope="module")
def texts() -> list[tuple[str, str]]:
    """(text, match_text) of the corpus documents and of synthetic ones built from them."""
    raw = [decode(p.read_bytes(), p.name).raw_text for p in sorted(CORPUS.glob("*.txt"))]
    parts = parts_of(CORPUS)
    raw += [document(parts, seed=7, index=i) for i in range(SYNTHETIC)]
    return [(c.text, c.match) for c in map(canonicalize, raw)]


def _year_hints_by_definition(rows: list[FoundDate]) -> tuple[int | None, int | None]:
    """``year_hints`` as SPEC 5 states it, over the rows ``find_dates`` gives without a reference year."""
    latest: int | None = None
    written: Counter[int] = Counter()
    for row in rows:
        if row.year_inferred or row.date_start is None or row.date_end is None:
            continue
        years = {row.date_start.year, row.date_end.year}
        written.update(years)
        if row.anchors:
            latest = max(years | ({latest} if latest is not None else set()))
    most = max(written.items(), key=lambda kv: (kv[1], kv[0]))[0] if written else None
    return latest, most


def _check_shared_scan(text: str, match_text: str) -> None:
    scan = scan_dates(text, match_text=match_text)
    expected_hints = _year_hints_by_definition(find_dates(text, match_text=match_text))
    assert scan.year_hints() == year_hints(text, match_text=match_text) == expected_hints
    for reference_year in REFERENCE_YEARS:
        for not_after in NOT_AFTER:
            fresh = find_dates(text, match_text=match_text, reference_year=reference_year, not_after=not_after)
            assert scan.dates(reference_year=reference_year, not_after=not_after) == fresh
    assert scan.year_hints() == expected_hints  # resolving leaves the scan as it was


def test_documents_share_one_scan(texts):
    assert len(texts) == 5 + SYNTHETIC
    for text, match_text in texts:
        _check_shared_scan(text, match_text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_DATE_ALPHABET, max_size=80))
def test_date_like_strings_share_one_scan(text):
    _check_shared_scan(text, text)


def test_extract_document_uses_the_scan_as_find_dates_would(corpus_files):
    """The stage's wiring: reference year and dates as the plain functions give them."""
    for path in corpus_files:
        canon = canonicalize(decode(path.read_bytes(), path.name).raw_text)
        extraction = extract_bytes(path.read_bytes(), path.name)
        doc = extraction.document
        stated = [d for d in (doc.published_date, doc.signed_date) if d]
        latest_year_month, common_year = _year_hints_by_definition(find_dates(canon.text, match_text=canon.match))
        expected_year = (doc.signed_date or doc.published_date).year if stated else (latest_year_month or common_year)
        assert doc.reference_year == expected_year
        plain = find_dates(canon.text, match_text=canon.match, reference_year=expected_year, not_after=max(stated) if stated else None)
        assert [(d.char_start, d.char_end, d.date_start, d.date_end, d.granularity) for d in extraction.dates] == [
            (d.start, d.end, d.date_start, d.date_end, d.granularity) for d in plain
        ]


# --- the prefilter of the grammar ---------------------------------------------------


def _without_prefilter() -> tuple[re.Pattern[str], re.Pattern[str]]:
    grammar = dates._grammar()
    prefilter = dates._prefilter(grammar.rules)
    assert prefilter in grammar.head.pattern and prefilter in grammar.tail.pattern
    return (
        re.compile(grammar.head.pattern.replace(prefilter, ""), re.VERBOSE),
        re.compile(grammar.tail.pattern.replace(prefilter, ""), re.VERBOSE),
    )


def _check_prefilter(match_text: str) -> None:
    grammar = dates._grammar()
    plain_head, plain_tail = _without_prefilter()
    for pos in range(len(match_text) + 1):
        for fast, plain in ((grammar.head, plain_head), (grammar.tail, plain_tail)):
            a, b = fast.match(match_text, pos), plain.match(match_text, pos)
            assert (a and a.span()) == (b and b.span()), (match_text[pos : pos + 20], pos)


def test_prefilter_refuses_no_expression_in_documents(texts):
    for _, match_text in texts[:5]:
        _check_prefilter(match_text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_DATE_ALPHABET, max_size=40))
def test_prefilter_refuses_no_expression(text):
    _check_prefilter(text)


LONGEST_RUNS = [f"2019 {c} 2022 年" for c in rules.load("dates", DateRules).range_connectors]
LONGEST_RUNS += ["2019 至 二〇二二 年", "10 — 12 月", "第一至第三季度", "20211228 日", "2025-03-28", "上一年度", "前三季度"]


@pytest.mark.parametrize("text", LONGEST_RUNS)
def test_prefilter_lets_the_longest_runs_through(text):
    _check_prefilter(text)
    assert dates._grammar().head.match(text) is not None


def test_a_word_without_an_anchor_is_refused():
    data = rules.load("dates", DateRules).model_dump()
    data["relative_years"] = {**data["relative_years"], "本届": 0}
    with pytest.raises(ValueError, match="本届"):
        dates._prefilter(DateRules.model_validate(data))


# --- masks ---------------------------------------------------------------------------


def _title_spans_by_definition(match_text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    opened: list[int] = []
    for i, c in enumerate(match_text):
        if c == "\n":
            opened.clear()
        elif c == "《":
            opened.append(i)
        elif c == "》" and opened:
            spans.append((opened.pop(), i + 1))
    return spans


def _check_masks(match_text: str) -> None:
    assert mask.titles(match_text) == sorted(_title_spans_by_definition(match_text))


def test_masks_in_documents(texts):
    for _, match_text in texts:
        _check_masks(match_text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="〔〕[]【】()《》\n第号期年 0123456789", max_size=50))
def test_masks(text):
    _check_masks(text)


def test_doctests_hold():
    assert doctest.testmod(dates).failed == 0


@pytest.mark.parametrize("text", ["于2023年5月12日召开", "2025-03-28", "1999.08", "2021年915日", "上半年", "前三季度", "今年1-10月", "12月底前"])
def test_groups_read_by_name_as_groupdict(text):
    """The named tuple that replaces ``groupdict`` for head and tail matches holds the same groups."""
    from pipeline.extract.dates import _grammar, _groups

    grammar = _grammar()
    found = 0
    for pattern in (grammar.head, grammar.tail):
        for m in pattern.finditer(text):
            assert _groups(m)._asdict() == m.groupdict()
            found += 1
    assert found
