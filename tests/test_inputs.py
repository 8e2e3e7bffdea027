"""Containers and binary documents: WARC, JSON Lines, CSV, Parquet, PDF, DOCX and the binary
formats that are rejected by name; every record ends in documents or rejects, with its provenance."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.build import extract_bytes
from pipeline.inputs.containers import read_container
from pipeline.inputs.stamps import calendar_date, timestamp
from pipeline.inputs.docx import docx_text
from pipeline.inputs.formats import input_rules, sniff
from pipeline.inputs.pdf import Line, _drop_furniture, _paragraphs
from pipeline.normalize import InputRejected, decode
from variants import http_response, warc_record

ROOT = Path(__file__).resolve().parent.parent
NOTICE = "关于某项目巡察整改进展情况的通报\n一、整改任务落实情况\n1.学习不深入的问题\n一是于8月26日组织专题学习,开展集中学习12次。\n"
PAGE = f"<html><head><link rel='canonical' href='https://a.gov.cn/p/1.html'></head><body><h1>关于某项目巡察整改进展情况的通报</h1><p>一、整改任务落实情况</p><p>1.学习不深入的问题</p><p>一是于8月26日组织专题学习,开展集中学习12次。</p></body></html>"


def _read(path: Path, **kwargs):
    skipped: Counter = Counter()
    entries = list(read_container(path, path.name, max_bytes=kwargs.pop("max_bytes", 1 << 24), skipped=skipped, **kwargs))
    return entries, dict(skipped)


# --- formats by their first bytes ----------------------------------------------------------


@pytest.mark.parametrize("signature", input_rules().signatures, ids=lambda s: s.format + s.magic[:6])
def test_every_signature_is_rejected_by_name(signature):
    data = bytes.fromhex(signature.magic) + bytes(range(256)) * 4
    assert sniff(data, "x.bin") == signature.format
    with pytest.raises(InputRejected) as caught:
        decode(data, "x.bin")
    assert caught.value.reason == "unsupported_format"
    assert signature.format in caught.value.message


@pytest.mark.parametrize("suffix", [".doc", ".wps", ".xls", ".et"])
def test_ole2_files_keep_the_name_their_suffix_gives(suffix):
    data = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(512)
    with pytest.raises(InputRejected) as caught:
        decode(data, f"notice{suffix}")
    assert caught.value.reason == "unsupported_format" and f"a {suffix} file" in caught.value.message


@pytest.mark.parametrize("member", input_rules().zip_members, ids=lambda m: m.format)
def test_every_zip_member_names_its_office_format(member):
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(member.member, "<x/>")
    assert sniff(out.getvalue(), "x.zip") == member.format


def test_text_is_no_binary_format():
    for text in (NOTICE, PAGE, "MZ开头的文本", "ID3 不是音频"):
        assert sniff(text.encode("utf-8"), "a.txt") is None


# --- PDF -------------------------------------------------------------------------------------


def _pdf(content: bytes) -> bytes:
    """A one-page PDF whose page draws ``content`` (no fonts: a scan-like page has no text)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_without_a_text_layer_is_no_text():
    with pytest.raises(InputRejected) as caught:
        decode(_pdf(b"0 0 1 rg 10 10 300 300 re f"), "scan.pdf")
    assert caught.value.reason == "no_text" and "no text layer" in caught.value.message


def test_a_damaged_pdf_is_undecodable():
    with pytest.raises(InputRejected) as caught:
        decode(b"%PDF-1.4\n" + bytes(range(256)) * 8, "broken.pdf")
    assert caught.value.reason in ("undecodable", "no_text")


def _line(page, text, top, x1=500.0, x0=50.0, band=False):
    return Line(page, text, x0, x1, top, 12.0, band)


def test_running_heads_and_page_numbers_go_and_paragraphs_join_across_pages():
    lines = [
        _line(0, "2025/3/28 某市工业和信息化局", 10, band=True), _line(0, "一、整改任务落实情况", 100, x1=200),
        _line(0, "1.学习不深入的问题的整改。一是组织专题学习,全年开展集中学", 130), _line(0, "第 1 页 共 2 页", 830, band=True),
        _line(1, "2025/3/28 某市工业和信息化局", 10, band=True), _line(1, "习12次。", 100, x1=120),
        _line(1, "二、下一步工作打算", 130, x1=200), _line(1, "- 2 -", 830, band=True),
    ]
    kept = _drop_furniture(lines, 2)
    assert [l.text for l in kept if l.band] == []
    assert _paragraphs(kept) == ["一、整改任务落实情况", "1.学习不深入的问题的整改。一是组织专题学习,全年开展集中学习12次。", "二、下一步工作打算"]


