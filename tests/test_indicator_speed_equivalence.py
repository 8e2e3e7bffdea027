"""The fast paths of the indicator recogniser against plain, obviously correct references.

``find_indicators`` avoids work where it can: the not-indicator rules are searched only where a
match can start (``mask.RuleScan``), so are the words before a figure (``left_fast``); unit and
qualifier words are one pattern each; most numbers are read by one pattern (``scan_numbers``).
Each shortcut is compared here with the slow, simple way on the corpus, on synthetic notices built
from it and on generated text, so that a rule edit the shortcut gets wrong fails a test. Nothing
here is timed.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import synth
from pipeline.extract import indicators as ind
from pipeline.extract import numerals as num
from pipeline.extract import outcomes
from pipeline import mask
from pipeline.normalize import canonicalize, decode

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CASES = Path(__file__).resolve().parent / "cases"
SYNTHETIC = 12  # notices recombined from the corpus


@cache
def _texts() -> tuple[tuple[str, str], ...]:
    """(name, text): the corpus and synthetic notices, each as text and as folded match text."""
    raw = [(p.name[:3], decode(p.read_bytes(), p.name).raw_text) for p in sorted(CORPUS.glob("*.txt"))]
    parts = synth.parts_of(CORPUS)
    raw += [(f"synth{i}", synth.document(parts, 7, i)) for i in range(SYNTHETIC)]
    texts = []
    for name, text in raw:
        canon = canonicalize(text)
        texts += [(name, canon.text), (f"{name}-match", canon.match)]
    return tuple(texts)


def _ids(texts):
    return [name for name, _ in texts]


TEXTS = _texts()
SCAN = mask._scan()


def _rule_characters() -> str:
    """Every character written in a mask rule, so generated text can match the rules."""
    return "".join(sorted({c for rule in mask.mask_rules().rules for c in rule.regex}))


_ALPHABET = st.sampled_from(list(_rule_characters() + "0123456789一二三四五六七八九十两年月日号路届次是大期\n \t")) | st.characters()


def _snippets() -> list[str]:
    """Text around the corpus' mask matches, to recombine into crowded text."""
    return sorted({text[max(0, x.start() - 6):x.end() + 6]
                   for _, text in TEXTS[:10] for x in SCAN.joined.finditer(text)})


@cache
def _examples() -> tuple[str, ...]:
    """The must-not-match cases (one or more for every rule) and the corpus snippets."""
    lines = (CASES / "not_indicators.jsonl").read_text("utf-8").splitlines()
    return tuple([json.loads(line)["text"] for line in lines if line.strip()] + _snippets())


_SNIPPETS = st.lists(st.sampled_from(_snippets()) | st.text(_ALPHABET, max_size=6), max_size=12).map("".join)


def _finditer(scan: mask.RuleScan, text: str) -> list[tuple[int, int]]:
    return [x.span() for x in scan.joined.finditer(text) if x.end() > x.start()]


def _spans(scan: mask.RuleScan, text: str) -> list[tuple[int, int]]:
    return [(s, e) for s, e, _ in scan.spans(text)]


# --- mask spans: the declared first characters against a plain finditer -----------------------

@pytest.mark.parametrize("name,text", TEXTS, ids=_ids(TEXTS))
def test_rule_spans_are_finditer_spans(name, text):
    assert _spans(SCAN, text) == _finditer(SCAN, text)


@pytest.mark.parametrize("numeral", list("0123456789一二三四五六七八九十两〇零"))
def test_rule_spans_are_finditer_spans_with_every_numeral(numeral):
    """The examples with each digit (and each Chinese one) in turn: a match may start with any."""
    for example in _examples():
        text = re.sub("[0-9]" if numeral.isdigit() else "[一二三四五六七八九十两〇零]", numeral, example)
        assert _spans(SCAN, text) == _finditer(SCAN, text), text


@settings(max_examples=300, deadline=None)
@given(st.text(_ALPHABET, max_size=120) | _SNIPPETS)
def test_rule_spans_are_finditer_spans_on_any_text(text):
    assert _spans(SCAN, text) == _finditer(SCAN, text)


@pytest.mark.parametrize("rules,text", [
    ([("a", "a", 0), ("ab", "a", 0)], "xabab"),  # the first rule wins at a start
    ([(r"[\u4e00-\u9fff]路\d+号", "路", 1), ("路", "路", 0), (r"\d", r"\d", 0)], "北路5号,路3"),  # offset 1
    ([(r"[\u4e00-\u9fff]路", "路", 1), ("北", "北", 0)], "北路"),  # two lanes at one start: the first rule wins
    ([("北", "北", 0), (r"[\u4e00-\u9fff]路", "路", 1)], "北路"),
    ([("东南", "东", 0), (r"[\u4e00-\u9fff]路", "路", 1)], "东南路"),  # a match ends inside another lane's next one
    ([(r"(?<![\d一])[\d一]+大", r"\d一", 0), ("一大", "一", 0)], "十一大,一大"),
])
def test_rule_scan_on_small_rule_sets(rules, text):
    scan = mask.RuleScan([(p, first, offset, str(k)) for k, (p, first, offset) in enumerate(rules)])
    assert _spans(scan, text) == _finditer(scan, text)


