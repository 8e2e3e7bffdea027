"""The shortcuts that make the organisation finder fast give what the plain reading gives: the
colon-driven label scan, the opener-driven enterprise scan, the one-call last match, the first
character tests and the word indices, each against its plain form on generated text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract import organizations as orgs

G = orgs._grammar()
R = orgs.organization_rules()


def _text(pieces: list[str]) -> st.SearchStrategy[str]:
    """Texts built from the given words and the characters around them."""
    return st.lists(st.sampled_from(pieces), max_size=40).map("".join)


LABEL_PIECES = [*R.source_labels, *orgs._role_labels(R), *R.roles.partner_before, ":", "：", " ", "\t", "市", "局", "单位", "部门", "\n", "、"]


@settings(max_examples=300, deadline=None)
@given(_text(LABEL_PIECES))
def test_labels_read_from_colons_are_the_scan(text):
    for pattern, ends in ((G.role_label, G.role_label_ends), (G.source_label, G.source_label_ends)):
        scan = [m.span() for m in pattern.finditer(text)]
        assert [m.span() for m in orgs._labels(pattern, text, orgs._colons(text))] == scan
        assert [m.span() for m in orgs._labels(pattern, text, orgs._colons(text), ends)] == scan


ENTERPRISE_PIECES = ["等", *R.enterprise_lists.modifiers, *R.enterprise_lists.nouns, *R.enterprise_lists.company_verbs, "挂牌", "华芯", "、", "上", "市"]


@settings(max_examples=300, deadline=None)
@given(_text(ENTERPRISE_PIECES))
def test_enterprise_ends_found_from_openers_are_the_scan(text):
    scan = [m.span() for m in G.enterprise_list_end.finditer(text)]
    found = orgs._matches_opening_with(G.enterprise_list_end, text, G.enterprise_list_openers)
    assert [m.span() for m in found] == scan
    found = orgs._matches_opening_with(G.enterprise_list_end, text, G.enterprise_list_openers, G.enterprise_list_followers)
    assert [m.span() for m in found] == scan


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="两个家3一十学院市,()a ", max_size=20))
def test_last_character_not_in_a_name_is_the_end_of_the_scan(text):
    ends = [m.end() for m in re.finditer(orgs._NOT_IN_NAME, text)]
    last = orgs._LAST_NOT_IN_NAME.match(text)
    assert (last.end() if last else None) == (ends[-1] if ends else None)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="(常委)、,，以及和与 \t市局x", max_size=8))
def test_connector_test_is_the_pattern(gap):
    text = "市局" + gap + "市局"
    assert orgs._connects(text, 2, 2 + len(gap)) == (orgs._CONNECTORS.fullmatch(text, 2, 2 + len(gap)) is not None)


def test_quick_character_sets_cover_their_patterns():
    """A pattern is tried only where its first (or last) character stands: those sets must hold
    every character a match can open (or end) with."""
    assert orgs._CONNECTOR_FIRSTS >= {"(", "常", "、", ",", "，", "以", "和", "及", "与"}
    words = (*R.roles.partner_before, *R.roles.lead_before)
    assert G.role_before_ends >= {w[-1] for w in words} | {" ", "\t", ":", "："}
    assert G.role_after_firsts == {w[0] for w in (*R.roles.partner_after, *R.roles.lead_after)}
    assert G.longest_label == max(map(len, (*R.source_labels, *orgs._role_labels(R))))
    for text in ("、市局等部门分别", "等有关单位 共同", " 具体", "分别"):
        assert text[0] in orgs._AFTER_LIST_FIRSTS and orgs._AFTER_LIST.match(text).end() > 0


AFTER_PIECES = ["、", "等", "有关", "相关", "部门", "单位", "3个", " ", "\t", "分别", "共同", "具体", "市局", "牵头", "负责"]


@settings(max_examples=300, deadline=None)
@given(_text(AFTER_PIECES))
def test_after_list_is_empty_where_it_cannot_open(text):
    if text[:1] not in orgs._AFTER_LIST_FIRSTS:
        assert orgs._AFTER_LIST.match(text).end() == 0


def _plain_place_before(match: str, pos: int, lo: int):
    for k in range(min(10, pos - lo), 1, -1):
        word = match[pos - k : pos]
        if word in G.places and word not in G.not_places:
            return ("place", word)
    return None


def _plain_function_before(match: str, pos: int, lo: int):
    for k in range(min(G.max_alias, pos - lo), 0, -1):
        if match[pos - k : pos] in G.aliases:
            return match[pos - k : pos]
    return None


PLACE_PIECES = ["广东省", "广州市", "广州", "黄埔区", "黄埔", "市", "区", "县", "省", "发展和改革", "发改", "工信", "市场监管", "局", "委", "新平彝族傣族自治县", "平安", "和"]


@settings(max_examples=300, deadline=None)
@given(_text(PLACE_PIECES), st.integers(0, 3))
def test_word_indices_read_what_every_length_reads(text, lo):
    for pos in range(len(text) + 1):
        low = min(lo, pos)
        assert orgs._place_before(text, pos, low) == _plain_place_before(text, pos, low)
        assert orgs._function_before(text, pos, low) == _plain_function_before(text, pos, low)


def _plain_place_names_in(text: str) -> list[str]:
    names, i = [], 0
    while i < len(text):
        found = next((text[i : i + k] for k in range(min(10, len(text) - i), 1, -1) if text[i : i + k] in G.places), None)
        names.append(found) if found else None
        i += len(found) if found else 1
    return names


@settings(max_examples=300, deadline=None)
@given(_text(PLACE_PIECES))
def test_place_names_in_an_opening_are_every_length_read(text):
    assert orgs._place_names_in(text) == _plain_place_names_in(text)


def _plain_token_before(match: str, pos: int, lo: int):
    """The reading of one prefix token as the separate finders give it (place, level, term, 中共)."""
    token = orgs._place_before(match, pos, lo) or orgs._level_before(match, pos, lo, False) or orgs._term_before(match, pos, lo)
    if token is None and match.endswith(R.name_openers, lo, pos):
        token = ("opener", next(w for w in R.name_openers if match.endswith(w, lo, pos)))
    return token


PREFIX_PIECES = [*PLACE_PIECES, "中共", "中国共产党", "第十", "八届", "届", "城区", "全市", "开发区", "高新区", "新区", "自治区", "街道", "镇", "乡", "会同", "大同", "党"]


@settings(max_examples=300, deadline=None)
@given(_text(PREFIX_PIECES), st.integers(0, 3))
def test_one_call_token_reads_what_the_separate_finders_read(text, lo):
    for pos in range(1, len(text) + 1):
        low = min(lo, pos - 1)
        assert orgs._token_before(G, text, pos, low) == _plain_token_before(text, pos, low)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab \t\n市", max_size=30))
def test_first_lines_are_the_line_pattern(text):
    spans = [(m.start(1), m.end(1)) for m, _ in zip(orgs._LINE.finditer(text), range(orgs.HEADER_LINES))]
    found = orgs._first_lines(text)
    # the pattern adds an empty line at the end after a last line that is not empty: it never names a banner
    assert spans[: len(found)] == found and all(s == e == len(text) for s, e in spans[len(found) :])


MERGE_TEXTS = ["市委组织部", "市工信局党组", "市经信局巡察反馈问题整改工作领导小组办公室", "市水务投资集团有限公司", "市人大常委会办公室", "区纪委监委"]


def test_a_merge_is_the_outer_unit_replaced():
    import dataclasses
    from unittest import mock

    merges = []

    def merge(outer, inner):
        merged = real(outer, inner)
        merges.append((outer, inner, merged))
        return merged

    real = orgs._merge
    with mock.patch.object(orgs, "_merge", merge):
        for text in MERGE_TEXTS:
            orgs.find_organizations(text)
    assert len(merges) >= len(MERGE_TEXTS) - 1  # 纪委监委 is one organ word, no merge
    for outer, inner, merged in merges:
        plain = dataclasses.replace(outer, end=inner.end, kind=merged.kind, function=merged.function, tail_start=inner.body_start,
                                    issuers_own=outer.issuers_own and outer.division is None)
        assert merged == plain


UNIT_PIECES = ["局", "政府", "人民政府", "法院", "。", ",", "\n", "市", "区", "我", "财政", "公安", "交通运输", "广州", "县", "各", "和", "、",
               "办", "办公室", "办公厅", "所", "整改", "市委", "产业园区", "基地", "集团", "大学", "中心", "(", ")", "3", "个", "清远"]


@settings(max_examples=300, deadline=None)
@given(_text(UNIT_PIECES), st.integers(0, 3), st.booleans())
def test_units_refused_at_once_are_refused_by_the_reading(text, lo, listed):
    from unittest import mock

    for m in G.head_pattern.finditer(text):
        word, (s, e) = m.group(), m.span()
        low = min(lo, s)
        if orgs._plainly_no_unit(G, text, word, G.heads[word], s, low, listed):
            with mock.patch.object(orgs, "_plainly_no_unit", lambda *args: False):
                assert orgs._read(text, word, s, e, low, False, listed) is None


@settings(max_examples=300, deadline=None)
@given(_text(["部", "门", "部门", "部署", "专门", "市", "、", "等"]), st.integers(0, 6))
def test_department_word_found_by_its_last_character_is_find(text, pos):
    assert orgs._next_bumen(text, pos) == text.find("部门", pos)


@settings(max_examples=300, deadline=None)
@given(_text(["学校", "校", "学院", "院", "集团公司", "集团", "公司", "局机关", "局", "机关", "社区", "村", "所", "两个", "市", "党委", "、"]),
       st.integers(0, 4))
def test_unit_noun_probes_read_what_every_noun_reads(text, lo):
    """The unit noun before a mention found by a probe per length is the longest one of the rules."""
    for start in range(len(text) + 1):
        low = min(lo, start)
        mention = orgs._Mention(start, start, start, "party_organ", None)
        found = orgs._unit_noun_before(text, mention, low)
        nouns = [w for w in sorted(R.unit_nouns, key=len, reverse=True) if start - len(w) >= low and text.startswith(w, start - len(w))]
        assert mention.start == (start - len(nouns[0]) if nouns else start)
        if nouns:
            counted = start - len(nouns[0]) >= 2 and text[start - len(nouns[0]) - 1] in "个家" and text[start - len(nouns[0]) - 2] in orgs._NUMERALS
            assert found == (not counted)
            assert mention.issuers_own == (nouns[0] in R.issuer_unit_nouns)
        else:
            assert found is False


def _plain_department_function(match: str, word: str, e: int, lo: int):
    """The longest function before a department word, read with the one-position finder."""
    best, best_at = None, e - len(word)
    for k in G.suffix_lengths[word]:
        written = orgs._function_before_in(G, match, e - k, lo)
        if written is not None and (best is None or e - k - len(written) < best_at - len(best)):
            best, best_at = written, e - k
    return best, best_at


DEPARTMENT_WORDS = [w for w in G.heads if G.suffix_lengths[w]]


@settings(max_examples=300, deadline=None)
@given(_text(PLACE_PIECES), st.sampled_from(DEPARTMENT_WORDS), st.integers(0, 3))
def test_department_function_written_out_is_the_finder(text, word, lo):
    match = text + word
    e = len(match)
    low = min(lo, e - len(word))
    assert orgs._department_function(G, match, word, e - len(word), e, low) == _plain_department_function(match, word, e, low)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 12)), max_size=12), st.integers(0, 50), st.integers(1, 12))
def test_taken_overlaps_are_every_span_tested(spans, start, width):
    spans = [(s, s + w) for s, w in spans]
    assert orgs._Taken(spans).overlaps(start, start + width) == any(s < start + width and e > start for s, e in spans)


def test_word_list_character_sets_hold_every_word():
    """startswith/endswith over a word list is skipped where the character is not in its set:
    each set holds the first (or last) character of every word of its list."""
    assert G.name_opening_firsts == {w[0] for w in (*R.levels, *R.state_owned_markers)}
    assert set(G.name_openings) == {*R.levels, *R.state_owned_markers}
    assert G.generic_opener_firsts == {w[0] for w in R.generic_openers}
    assert G.generic_ending_lasts == {w[-1] for w in R.generic_endings}
    assert G.byline_firsts == {w[0] for w in R.byline_after}
    assert G.joint_after_firsts == {w[0] for w in R.joint_after}


def _plain_function_lists(match: str) -> list[tuple[int, int]]:
    """``_function_lists`` with the 等 search made at every 部门."""
    spans, pos = [], 0
    for start in [m.start() for m in re.finditer("(?=部门)", match)]:
        end = start + 2
        if start < pos:
            continue
        words = orgs._LIST_WORDS.search(match, max(0, start - 6), start)
        at = words.start() if words else start
        if at >= pos and orgs._function_before(match, at, max(0, at - 12)) is not None:
            listing = G.function_list.search(match, max(pos, at - 120), end)
            if listing is not None and listing.end() == end:
                pos = end
                spans.append(listing.span())
    return spans


LIST_PIECES = ["等", "有关", "相关", "职能", "部门", "统计", "税务", "市场监督管理", "、", "区", "和", "部"]


@settings(max_examples=300, deadline=None)
@given(_text(LIST_PIECES))
def test_function_lists_searched_after_a_deng_are_every_search(text):
    assert [m.span() for m in orgs._function_lists(text)] == _plain_function_lists(text)


def test_named_places_stop_once_every_level_has_one():
    from pipeline.extract.gazetteer import Place

    text = "广东省财政厅、广州市财政局、黄埔区财政局、清远市财政局、湖北省商务厅、江岸区商务局"
    mentions = orgs._scan(text, [])
    plain: dict = {}
    for m in mentions:
        if m.division is not None and not m.inherited:
            plain.setdefault(orgs._LEVEL_OF_DIVISION[m.division.level], m.division)
    assert len(plain) == 3 and orgs._with_named_places({}, mentions) == plain
    assert orgs._context(Place(), mentions) == plain


STOP_PIECES = [*R.name_stops[:40], "广州", "学院", "中心", "市", "、", "以", "及"]


@settings(max_examples=300, deadline=None)
@given(_text(STOP_PIECES))
def test_stop_word_tries_match_the_alternations(text):
    from pipeline import rules

    plain = re.compile(rules.alt(R.name_stops))
    group = re.compile(rules.alt(sorted(set(R.name_stops) - set(R.group_name_words))))
    assert [m.span() for m in G.stop_pattern.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert [m.span() for m in G.group_stop_pattern.finditer(text)] == [m.span() for m in group.finditer(text)]