def test_a_line_ending_short_before_an_unbreakable_number_still_continues():
    lines = [_line(0, "全市累计支持重点节能项目15个,财政资金支持", 100, x1=470), _line(0, "725.4万元,累计节约能源。", 115, x1=300),
             _line(0, "下一段从这里开始,并且写满了整整一行的文字内容", 145)]
    assert _paragraphs(lines) == ["全市累计支持重点节能项目15个,财政资金支持725.4万元,累计节约能源。", "下一段从这里开始,并且写满了整整一行的文字内容"]


# --- DOCX ------------------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _numbered_docx() -> bytes:
    """A notice whose outline is Word's automatic numbering: 一、 at level 0, (一) at 1, 1. at 2."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="(%2)"/></w:lvl>'
        '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>'
        '</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num xmlns:w="{W}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    document.add_paragraph("关于巡察整改进展情况的通报")
    for level, text in [(0, "整改任务落实情况"), (1, "关于学习方面"), (2, "学习不深入的问题"), (2, "制度不健全的问题"),
                        (1, "关于作风方面"), (2, "作风不实的问题"), (0, "下一步工作打算")]:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "联系电话", "020-83123931"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_list_numbers_are_written_as_markers():
    assert docx_text(_numbered_docx()).split("\n") == [
        "关于巡察整改进展情况的通报", "一、整改任务落实情况", "(一)关于学习方面", "1.学习不深入的问题", "2.制度不健全的问题",
        "(二)关于作风方面", "1.作风不实的问题", "二、下一步工作打算", "联系电话\t020-83123931"]


def test_a_numbered_docx_gives_its_problems():
    extraction = extract_bytes(_numbered_docx(), "notice.docx")
    assert extraction.document.encoding == "docx"
    assert [(p.number, p.category) for p in extraction.problems] == [(1, "关于学习方面"), (2, "关于学习方面"), (1, "关于作风方面")]


# --- WARC ------------------------------------------------------------------------------------


def _crawl() -> bytes:
    url = "https://a.gov.cn/p/{}.html"
    return b"".join([
        warc_record("warcinfo", "", b"software: test\r\n", content_type="application/warc-fields"),
        warc_record("request", url.format(1), b"GET /p/1.html HTTP/1.1\r\n\r\n", content_type="application/http; msgtype=request"),
        warc_record("response", url.format(1), http_response(PAGE.encode("utf-8"))),
        warc_record("response", url.format(2), http_response(b"gone", "404 Not Found")),
        warc_record("revisit", url.format(1), b"HTTP/1.1 200 OK\r\n\r\n"),
        warc_record("response", url.format(3), http_response(b"\x89PNG\r\n\x1a\n", media="image/png")),
        warc_record("resource", url.format(4), NOTICE.replace("8月26日", "9月1日").encode("utf-8"), content_type="text/plain; charset=utf-8"),
    ])


def test_warc_pages_are_read_and_other_records_skipped_and_counted(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(_crawl())
    entries, skipped = _read(path)
    assert [(e.source, e.provenance.url) for e in entries] == [("crawl.warc.gz#3", "https://a.gov.cn/p/1.html"), ("crawl.warc.gz#7", "https://a.gov.cn/p/4.html")]
    assert entries[0].provenance.fetched_at == "2025-04-01T00:00:00Z"
    assert skipped == {"warcinfo": 1, "request": 1, "status 404": 1, "revisit": 1, "image/png": 1}


@pytest.mark.parametrize("media", input_rules().document_media_types)
def test_every_document_media_type_is_read(tmp_path, media):
    path = tmp_path / "one.warc.gz"
    path.write_bytes(warc_record("resource", "https://a.gov.cn/x", NOTICE.encode("utf-8"), content_type=media))
    entries, skipped = _read(path)
    assert len(entries) == 1 and entries[0].data and skipped == {}


@pytest.mark.parametrize("packing", ["per-record", "whole-file", "plain"])
def test_warc_reads_however_it_is_compressed(tmp_path, packing):
    records = _crawl()
    plain = gzip.decompress(records)
    data = {"per-record": records, "whole-file": gzip.compress(plain), "plain": plain}[packing]
    path = tmp_path / ("crawl.warc" if packing == "plain" else "crawl.warc.gz")
    path.write_bytes(data)
    assert [e.source.split("#")[1] for e in _read(path)[0]] == ["3", "7"]


def test_a_damaged_warc_record_is_rejected_and_the_rest_kept(tmp_path):
    pages = [warc_record("resource", f"https://a.gov.cn/{i}", NOTICE.replace("12次", f"{i + 1}次").encode(), content_type="text/plain") for i in range(4)]
    damaged = bytearray(pages[1])
    damaged[20:60] = bytes(40)
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(pages[0] + bytes(damaged) + pages[2] + pages[3])
    entries, _ = _read(path)
    assert [(e.source, e.reason) for e in entries] == [("crawl.warc.gz#1", None), ("crawl.warc.gz#2", "error"), ("crawl.warc.gz#3", None), ("crawl.warc.gz#4", None)]
    assert [e.provenance.url for e in entries if e.data] == ["https://a.gov.cn/0", "https://a.gov.cn/2", "https://a.gov.cn/3"]


def test_a_warc_page_takes_its_address_before_the_canonical_link(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(_crawl())
    entry = _read(path)[0][0]
    assert extract_bytes(entry.data, entry.source, provenance=entry.provenance).document.url == "https://a.gov.cn/p/1.html"
    assert extract_bytes(PAGE.encode(), "page.html").document.url == "https://a.gov.cn/p/1.html"
    og = PAGE.replace("<link rel='canonical' href='https://a.gov.cn/p/1.html'>", "<meta property='og:url' content='https://b.gov.cn/x'>")
    assert extract_bytes(og.encode(), "page.html").document.url == "https://b.gov.cn/x"


# --- record files ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["text", "url", "date", "fetched_at", "title"])
def test_every_common_column_name_is_found(tmp_path, role):
    values = {"text": NOTICE, "url": "https://a.gov.cn/1", "date": "2023-05-06", "fetched_at": "2023-05-07T01:02:03Z", "title": "某标题"}
    for name in getattr(input_rules().record_fields, role):
        record = {("text" if role != "text" else name): NOTICE, name: values[role]}
        path = tmp_path / "r.jsonl"
        path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
        [entry], _ = _read(path)
        assert entry.reason is None, (name, entry.message)
        found = {"text": entry.data is not None, "url": entry.provenance.url == values["url"],
                 "date": entry.provenance.reference_date == dt.date(2023, 5, 6),
                 "fetched_at": entry.provenance.fetched_at == "2023-05-07T01:02:03Z", "title": entry.provenance.title == "某标题"}[role]
        assert found, name


def test_jsonl_bad_lines_are_rejected_and_the_rest_kept(tmp_path):
    path = tmp_path / "pages.jsonl"
    path.write_text("\n".join([json.dumps({"url": "u1", "html": PAGE}), "{not json", "[1, 2]", json.dumps({"id": 5}),
                               json.dumps({"url": "u5", "text": ""}), "", json.dumps({"text": NOTICE, "link": "u6"})]) + "\n", encoding="utf-8")
    entries, _ = _read(path)
    assert [(e.source, e.reason) for e in entries] == [("pages.jsonl#1", None), ("pages.jsonl#2", "undecodable"), ("pages.jsonl#3", "undecodable"),
                                                     ("pages.jsonl#4", "empty"), ("pages.jsonl#5", "empty"), ("pages.jsonl#6", None)]
    assert "--record-fields text=COLUMN" in entries[3].message
    assert entries[5].provenance.url == "u6"


def test_a_cut_jsonl_gz_keeps_what_it_holds(tmp_path):
    lines = "".join(json.dumps({"text": NOTICE.replace("12次", f"{i}次")}, ensure_ascii=False) + "\n" for i in range(50))
    packed = gzip.compress(lines.encode("utf-8"))
    path = tmp_path / "pages.jsonl.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    entries, _ = _read(path)
    assert entries[-1].reason == "error" and "cannot be read past record" in entries[-1].message
    assert all(e.reason is None for e in entries[:-1]) and len(entries) > 10


def test_record_fields_can_be_named(tmp_path):
    path = tmp_path / "pages.csv"
    with open(path, "w", encoding="gb18030", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["页面", "地址", "content"])
        writer.writerow([NOTICE, "https://a.gov.cn/9", "不是正文"])
    [entry], _ = _read(path, fields={"text": "页面", "url": "地址"})
    assert entry.data.decode("utf-8") == NOTICE and entry.provenance.url == "https://a.gov.cn/9"


def test_parquet_records_and_a_damaged_parquet_file(tmp_path):
    path = tmp_path / "pages.parquet"
    pq.write_table(pa.table({"body": [NOTICE, None], "published": [dt.date(2022, 3, 1), None]}), path)
    entries, _ = _read(path)
    assert [(e.source, e.reason) for e in entries] == [("pages.parquet#1", None), ("pages.parquet#2", "empty")]
    assert entries[0].provenance.reference_date == dt.date(2022, 3, 1)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1" + bytes(100))
    [entry], _ = _read(broken)
    assert (entry.source, entry.reason) == ("broken.parquet", "error")


def test_a_record_title_goes_in_front_of_its_text(tmp_path):
    path = tmp_path / "pages.jsonl"
    body = NOTICE.split("\n", 1)[1]
    path.write_text(json.dumps({"title": "关于某项目巡察整改进展情况的通报", "text": body}, ensure_ascii=False) + "\n", encoding="utf-8")
    [entry], _ = _read(path)
    assert extract_bytes(entry.data, entry.source).document.title == "关于某项目巡察整改进展情况的通报"


def test_a_records_own_date_gives_the_year_of_dates_without_one(tmp_path):
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps({"text": NOTICE, "date": "2021-12-30"}, ensure_ascii=False) + "\n", encoding="utf-8")
    [entry], _ = _read(path)
    extraction = extract_bytes(entry.data, entry.source, provenance=entry.provenance)
    assert extraction.document.reference_year == 2021
    assert [d.date_start for d in extraction.dates] == [dt.date(2021, 8, 26)]


@pytest.mark.parametrize("value, expected", [
    ("2025-04-01T08:00:00+08:00", "2025-04-01T00:00:00Z"), ("20250401120000", "2025-04-01T12:00:00Z"),
    (1743465600, "2025-04-01T00:00:00Z"), (1743465600000, "2025-04-01T00:00:00Z"), ("2025年4月1日", "2025-04-01"), ("soon", None), ("", None)])
def test_capture_times(value, expected):
    assert timestamp(value) == expected


def test_calendar_dates():
    assert calendar_date("发布时间:2024年3月5日") == dt.date(2024, 3, 5)
    assert calendar_date("2024-02-30") is None and calendar_date(None) is None


# --- the command line, end to end ------------------------------------------------------------


def zhenggai(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_run_takes_containers_like_folders(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "crawl.warc.gz").write_bytes(_crawl())
    (inputs / "pages.jsonl").write_text(json.dumps({"正文": NOTICE.replace("12次", "13次"), "网址": "https://a.gov.cn/j"}, ensure_ascii=False) + "\n{bad\n", encoding="utf-8")
    (inputs / "old.wps").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(600))
    (inputs / "undated.txt").write_text(NOTICE.replace("12次", "14次"), encoding="utf-8")
    out = tmp_path / "out"
    result = zhenggai("run", str(inputs), "--out", str(out), "--reference-date", "2020-06-01", "-j", "1")
    assert result.returncode == 0, result.stderr
    assert "skipped: 5" in result.stderr
    documents = pl.read_parquet(out / "documents.parquet").sort("source")
    rejects = pl.read_parquet(out / "rejects.parquet").sort("source")
    base = inputs.as_posix()
    assert documents.select("source", "url", "reference_year").rows() == [
        (f"{base}/crawl.warc.gz#3", "https://a.gov.cn/p/1.html", 2020), (f"{base}/crawl.warc.gz#7", "https://a.gov.cn/p/4.html", 2020),
        (f"{base}/pages.jsonl#1", "https://a.gov.cn/j", 2020), (f"{base}/undated.txt", None, 2020)]
    assert rejects.select("source", "reason").rows() == [(f"{base}/old.wps", "unsupported_format"), (f"{base}/pages.jsonl#2", "undecodable")]
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["skipped_records"] == {"image/png": 1, "request": 1, "revisit": 1, "status 404": 1, "warcinfo": 1}
    first = {p.name: p.read_bytes() for p in out.glob("*.parquet")}
    again = zhenggai("run", str(inputs), "--out", str(out), "--reference-date", "2020-06-01", "-j", "2", "--full")
    assert again.returncode == 0 and {p.name: p.read_bytes() for p in out.glob("*.parquet")} == first


@pytest.mark.parametrize("args, message", [
    (["--reference-date", "2020-13-01"], "--reference-date '2020-13-01' is not a date"),
    (["--record-fields", "text"], "is not ROLE=COLUMN"),
    (["--record-fields", "body=content"], "unknown role 'body'"),
])
def test_bad_input_options_are_one_line_errors(tmp_path, args, message):
    result = zhenggai("run", "corpus", "--out", str(tmp_path / "out"), *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_damaged_docx_is_undecodable():
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document><unclosed>")
    with pytest.raises(InputRejected) as caught:
        decode(out.getvalue(), "broken.docx")
    assert caught.value.reason == "undecodable" and "DOCX" in caught.value.message


def test_extract_points_a_container_to_run(tmp_path):
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps({"text": NOTICE}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = zhenggai("extract", str(path))
    assert result.returncode == 2 and "holds many pages" in result.stderr and "zhenggai run" in result.stderr


def test_extract_reads_a_docx(tmp_path):
    path = tmp_path / "notice.docx"
    path.write_bytes(_numbered_docx())
    result = zhenggai("extract", str(path), "--indent", "0")
    assert result.returncode == 0, result.stderr
    assert [p["number"] for p in json.loads(result.stdout)["problems"]] == [1, 2, 1]


def test_a_warc_cut_inside_a_record_rejects_that_record(tmp_path):
    pages = [warc_record("resource", f"https://a.gov.cn/{i}", NOTICE.replace("12次", f"{i + 1}次").encode(), content_type="text/plain") for i in range(3)]
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(pages[0] + pages[1] + pages[2][: len(pages[2]) // 2])
    entries, _ = _read(path)
    assert [(e.source, e.reason) for e in entries] == [("crawl.warc.gz#1", None), ("crawl.warc.gz#2", None), ("crawl.warc.gz#3", "error")]
    assert "cut off" in entries[-1].message
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(pages[0] + pages[1] + pages[2])
    assert [e.reason for e in _read(whole)[0]] == [None, None, None]


def test_a_warc_cut_between_records_rejects_the_cut_one(tmp_path):
    pages = [warc_record("resource", f"https://a.gov.cn/{i}", NOTICE.replace("12次", f"{i + 1}次").encode(), content_type="text/plain") for i in range(3)]
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(pages[0] + pages[1] + pages[2][:15])
    assert [(e.source, e.reason) for e in _read(path)[0]] == [("crawl.warc.gz#1", None), ("crawl.warc.gz#2", None), ("crawl.warc.gz#3", "error")]


def test_a_docx_that_is_no_zip_is_an_undecodable_docx():
    with pytest.raises(InputRejected) as caught:
        decode(b"PK\x03\x04garbage", "notice.docx")
    assert caught.value.reason == "undecodable" and "DOCX" in caught.value.message
    with pytest.raises(InputRejected) as caught:
        decode(b"PK\x03\x04garbage", "bundle.zip")
    assert caught.value.reason == "unsupported_format" and ".zip" in caught.value.message


@pytest.mark.parametrize("number", ["3", "- 3 -", "— 3 —", "3/12", "3 / 12", "第3页", "第 3 页 共 12 页", "Page 3 of 12"])
def test_page_numbers_are_furniture(number):
    lines = [_line(0, "一、整改任务落实情况", 100, x1=200), _line(0, number, 830, band=True)]
    assert [l.text for l in _drop_furniture(lines, 1)] == ["一、整改任务落实情况"]