# --- words before a figure ----------------------------------------------------------------

def _same_left_words(m: str, floor: int, end: int) -> None:
    g = ind._grammar()
    slow, fast = g.left.search(m, floor, end), g.left_fast.search(m, floor, end)
    if slow is None or slow.end() == slow.start():
        assert fast is None
    else:
        assert fast is not None
        assert fast.start() == slow.start()
        groups = range(1, g.left.groups + 1)
        assert [fast.span(k) for k in groups] == [slow.span(k) for k in groups]


@pytest.mark.parametrize("name,text", TEXTS, ids=_ids(TEXTS))
def test_left_words_fast_and_slow(name, text):
    for n in num.scan_numbers(text):
        for floor in (n.start - 60, n.start - 24, n.start - 8):
            _same_left_words(text, max(floor, 0), n.start)


_LEFT_TEXT = list("同比较上年去同期环月增长提升至了达到约超过不低于分别与相比2023年\n ")


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(_LEFT_TEXT) | _ALPHABET, max_size=40))
def test_left_words_fast_and_slow_on_any_text(text):
    for end in range(len(text) + 1):
        _same_left_words(text, max(0, end - 24), end)


# --- unit and qualifier words, clause starts, subject tails ---------------------------------

def _unit_at_reference(m: str, k: int):
    """The loops _unit_at, _qualifier_after and _clause_start were before they became patterns."""
    units = num.unit_rules().units
    for length in sorted({len(s) for s in units}, reverse=True):
        surface = m[k:k + length]
        entry = units.get(surface)
        if entry is None or any(m.startswith(w, k + length) for w in entry.not_before):
            continue
        if (surface[-1].isascii() and surface[-1].isalpha()
                and k + length < len(m) and m[k + length].isascii() and m[k + length].isalpha()):
            continue
        return surface, entry
    return None


def _qualifier_after_reference(m: str, k: int):
    best = None
    for word in ind.indicator_rules().qualifiers.after:
        if m.startswith(word, k) and (best is None or len(word) > len(best)):
            best = word
    return best


def _clause_start_reference(m: str, pos: int) -> int:
    k = pos - 1
    while k >= 0 and m[k] not in ",;。:!?\n" and pos - k < 60:
        k -= 1
    return k + 1


def _same_words_at_every_position(m: str) -> None:
    g = ind._subject_grammar()
    trailing, longest = g.trailing, g.longest_trailing
    for k in range(len(m) + 1):
        assert ind._unit_at(m, k) == _unit_at_reference(m, k), (m[k:k + 6], k)
        assert ind._qualifier_after(m, k) == _qualifier_after_reference(m, k), (m[k:k + 6], k)
        both = ind._grammar().unit_then_qualifier.match(m, k)  # a unit and the qualifier after it, in one match
        unit = _unit_at_reference(m, k)
        assert (both and both.group("unit")) == (unit and unit[0]), k
        if unit:
            assert both.group("after") == _qualifier_after_reference(m, k + len(unit[0])), k
        assert ind._clause_start(m, k) == _clause_start_reference(m, k), k
        for start in (k - 20, k - 3):
            if start >= 0:
                slow = trailing.search(m, start, k)
                fast = trailing.search(m, max(start, k - longest - 1), k)
                assert (slow and slow.span()) == (fast and fast.span()), k


@pytest.mark.parametrize("name,text", TEXTS[:10], ids=_ids(TEXTS[:10]))
def test_words_at_every_position(name, text):
    _same_words_at_every_position(text)


@pytest.mark.parametrize("word", ind._subject_grammar().tails)
def test_every_subject_tail_is_found(word):
    g = ind._subject_grammar()
    trailing, longest = g.trailing, g.longest_trailing
    for text in (f"新建项目{word}", f"新建项目{word}\n"):
        slow = trailing.search(text, 0, len(text))
        fast = trailing.search(text, max(0, len(text) - longest - 1), len(text))
        assert slow is not None and fast is not None and slow.span() == fast.span()


_UNIT_TEXT = "".join(sorted({c for s in num.unit_rules().units for c in s}
                            | {c for e in num.unit_rules().units.values() for w in e.not_before for c in w}))


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from(list(_UNIT_TEXT + "以上下左右内之,。;\n 5")) | st.characters(), max_size=30))
def test_words_at_every_position_on_any_text(text):
    _same_words_at_every_position(text)


# --- numbers ----------------------------------------------------------------------------------

