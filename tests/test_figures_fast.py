"""Shortcuts of the figure and date finders against the plain readings they replace.

Each test compares a fast path with the obvious way of computing the same thing, on the corpus
and on generated text, so that a rule edit the shortcut gets wrong fails here. Nothing is timed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract import dates
from pipeline.extract import subjects
from pipeline.extract.indicators import _subject_grammar
from pipeline.normalize import canonicalize, decode
from pipeline.rules import alt, trie_alt

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
PAGES = Path(__file__).resolve().parent.parent.parent / "shared" / "pages"


def _corpus_texts() -> list[str]:
    paths = sorted(CORPUS.glob("*.txt")) + (sorted(PAGES.glob("*.txt")) if PAGES.is_dir() else [])
    return [canonicalize(decode(p.read_bytes(), p.name).raw_text).match for p in paths]


TEXTS = _corpus_texts()


# --- dates: the start finder ---------------------------------------------------------


def _plain_starts() -> re.Pattern[str]:
    """The prefilter itself, as a lookahead at each first character: what ``starts`` replaces."""
    r = dates.date_rules()
    return re.compile(rf"{dates._first_characters(r)}(?<=(?={dates._prefilter(r)})(?s:.))")


def _check_starts(text: str) -> None:
    fast, plain = dates._grammar().starts, _plain_starts()
    for pos in range(len(text)):
        assert (fast.match(text, pos) is None) == (plain.match(text, pos) is None), (pos, text[pos : pos + 20])


def test_date_starts_are_the_prefilter_places_in_documents():
    assert TEXTS
    for text in TEXTS:
        _check_starts(text)


_DATE_ALPHABET = "0123456789年月日号旬季度上中下半截至止起以来今去本前底末初第一二三四五六七八九十〇○两个-—~/.、 ,。\n"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_DATE_ALPHABET, max_size=40))
def test_date_starts_are_the_prefilter_places(text):
    _check_starts(text)


@pytest.mark.parametrize("text", ["2019 至 2022 年", "2019 —— 2022 年", "10 — 12 月", "第一至第三季度", "20211228 日",
                                  "2025-03-28", "1999.08", "上半年", "前三季度", "今年底", "首月"])
def test_date_starts_let_the_longest_runs_through(text):
    _check_starts(text)
    assert dates._grammar().starts.match(text) is not None


# --- subjects: trimming a phrase -------------------------------------------------------


def _plain_trim(m: str, start: int, end: int, g: subjects.Grammar) -> tuple[int, int] | None:
    """``_trim`` with both patterns tried at every step, as it was written first."""
    changed = True
    reach = g.longest_trailing + 1
    while changed and start < end:
        changed = False
        while start < end and m[start].isspace():
            start += 1
        while end > start and m[end - 1].isspace():
            end -= 1
        lead = g.leads.match(m, start, end)
        if lead and lead.end() > start and g.is_word(m, start, lead.group()):
            start, changed = lead.end(), True
        trail = g.trailing.search(m, start if end - reach < start else end - reach, end)
        if trail and trail.start() < end and g.is_word(m, trail.start(), trail.group()):
            end, changed = trail.start(), True
    return (start, end) if end - start >= 2 else None


def _trim_alphabet() -> str:
    g = _subject_grammar()
    words = g.words.leading + g.tails + tuple(g.not_after) + tuple(g.not_before)
    return "".join(sorted(set("".join(words)) | set(subjects._SECTION_MARKER_FIRSTS + ".、)）收入企业 \n")))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_trim_alphabet(), max_size=24), st.data())
def test_trim_is_the_plain_trim(text, data):
    g = _subject_grammar()
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert subjects._trim(text, start, end, g) == _plain_trim(text, start, end, g)


def test_trim_is_the_plain_trim_on_every_clause_of_the_documents():
    g = _subject_grammar()
    for text in TEXTS:
        breaks = [0] + [k + 1 for k, c in enumerate(text) if c in ",;。:\n"]
        for a, b in zip(breaks, breaks[1:]):
            for start in range(a, min(b, a + 6)):
                assert subjects._trim(text, start, b - 1, g) == _plain_trim(text, start, b - 1, g)


def test_section_markers_begin_with_their_first_characters():
    """``lead_firsts`` holds what a section marker can begin with: no other character begins one."""
    tails = ["1.", "1、", "1)", "一)", "一、", "十二、", "(3)", "3)"]
    firsts = set(subjects._SECTION_MARKER_FIRSTS)
    for code in range(0x20, 0xA000):
        c = chr(code)
        if c not in firsts:
            assert not any(subjects._SECTION_MARKER.match(c + t) for t in tails), c


# --- subjects: word lists written as tries ---------------------------------------------


def _word_lists() -> list[tuple[str, ...]]:
    g = _subject_grammar()
    w = g.words
    return [w.verbs, w.verbs + w.modals, g.tails, w.leading, w.noun_ends + w.verbs + w.copulas + w.naming_verbs]


@pytest.mark.parametrize("words", _word_lists(), ids=["verbs", "splits", "tails", "leading", "noun_stops"])
def test_word_tries_match_what_the_alternations_match(words):
    trie, plain = re.compile(trie_alt(words)), re.compile(alt(list(words)))
    trie_end, plain_end = re.compile(trie_alt(words) + "$"), re.compile(alt(list(words)) + "$")
    for text in TEXTS[:5]:
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]
        for k in range(0, len(text), 7):
            a, b = trie_end.search(text, max(0, k - 9), k), plain_end.search(text, max(0, k - 9), k)
            assert (a and a.span()) == (b and b.span())
    for word in words:  # every word, also inside a longer one, as the longest-first alternation finds it
        text = f"在{word}的{word}{word[:-1]}"
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_status_phrases_as_a_trie_match_what_their_alternation_matches():
    from pipeline.extract.outcomes import _status_grammar

    g = _status_grammar()
    plain = re.compile(alt(list(g.status_of)))
    for text in TEXTS:
        assert [m.span() for m in g.phrases.finditer(text)] == [m.span() for m in plain.finditer(text)]
    for phrase in g.status_of:
        text = f"已{phrase}{phrase[:-1]}。{phrase}"
        assert [m.span() for m in g.phrases.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_an_empty_word_list_is_refused():
    with pytest.raises(ValueError):
        trie_alt(["", ""])


# --- indicators: the product of a value and its multiplier -------------------------------


def _decimal_product(value: float, multiplier: float) -> float:
    from decimal import Decimal

    return float(Decimal(repr(value)) * Decimal(repr(multiplier)))


@settings(max_examples=2000, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12), st.integers(0, 22))
def test_exact_product_is_the_decimal_product(value, k):
    from pipeline.extract.indicators import exact_product

    multiplier = 10.0**k
    expected = float(value) if k == 0 else _decimal_product(value, multiplier)
    assert repr(exact_product(value, multiplier)) == repr(expected)  # the sign of a zero too


@pytest.mark.parametrize("value, multiplier", [(2.3, 1e8), (598.27, 1e8), (1e-05, 1e4), (0.1, 1e4), (3.0, 2.5), (-4.7, 1e4),
                                               (123456789.123, 1e12), (1.5e20, 10.0), (-0.0, 1e4), (0.0, 1e8)])
def test_exact_product_of_chosen_figures(value, multiplier):
    from pipeline.extract.indicators import exact_product

    assert repr(exact_product(value, multiplier)) == repr(_decimal_product(value, multiplier))


# --- dates: the words around an expression, tried only where their edge characters stand ---


_CONNECTOR_ALPHABET = "".join(sorted(set(_DATE_ALPHABET + "".join(dates.date_rules().range_opener + dates.date_rules().range_connectors))))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_CONNECTOR_ALPHABET, max_size=8))
def test_a_connector_begins_with_one_of_its_first_characters(text):
    g = dates._grammar()
    if g.connector.match(text) is not None:
        assert text[:1] in g.connector_firsts


@pytest.mark.parametrize("words, edge, side", [("open_end", "open_end_firsts", 0), ("as_of", "as_of_lasts", -1)])
def test_edge_characters_of_the_words_around_an_expression(words, edge, side):
    g = dates._grammar()
    listed = getattr(dates.date_rules(), words)
    assert getattr(g, edge) == frozenset(w[side] for w in listed)


def test_every_connector_and_opener_begins_with_a_first_character():
    r, g = dates.date_rules(), dates._grammar()
    for word in r.range_connectors:
        for text in (word, f" {word}", f" {word} 3"):
            assert g.connector.match(text) and text[0] in g.connector_firsts
    for opener in r.range_opener:
        text = f"{opener}{r.range_connectors[0]}"
        assert g.connector.match(text) and text[0] in g.connector_firsts


# --- indicators: the words before a figure, looked for only after one of their last characters ---


def _left_alphabet() -> str:
    from pipeline.extract.indicators import indicator_rules

    r = indicator_rules()
    words = (r.comparison.yoy + tuple(r.comparison.yoy_with_year) + tuple(r.comparison.yoy_with_year.values())
             + r.comparison.mom + r.change.increase + r.change.decrease + r.change.level_markers + tuple(r.qualifiers.before))
    return "".join(sorted(set("".join(words)) | set("分别了达到是2023年收入,\n ")))


def _check_left(text: str) -> None:
    from pipeline.extract.indicators import _grammar

    g = _grammar()
    for pos in range(1, len(text) + 1):
        left = g.left_fast.search(text, max(0, pos - 24), pos)
        if text[pos - 1] not in g.left_lasts:
            assert left is None, (text[max(0, pos - 24) : pos], pos)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_left_alphabet(), max_size=30))
def test_words_before_a_figure_end_with_one_of_their_last_characters(text):
    _check_left(text)


def test_words_before_a_figure_in_documents():
    for text in TEXTS:
        _check_left(text)


def test_every_word_before_a_figure_ends_with_a_last_character():
    from pipeline.extract.indicators import _grammar, indicator_rules

    r, g = indicator_rules(), _grammar()
    for word in r.change.increase + r.change.decrease + tuple(r.qualifiers.before) + r.comparison.yoy + r.comparison.mom:
        for link in ("", "了", "达到", "是", *r.change.level_markers):
            text = f"收入{word}{link}" if word in r.change.increase + r.change.decrease else f"收入{word}"
            if g.left_fast.search(text, 0, len(text)):
                assert text[-1] in g.left_lasts, text


# --- indicators: the blocked spans, merged in one walk ---------------------------------------


def _plain_merge(excluded, masked):
    """Sorted spans, overlapping ones merged (touching ones kept apart), as first written."""
    merged: list[tuple[int, int]] = []
    first, last = 0, -1
    for s, e in sorted([(s, e) for s, e in excluded if e > s] + list(masked)):
        if last >= 0 and s < last:
            last = max(last, e)
            continue
        if last >= 0:
            merged.append((first, last))
        first, last = s, e
    if last >= 0:
        merged.append((first, last))
    return merged


_SPANS = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12)).map(lambda t: (t[0], t[0] + t[1])), max_size=12)


@settings(max_examples=500, deadline=None)
@given(_SPANS, _SPANS)
def test_blocked_spans_are_the_plain_merge(excluded, masked):
    from pipeline.extract.indicators import _Blocked

    blocked = _Blocked(excluded, masked)
    merged = _plain_merge(excluded, masked)
    assert blocked.spans == merged
    assert (blocked.starts, blocked.ends) == ([s for s, _ in merged], [e for _, e in merged])


# --- named tuples made from all their fields with tuple.__new__ -------------------------------


def test_named_tuples_made_directly_hold_every_field():
    """``tuple.__new__(T, fields)`` skips the checks of ``T(...)``: each must still get every field,
    equal to what ``T(*fields)`` makes."""
    from pipeline.extract.dates import FoundDate, find_dates, scan_dates
    from pipeline.extract.indicators import FoundIndicator, find_indicators
    from pipeline.extract.numerals import Number, scan_numbers

    text = "2024年3月5日起,收入598.27亿元,同比增长4.70%,新增企业1,127家、三家,惠及3万人。"
    made = [(FoundIndicator, find_indicators(text)), (FoundDate, find_dates(text)), (Number, scan_numbers(text)),
            (dates._Expression, scan_dates(text).expressions)]
    for kind, items in made:
        assert items, kind
        for item in items:
            assert type(item) is kind and len(item) == len(kind._fields)
            assert item == kind(*item) and item._asdict() == kind(*item)._asdict()
