"""The outline: sections, problems and measures (SPEC 2–4), on the five documents and on small cases."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.extract.numerals import whole_number
from pipeline.segment import _LEVEL4, _lines_from_end, _NON_SPACE, _more, _LEVEL4_AFTER_BREAK, _LINE_MARKERS, _LINE_MARKERS_AFTER_BREAK, _after_breaks, problem_statement, segment

DOC_TYPES = {"000": "inspection_rectification", "001": "inspection_rectification", "002": "inspection_rectification", "003": "proposal_reply", "004": "inspection_rectification"}


@pytest.fixture(scope="module")
def outlines(canonical_texts):
    return {k: segment(text, DOC_TYPES[k]) for k, text in canonical_texts.items()}


@pytest.mark.parametrize("doc, problems, inferred", [("000", 29, 0), ("001", 14, 0), ("002", 11, 1), ("003", 0, 0), ("004", 25, 0)])
def test_problem_counts(outlines, doc, problems, inferred):
    found = outlines[doc].problems
    assert len(found) == problems
    assert sum(p.inferred for p in found) == inferred


@pytest.mark.parametrize(
    "doc, number, field, expected",
    [
        ("000", 1, "category", "关于协调机构发挥作用方面"),
        ("000", 1, "title", "促进中小企业(民营经济)发展工作领导小组办公室有关职责清单和办公室日常运作机制问题的整改"),
        ("000", 2, "problem", "设立广州民营经济学院"),
        ("000", 7, "category", "关于政策效应发挥方面"),
        ("001", 1, "problem", "惠企措施缺乏统筹"),
        ("002", 1, "title", "进一步强化党的创新理论武装,深入学习贯彻习近平新时代中国特色社会主义思想,学深悟透习近平总书记关于新型工业化的重要论述"),
        ("004", 1, "title", "关于“组织学习不全面不及时”的问题"),
        ("004", 1, "problem", "组织学习不全面不及时"),
        ("004", 1, "category", None),
        ("004", 24, "problem", "“‘应收账款管理不善’清理不彻底”整改不积极"),
    ],
)
def test_problem_fields(outlines, doc, number, field, expected):
    problem = next(p for p in outlines[doc].problems if p.number == number)
    assert getattr(problem, field) == expected


@pytest.mark.parametrize("doc, number, measures", [("000", 6, 3), ("004", 1, 4), ("000", 2, 1), ("002", 10, 3), ("004", 4, 1)])
def test_measures_per_problem(outlines, doc, number, measures):
    outline = outlines[doc]
    index = next(i for i, p in enumerate(outline.problems) if p.number == number)
    assert sum(1 for m in outline.measures if m.problem == index) == measures


def test_whole_body_measure(outlines):
    outline = outlines["000"]
    index = next(i for i, p in enumerate(outline.problems) if p.number == 2)
    (measure,) = [m for m in outline.measures if m.problem == index]
    assert measure.text == "已于2024年6月26日,广州民营经济学院挂牌设立。"
    assert measure.marker is None


def test_lead_in_is_not_part_of_a_measure(outlines):
    outline = outlines["004"]
    index = next(i for i, p in enumerate(outline.problems) if p.number == 4)
    (measure,) = [m for m in outline.measures if m.problem == index]
    assert measure.text.startswith("加快推动人工智能新一轮政策出台")


def test_measure_title_from_a_short_first_sentence(outlines):
    titles = [m.title for m in outlines["000"].measures]
    assert "加强政策宣贯" in titles


def test_restarted_enumeration_is_an_inferred_problem(outlines):
    outline = outlines["002"]
    inferred = [p for p in outline.problems if p.inferred]
    assert len(inferred) == 1
    problem = inferred[0]
    assert problem.number is None and problem.title is None
    assert outline.restarts == [problem.start]


def test_damaged_markers_of_003_are_level_2_units(outlines, canonical_texts):
    units = [u for u in outlines["003"].units if u.level == 2 and u.marker == ")"]
    assert [u.heading for u in units] == ["优化工程建设领域的审批事项,压缩办事时间", "优化企业用水报装流程"]
    parent = outlines["003"].units[units[0].parent]
    assert parent.marker == "四、"
    assert [u.seq for u in units] == [6, 7]


def test_003_level_2_measures(outlines):
    measures = outlines["003"].measures
    second = [m for m in measures if m.section_path and m.section_path[-1] == "推动小微工业企业上规模发展"]
    assert [m.marker for m in second] == ["一是", "二是", "三是"]
    first = [m for m in measures if m.marker == "(一)" and m.section_path == ("加大政策支持、提高政策精准度",)]
    assert len(first) == 1 and first[0].text.startswith("推动先进制造业和高技术制造业企业提质增效")


@pytest.mark.parametrize(
    "doc, roles",
    [
        ("000", ["responsibility", "rectification", "plan"]),
        ("002", ["responsibility", "rectification", "plan"]),
        ("003", ["reply"] * 5),
        ("004", ["responsibility", "rectification", "plan"]),
    ],
)
def test_level_1_roles(outlines, doc, roles):
    assert [u.role for u in outlines[doc].units if u.level == 1] == roles


def test_contact_paragraph_and_signature_are_not_sections(outlines, canonical_texts):
    for doc, outline in outlines.items():
        tail = canonical_texts[doc][outline.body_end :]
        assert all(u.end <= outline.body_end for u in outline.units)
        if doc != "003":
            assert "欢迎广大干部群众" in tail


OUTLINE_CASES = [
    # (text, [(level, marker, heading)])
    ("一、整改任务落实情况\n(一)关于甲方面\n1.乙问题的整改\n一是丙。二是丁。", [(1, "一、", "整改任务落实情况"), (2, "(一)", "关于甲方面"), (3, "1.", "乙问题的整改"), (4, "一是", "丙"), (4, "二是", "丁")]),
    ("一、情况\n统一是前提,一是做甲。二是做乙。", [(1, "一、", "情况"), (4, "一是", "做甲"), (4, "二是", "做乙")]),
    ("一、情况\n(1)甲。\n(2)乙。", [(1, "一、", "情况"), (4, "(1)", "甲"), (4, "(2)", "乙")]),
    ("一、情况\n①甲;②乙。", [(1, "一、", "情况"), (4, "①", "甲;"), (4, "②", "乙")]),
    ("一、情况\n1、甲\n2、乙", [(1, "一、", "情况"), (3, "1、", "甲"), (3, "2、", "乙")]),
    ("一、情况\n2024年完成。1.5亿元。", [(1, "一、", "情况")]),
]


@pytest.mark.parametrize("text, expected", OUTLINE_CASES)
def test_outline_cases(text, expected):
    outline = segment(text, "inspection_rectification")
    assert [(u.level, u.marker, u.heading) for u in outline.units] == expected


@pytest.mark.parametrize(
    "title, expected",
    [
        ("关于“组织学习不全面不及时”的问题", "组织学习不全面不及时"),
        ("设立广州民营经济学院问题的整改", "设立广州民营经济学院"),
        ("惠企措施缺乏统筹的整改", "惠企措施缺乏统筹"),
        ("关于资金管理不规范问题", "资金管理不规范"),
        ("“甲”和“乙”的问题", "“甲”和“乙”"),
    ],
)
def test_problem_statement(title, expected):
    assert problem_statement(title) == expected


@pytest.mark.parametrize("numeral, value", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("两", 2), ("甲", None)])
def test_small_numerals(numeral, value):
    assert whole_number(numeral) == value



_MARKER_ALPHABET = "\n。;:!?, \t一二三是的否()12①③、.甲乙"


def _groups(m) -> tuple:
    return m.end(), {name: m.span(name) for name in m.re.groupindex}


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_markers_found_after_breaks_as_finditer_finds_them(data):
    """The fast scan of markers that open a line or a clause finds what ``finditer`` finds
    (its matches open with the break character; the groups and ends are the same)."""
    text = data.draw(st.text(alphabet=_MARKER_ALPHABET, max_size=40))
    begin = data.draw(st.integers(0, len(text)))
    stop = data.draw(st.integers(begin, len(text)))
    for pattern, after_break in ((_LINE_MARKERS, _LINE_MARKERS_AFTER_BREAK), (_LEVEL4, _LEVEL4_AFTER_BREAK)):
        expected = [_groups(m) for m in pattern.finditer(text, begin, stop)]
        assert [_groups(m) for m in _after_breaks(pattern, after_break, text, begin, stop)] == expected


@pytest.mark.parametrize("text, begin", [("甲,一是乙", 2), ("甲\n1.乙", 2), ("一是甲;二是乙", 0), ("①甲。(2)乙", 0)])
def test_markers_after_breaks_at_the_bounds(text, begin):
    for pattern, after_break in ((_LINE_MARKERS, _LINE_MARKERS_AFTER_BREAK), (_LEVEL4, _LEVEL4_AFTER_BREAK)):
        expected = [_groups(m) for m in pattern.finditer(text, begin, len(text))]
        assert [_groups(m) for m in _after_breaks(pattern, after_break, text, begin, len(text))] == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\n\u3000\r甲。", max_size=12), st.data())
def test_more_is_a_search_for_a_non_space(text, data):
    """The shortcut that reads the last character answers as the search does, whatever the end."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(0, len(text)))
    assert _more(text, start, end) == (_NON_SPACE.search(text, start, end) is not None)


