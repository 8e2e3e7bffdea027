"""Property tests over every stage: no exception on any input, offsets in bounds, normalize
idempotent, Parquet ↔ JSON Lines lossless.

A quick pass runs with the suite; ``make fuzz`` runs the same properties far longer
(``ZHENGGAI_FUZZ_EXAMPLES``, 20 000 by default there).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.build import extract_bytes, extract_text, run
from pipeline.extract.metadata import read_header, read_inspection
from pipeline.extract.policy_refs import find_policy_refs
from pipeline.models import TABLES
from pipeline.fold import fold_traditional
from pipeline.normalize import InputRejected, canonicalize, decode
from pipeline.segment import segment
from pipeline.webpage import page_text

EXAMPLES = int(os.environ.get("ZHENGGAI_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=EXAMPLES or 60, deadline=None, suppress_health_check=list(HealthCheck))
FEW = settings(max_examples=max(EXAMPLES // 50, 8), deadline=None, suppress_health_check=list(HealthCheck))

# The characters the rules care about, so that generated text hits markers, dates and figures.
NOTICE_CHARS = "一二三四五六七八九十是、。,;:!?()（）《》〔〕“”0123456789０１２.%年月日至万亿元个项关于問題的整改巡察組联系电话来源发布时间\n \t\u3000①②(1)"
notice_text = st.text(alphabet=st.sampled_from(NOTICE_CHARS), max_size=400) | st.text(max_size=200)
MARKUP = ["<p>", "</p>", "<div>", "</div>", "<br>", "<h1>", "</h1>", "<script>", "</script>", "<meta charset=gbk>", "<title>", "</title>", "&nbsp;", "&lt;", "<!--", "-->", "<table><tr><td>", "</td></tr></table>"]
markup_text = st.lists(st.sampled_from(MARKUP) | st.text(alphabet=st.sampled_from(NOTICE_CHARS), max_size=30), max_size=60).map("".join)


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["x.txt", "x.html", "x.bin"]))
def test_decode_rejects_or_decodes_any_bytes(data, source):
    try:
        decoded = decode(data, source)
    except InputRejected as rejected:
        assert rejected.reason in {"empty", "binary", "undecodable", "too_large", "unsupported_format", "no_text"}
        return
    assert isinstance(decoded.raw_text, str)


@FUZZ
@given(notice_text)
def test_normalize_is_idempotent_and_keeps_offsets_in_bounds(raw):
    canon = canonicalize(raw)
    assert canonicalize(canon.text).text == canon.text
    assert len(canon.match) == len(canon.text)
    n = len(canon.text)
    for start, end in ((0, n), (n // 3, n // 2), (n, n)):
        raw_start, raw_end = canon.raw_span(start, end)
        assert 0 <= raw_start <= raw_end <= len(raw)


@FUZZ
@given(notice_text, st.sampled_from(["inspection_rectification", "proposal_reply", "other"]))
def test_segment_spans_in_bounds(raw, doc_type):
    canon = canonicalize(raw)
    text = canon.text
    outline = segment(text, doc_type, match_text=canon.match)
    assert 0 <= outline.body_start <= len(text) and 0 <= outline.body_end <= len(text)
    for unit in outline.units:
        assert 0 <= unit.start <= unit.body_start <= len(text) and unit.start <= unit.end <= len(text)
    for problem in outline.problems:
        assert 0 <= problem.start <= problem.end <= len(text)
    for measure in outline.measures:
        assert text[measure.start : measure.end] == measure.text


@FUZZ
@given(notice_text)
def test_metadata_and_citations_never_raise(raw):
    canon = canonicalize(raw)
    text, n = canon.text, len(canon.text)
    header = read_header(text, n // 2, n // 2, match_text=canon.match)
    for span in (header.title_span, header.published_span, header.signed_span):
        assert span is None or 0 <= span[0] <= span[1] <= n
    read_inspection(text, (0, n), match_text=canon.match)
    for ref in find_policy_refs(text, match_text=canon.match):
        assert text[ref.start : ref.end] == ref.text


@FUZZ
@given(notice_text)
def test_every_row_selects_its_text(raw):
    extraction = extract_text(raw)
    text = extraction.document.text
    for table in ("sections", "problems", "measures", "dates", "indicators", "policy_refs", "outcomes", "organizations"):
        for row in getattr(extraction, table):
            assert 0 <= row.char_start <= row.char_end <= len(text)
            if table != "sections":  # sections nest, so they keep offsets only
                assert text[row.char_start : row.char_end] == row.text
            assert 0 <= row.raw_char_start <= row.raw_char_end <= len(raw)
    for problem in extraction.problems:
        if problem.status is not None:
            assert problem.char_start <= problem.status_char_start < problem.status_char_end <= problem.char_end


@FUZZ
@given(notice_text)
def test_traditional_text_gives_the_same_outline(raw):
    simplified = fold_traditional(raw)
    assert [(u.level, u.char_start) for u in extract_text(raw).sections] == [(u.level, u.char_start) for u in extract_text(simplified).sections]


@FUZZ
@given(markup_text)
def test_any_markup_gives_text(markup):
    page = page_text(markup)
    assert isinstance(page.text, str)
    try:
        extract_bytes(markup.encode("utf-8"), "page.html")
    except InputRejected as rejected:
        assert rejected.reason in {"empty", "binary", "undecodable", "unsupported_format", "no_text"}


@FEW
@given(st.lists(notice_text, min_size=1, max_size=3))
def test_parquet_and_jsonl_round_trip(texts):
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        for i, text in enumerate(texts):
            (inputs / f"{i}.txt").write_text(text, "utf-8")
        out = Path(tmp) / "out"
        run([inputs], out, jobs=1)
        for table in TABLES:
            parquet = pl.read_parquet(out / f"{table}.parquet")
            if parquet.height:
                jsonl = pl.read_ndjson(out / f"{table}.jsonl", schema=parquet.schema)
                assert parquet.equals(jsonl), table
