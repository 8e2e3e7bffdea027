"""The normalize stage: decoding, the canonical text of SPEC 0, and the map back to the input."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.fold import fold_traditional
from pipeline.normalize import InputRejected, canonicalize, decode

CANONICAL_CASES = [
    # (raw text, canonical text)
    ("１２３４５万元", "12345万元"),
    ("（一）关于方面", "(一)关于方面"),
    ("同比增长４．７０％", "同比增长4.70%"),
    ("“两个确立”、《条例》〔2023〕。", "“两个确立”、《条例》〔2023〕。"),
    ("甲\r\n乙\r丙", "甲\n乙\n丙"),
    ("甲   \n乙\t\n", "甲\n乙"),
    ("甲\n\n\n\n乙", "甲\n\n乙"),
    ("\n\n甲", "甲"),
    ("①加强", "①加强"),
    ("\u3000\u3000根据", "  根据"),
    ("信息来源:机关党委 时间:2025-03-28 字体: [大] [中] [小]\n通报内容", "信息来源:机关党委 时间:2025-03-28\n通报内容"),
    ("当前位置: 首页 > 通知公告\n通报内容", "通报内容"),
    ("通报内容\n扫一扫在手机打开当前页\n分享:", "通报内容"),
    ("通报内容\n上一篇:某某 下一篇:某某", "通报内容"),
    ("来源:本网访问量:-发布时间:2023-09-22", "来源:本网发布时间:2023-09-22"),
    ("无障碍辅助浏览 长者助手 繁体版 简体版 市民网页\n通报内容", "通报内容"),
    ("a\u200bb\ufeffc", "abc"),
]


@pytest.mark.parametrize("raw, expected", CANONICAL_CASES)
def test_canonical_text(raw, expected):
    assert canonicalize(raw).text == expected


@pytest.mark.parametrize("raw, expected", CANONICAL_CASES)
def test_raw_offsets_point_at_each_character(raw, expected):
    canon = canonicalize(raw)
    for i, char in enumerate(canon.text):
        raw_start, raw_end = canon.raw_span(i, i + 1)
        piece = raw[raw_start:raw_end]
        if char == "\n":
            assert piece in ("\n", "\r\n", "\r")
        elif char.isspace():
            assert piece.isspace()
        else:
            assert canonicalize(piece).text == char


def test_traditional_folding_keeps_length():
    text = "項目資金與發展規劃"
    folded = fold_traditional(text)
    assert len(folded) == len(text)
    assert folded == "项目资金与发展规划"


ENCODED_CASES = [
    ("utf-8", "巡察整改进展情况".encode("utf-8")),
    ("utf-8-bom", b"\xef\xbb\xbf" + "巡察整改进展情况".encode("utf-8")),
    ("gb18030", "巡察整改进展情况的通报，整改完成。".encode("gbk")),
    ("utf-16", "巡察整改进展情况".encode("utf-16")),
    ("utf-16-le", "abc巡察整改".encode("utf-16-le")),
]


@pytest.mark.parametrize("encoding, data", ENCODED_CASES)
def test_decoding(encoding, data):
    decoded = decode(data, "x.txt")
    assert decoded.encoding == encoding
    assert "巡察整改" in decoded.raw_text


REJECTED = [
    (b"", "empty"),
    (b"   \n\t  ", "empty"),
    (b"\x00\x01\x02\x03" * 100, "binary"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "unsupported_format"),
]


@pytest.mark.parametrize("data, reason", REJECTED)
def test_rejected_inputs(data, reason):
    with pytest.raises(InputRejected) as info:
        decode(data, "x.bin")
    assert info.value.reason == reason


def test_too_large():
    with pytest.raises(InputRejected) as info:
        decode(b"a" * 101, "x.txt", max_bytes=100)
    assert info.value.reason == "too_large"


def test_html_is_reduced_to_text():
    page = "<html><head><title>t</title><script>var x=1;</script></head><body><p>一、整改情况</p><p>通报内容。</p></body></html>"
    decoded = decode(page.encode(), "page.html")
    assert "var x" not in decoded.raw_text
    assert "一、整改情况" in canonicalize(decoded.raw_text).text


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_never_raises_and_is_idempotent(raw):
    once = canonicalize(raw).text
    assert canonicalize(once).text == once


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("一二三、。,(（)）１2３字体:[大中小]\n\r \t\u3000年月日《》①ａ")))
def test_offsets_in_bounds(raw):
    canon = canonicalize(raw)
    n = len(canon.text)
    for start, end in ((0, n), (0, min(1, n)), (n // 2, n)):
        raw_start, raw_end = canon.raw_span(start, end)
        assert 0 <= raw_start <= raw_end <= len(raw)
    assert len(canon.match) == n


@settings(max_examples=400, deadline=None)
@given(st.text(" \t\na", max_size=16))
def test_whitespace_patterns_match_their_plain_forms(text: str) -> None:
    """The trailing-space and blank-line patterns are written to start with the character they
    remove (so the regex engine can skip ahead); they must find what the plain forms find."""
    import re

    from pipeline.normalize import _BLANK_RUNS, _TRAILING_SPACE

    plain_trailing = re.compile(r"(?<![ \t])[ \t]+(?=\n|\Z)")
    plain_blank = re.compile(r"\A\n+|\n+\Z|(?<=\n\n)\n+")
    assert [m.span() for m in _TRAILING_SPACE.finditer(text)] == [m.span() for m in plain_trailing.finditer(text)]
    assert [m.span() for m in _BLANK_RUNS.finditer(text)] == [m.span() for m in plain_blank.finditer(text)]


_NFKC_ALPHABET = "一字。,\xa0\u3000１ａ→①㈠ﬁ\u2028e\u0301 \n"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_NFKC_ALPHABET)) | st.text())
def test_nfkc_in_place_is_the_edits_applied(text: str) -> None:
    """The shortcut that rewrites each distinct character at once gives the text the edits give;
    it declines only for text with combining marks or an edit that is not one character for one."""
    from pipeline.normalize import _HAS_COMBINING, _nfkc_edits, _nfkc_in_place
    from pipeline.offsets import apply_edits

    edits = _nfkc_edits(text)
    in_place = _nfkc_in_place(text)
    one_for_one = all(end - start == 1 and len(new) == 1 for start, end, new in edits)
    if in_place is None:
        assert _HAS_COMBINING.search(text) or not one_for_one
    else:
        assert one_for_one
        assert in_place == apply_edits(text, edits)[0]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("a一\n\t\r\xa0\u3000\x00\x08\x1f\x7f\x85\x9f\u200b")) | st.text())
def test_control_ratio_is_the_share_of_controls(text: str) -> None:
    from pipeline.normalize import _CONTROLS, _control_ratio

    sample = text[:65536]
    assert _control_ratio(text) == (len(_CONTROLS.findall(sample)) / len(sample) if sample else 0.0)