@pytest.mark.parametrize("text, alone", [("一、情况\n甲。", True), ("一、情况\n\u3000\u3000", False), ("一、情况", False)])
def test_heading_alone_only_before_more_text(text, alone):
    assert segment(text, "inspection_rectification").units[0].heading_alone is alone


@pytest.mark.parametrize("text", ["", "\n", "甲", "甲\n", "\n甲", "甲\n\n乙", "甲\n乙\n"])
def test_lines_from_end_cut_as_split_does(text):
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    assert list(_lines_from_end(text)) == spans[::-1]


_LEAD_IN_TEXT = st.lists(st.sampled_from(["一、整改情况\n", "(一)方面\n", "1.问题\n", "一是", "二是", "三是", "主要措施:", "整改措施 : ",
                                          "甲。", "乙丙。", "丁!", "戊?", "己" * 41 + "。", " ", "\n", "\u3000", "①", "②", "(1)", "(2)", ",", "。"]), max_size=30).map("".join)


@settings(max_examples=1000, deadline=None)
@given(_LEAD_IN_TEXT)
@example("一、整改情况\n一是主要措施:甲。乙丙。二是 \n丁!戊。三是" + "己" * 41 + "。庚。")
def test_unit_measures_are_the_plain_lead_in_and_title(text: str) -> None:
    """A unit's measure skips its lead-in and takes its title as ``_skip_lead_in`` and
    ``_measure_title`` do (the measure of a unit writes both out)."""
    from pipeline.segment import _lstrip, _measure_title, _skip_lead_in

    outline = segment(text, "inspection_rectification")
    for m in outline.measures:
        if m.unit is None:
            continue
        u = outline.units[m.unit]
        start = _skip_lead_in(text, _lstrip(text, u.body_start, u.end), u.end)
        assert m.title == _measure_title(text, start, u.end, u.heading_alone, u.heading)
        assert m.start == _lstrip(text, start, u.end)
