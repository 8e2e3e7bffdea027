"""Web pages and legacy encodings: the notice's own lines stay, the page furniture goes."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from pipeline.build import extract_bytes
from pipeline.normalize import canonicalize, decode

PAGES = Path(__file__).resolve().parent / "inputs" / "html"
EXPECTED = json.loads((PAGES / "expectations.json").read_text("utf-8"))
FURNITURE = ["当前位置", "當前位置", "分享到", "上一篇", "下一篇", "網站標識碼", "网站标识码", "打印本页", "打印本頁", "版权所有", "版權所有", "热门文章", "站内搜索", "加入收藏", "ICP备"]


def _flat(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_keeps_the_notice(name):
    decoded = decode((PAGES / name).read_bytes(), name)
    text = _flat(canonicalize(decoded.raw_text).text)
    for line in EXPECTED[name]:
        assert _flat(line) in text, line


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_drops_the_furniture(name):
    text = canonicalize(decode((PAGES / name).read_bytes(), name).raw_text).text
    assert [f for f in FURNITURE if f in text] == []


@pytest.mark.parametrize(
    "name, encoding, title, published",
    [
        ("table_layout_gbk.html", "gb18030+html", "某县发展和改革局关于巡察整改进展情况的通报", "2024-05-20"),
        ("meta_date_only.html", "utf-8+html", "某市审计局党组关于巡察整改进展情况的通报", "2024-11-08"),
        ("traditional_big5.html", "big5+html", "中共某區商務局黨組關於巡察整改進展情況的通報", "2024-09-03"),
    ],
)
def test_page_metadata(name, encoding, title, published):
    extraction = extract_bytes((PAGES / name).read_bytes(), name)
    document = extraction.document
    assert (document.encoding, document.title, document.published_date.isoformat()) == (encoding, title, published)
    assert document.doc_type.endswith("rectification")
    assert [p.number for p in extraction.problems] and all(p.problem for p in extraction.problems)


def test_traditional_page_rows_keep_their_characters():
    extraction = extract_bytes((PAGES / "traditional_big5.html").read_bytes(), "traditional_big5.html")
    assert [p.problem for p in extraction.problems] == ["促進消費政策落實不夠精準", "外貿企業服務不到位"]
    assert extraction.document.issuer == "中共某區商務局黨組"
    assert extraction.document.inspection_body == "區委第二巡察組"


NOTICE = "一、整改任務落實情況\n1.學習不深入的問題。一是於2024年6月26日完成整改,投入資金120萬元。\n"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (NOTICE.encode("big5"), "big5"),
        (NOTICE.encode("gb18030"), "gb18030"),
        (NOTICE.replace("於", "于").encode("utf-8")[:-2], "utf-8"),  # cut inside the last character
        (NOTICE.encode("utf-16")[:-1], "utf-16"),
        (b"\xef\xbb\xbf" + NOTICE.encode("gb18030"), "gb18030"),  # a stray UTF-8 mark
    ],
)
def test_legacy_and_damaged_encodings(data, encoding):
    decoded = decode(data, "x.txt")
    assert decoded.encoding == encoding
    assert "整改任務落實情況" in decoded.raw_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("于２０２１１２２８日完成整改", ("2021-12-28", True)),
        ("於2021915日完成整改", ("2021-09-15", True)),
        ("１．學習不深入的問題。一是於２０２４年６月２６日完成", ("2024-06-26", False)),
    ],
)
def test_dates_in_fullwidth_and_traditional_text(text, expected):
    from pipeline.build import extract_text

    date = extract_text(text).dates[0]
    assert (date.date_start.isoformat(), date.broken) == expected