def _scan_numbers_reference(text: str) -> list[num.Number]:
    """scan_numbers without its shortcut: every number read by _number_at."""
    tables = num._tables()
    blocked = sorted([(m.start(), m.end()) for m in tables.not_numerals.finditer(text)] + num._damaged_runs(text))
    found, b, pos = [], 0, 0
    while (m := tables.starts.search(text, pos)) is not None:
        i = m.start()
        while b < len(blocked) and blocked[b][1] <= i:
            b += 1
        if b < len(blocked) and blocked[b][0] <= i:
            pos = blocked[b][1]
            continue
        number = num._number_at(text, i)
        if number is None:
            run = num._DIGIT_RUN.match(text, i) if text[i] in num._ASCII_DIGITS else None
            pos = run.end() if run else i + 1
            continue
        found.append(number)
        pos = number.end
    return found


def _same_numbers(text: str) -> None:
    numbers = num.scan_numbers(text)
    assert numbers == _scan_numbers_reference(text)
    has = re.compile(r"[05七]").search  # drop some numbers: the others must not move

    def skip(start: int, end: int) -> bool:
        return has(text, start, end) is not None

    assert num.scan_numbers(text, skip=skip) == [n for n in numbers if not skip(n.start, n.end)]
    for hidden in _hidden_spans(text):  # the scan leaps over a span no number can reach out of
        def overlaps(start: int, end: int) -> bool:
            return any(s < end and start < e for s, e in hidden)

        assert num.scan_numbers(text, hidden=hidden) == [n for n in numbers if not overlaps(n.start, n.end)], hidden


def _hidden_spans(text: str) -> list[list[tuple[int, int]]]:
    """Spans to hide: dates and dated words, as the indicators hide them; every few characters."""
    dated = [x.span() for x in re.finditer(r"[0-9一二三四五六七八九十〇零]+[年月日号]", text)]
    return [dated, [(k, k + 3) for k in range(0, len(text), 5)], [(k, k + 1) for k in range(1, len(text), 2)]]


@pytest.mark.parametrize("name,text", TEXTS, ids=_ids(TEXTS))
def test_numbers_fast_and_slow(name, text):
    _same_numbers(text)


@pytest.mark.parametrize("head", ["3", "三", "12.5", "1,000", "两", "零", "-2", "DN5", "第3", "百"])
def test_numbers_followed_by_anything_that_may_extend_them(head):
    tables = num._tables()
    nexts = set("".join(tables.multipliers) + num._GAP + num._PLACEHOLDER + num._POINT + num._ZERO + num._OVER + num._AND
                + "".join(num._DIGITS) + "0123456789/ ,.-年个元%")
    for after in sorted(nexts):
        for tail in ("", "5", "三", "一", "1/3", "万", "分之一", "三分之一"):
            _same_numbers(f"共{head}{after}{tail}个")
            if not f"{after}{tail}".endswith(num._AND):  # 3又 at the very end: _number_at fails (IndexError)
                _same_numbers(f"{head}{after}{tail}")


_NUMERAL_TEXT = list("0123456789,.%/- 一二两三四五六七八九十百千万亿兆零〇点點余多几分之又负第个元DNkm年月")


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(_NUMERAL_TEXT) | st.characters(), max_size=40))
def test_numbers_fast_and_slow_on_any_text(text):
    _same_numbers(text)


@pytest.mark.parametrize("name,text", TEXTS, ids=_ids(TEXTS))
def test_figures_from_numbers_read_once(name, text):
    """Numbers scanned once for every finder and handed in give the figures of a scan of its own."""
    assert ind.find_indicators(text, numbers=num.scan_numbers(text)) == ind.find_indicators(text)


# --- damaged figures, outcome cues ---------------------------------------------------------

@pytest.mark.parametrize("length", range(6))
def test_separator_pairs_as_four_substring_tests(length):
    import itertools
    for chars in itertools.product("a.,1", repeat=length):
        text = "".join(chars)
        assert num._separator_pair(text) == any(p in text for p in ("..", ",,", ",.", ".,")), text


def _some_cue_kind_by_kind(m: str, f: ind.FoundIndicator, left: int, right: int) -> bool:
    kinds = outcomes._kinds_counting(f.unit)
    return any((k.after is not None and k.after.match(m, f.end, right))
               or (k.noun is not None and k.noun.match(m, f.end, right))
               or any(p is not None and p.search(m, left, f.start) for p in (k.before, k.weak)) for k in kinds)


@pytest.mark.parametrize("name,text", TEXTS, ids=_ids(TEXTS))
def test_outcome_cues_of_a_unit_as_the_kinds_one_by_one(name, text):
    """One pattern per unit and place finds a cue wherever some kind's own pattern does."""
    for f in ind.find_indicators(text):
        if f.unit not in outcomes._counted_units():
            continue
        some = outcomes._cues_of_unit(f.unit)
        for left, right in (outcomes._clause_window(text, f.start, f.end), (max(0, f.start - 40), len(text))):
            union = ((some.after is not None and some.after.match(text, f.end, right) is not None)
                     or (some.noun is not None and some.noun.match(text, f.end, right) is not None)
                     or (some.before is not None and some.before.search(text, left, f.start) is not None))
            assert union == bool(_some_cue_kind_by_kind(text, f, left, right)), (f.text, left, right)
