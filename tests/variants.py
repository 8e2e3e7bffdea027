"""Real-world variants of a document: what scrapers bring back instead of clean UTF-8 text.

Each function takes the bytes of a corpus file and returns ``(file name suffix, bytes)``.

>>> to_fullwidth("2023年8月16日,完成1.5亿元".encode())[1].decode()
'２０２３年８月１６日，完成１．５亿元'
"""

from __future__ import annotations

import html
from functools import cache

from pipeline.normalize import canonicalize, decode


def _text(data: bytes) -> str:
    return decode(data, "x.txt").raw_text


def to_gbk(data: bytes) -> tuple[str, bytes]:
    """The same text in GBK (GB18030 for the few characters GBK lacks)."""
    return ".txt", _text(data).encode("gb18030")


@cache
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(data: bytes) -> tuple[str, bytes]:
    """Simplified characters converted to traditional, one character for one."""
    text = _text(data)
    converted = _s2t().convert(text)
    if len(converted) != len(text):
        converted = "".join(c if len(t := _s2t().convert(c)) != 1 else t for c in text)
    return ".txt", converted.encode("utf-8")


_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789%.,:;()"}


def to_fullwidth(data: bytes) -> tuple[str, bytes]:
    """ASCII digits and punctuation written full-width, as Chinese word processors do."""
    return ".txt", _text(data).translate(str.maketrans(_FULLWIDTH)).encode("utf-8")


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{head_title}-{site}</title>
<meta name="SiteName" content="{site}">
<meta name="ColumnName" content="通知公告">
<meta name="ArticleTitle" content="{head_title}">
{pubdate_meta}
<link rel="stylesheet" href="/images/common.css">
<script src="/js/jquery.min.js"></script>
<script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script"); }})();</script>
<style>.article p {{ text-indent: 2em; line-height: 2; }}</style>
</head>
<body>
<div class="topbar"><div class="w1200">
  <span class="welcome">欢迎访问{site}!</span>
  <a href="javascript:void(0)" id="wza">无障碍</a> | <a href="/zhsz/">长者模式</a> |
  <a href="javascript:void(0)" class="jft">繁體</a> | <a href="/wzdt/">网站地图</a> | <a href="/sjb/">手机版</a>
</div></div>
<div class="header"><div class="w1200">
  <a class="logo" href="/"><img src="/images/logo.png" alt="{site}"></a>
  <form class="search" action="/search"><input type="text" name="q" placeholder="请输入关键词"><button type="submit">搜索</button></form>
</div></div>
<div class="nav"><ul>
  <li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li>
  <li><a href="/hdjl/">互动交流</a></li><li><a href="/ztzl/">专题专栏</a></li><li><a href="/zjwm/">走进我们</a></li>
</ul></div>
<div class="main w1200">
  <div class="location">当前位置:<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/tzgg/">通知公告</a></div>
  <div class="left article">
    {h1}
    {info}
    <div class="TRS_Editor" id="zoom">
{paragraphs}
    </div>
    <div class="share">分享到:<a href="#" class="wx">微信</a><a href="#" class="wb">微博</a><a href="#" class="qq">QQ空间</a></div>
    <div class="print"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
    <div class="pager">
      <p>上一篇:<a href="/zwgk/tzgg/content/post_1.html">关于公布2024年度工业和信息化专项资金项目计划的通知</a></p>
      <p>下一篇:<a href="/zwgk/tzgg/content/post_3.html">关于开展2025年度中小企业服务月活动的通知</a></p>
    </div>
  </div>
  <div class="right sidebar">
    <h3>相关链接</h3>
    <ul><li><a href="#">国务院</a></li><li><a href="#">国家发展改革委</a></li><li><a href="#">工业和信息化部</a></li></ul>
    <h3>热点推荐</h3>
    <ul><li><a href="#">2024年政府信息公开工作年度报告</a></li><li><a href="#">政策文件解读专栏</a></li></ul>
  </div>
</div>
<div class="footer"><div class="w1200">
  <p>主办:{site} 承办:信息中心 <a href="#">联系我们</a> | <a href="#">网站声明</a></p>
  <p>网站标识码:4401000045 <a href="#">粤ICP备05074589号</a> <img src="/images/ga.png"> 粤公网安备 44010402001623号</p>
  <p>版权所有 &copy; 2025 建议使用1920*1080分辨率</p>
</div></div>
<script>$(function(){{ $(".jft").click(function(){{ zh_tran('t'); }}); }});</script>
</body>
</html>
"""


def _header_lines(text: str) -> tuple[int | None, int | None]:
    """Line numbers of the title and of the line that carries the publication date."""
    from pipeline.build import extract_text

    document = extract_text(text).document
    title_line = info_line = None
    lines = text.split("\n")
    for n, line in enumerate(lines[:12]):
        if document.title and line.strip() == document.title and title_line is None:
            title_line = n
        elif info_line is None and document.published_date and document.published_date.isoformat() in line:
            info_line = n
    return title_line, info_line


def to_html_page(data: bytes) -> tuple[str, bytes]:
    """The document inside a government-site page: menus, breadcrumb, share bar, pager and footer
    around it; its title in ``<h1>``, its date line under the title, each paragraph a ``<p>``."""
    text = canonicalize(_text(data)).text
    title_line, info_line = _header_lines(text)
    lines = text.split("\n")
    title = lines[title_line].strip() if title_line is not None else None
    info = lines[info_line].strip() if info_line is not None else None
    body = [line for n, line in enumerate(lines) if n not in (title_line, info_line) and line.strip()]
    paragraphs = "\n".join(f"<p>{html.escape(line.strip())}</p>" for line in body)
    pubdate_meta = ""
    if info:
        date = next(part for part in info.replace(":", " ").split() if part[:4].isdigit())
        pubdate_meta = f'<meta name="PubDate" content="{date} 09:30">'
    info_html = ""
    if info:
        spans = "".join(f"<span>{html.escape(part)}</span>\n" for part in info.split())
        info_html = f'<div class="info">{spans}<span class="font">字体:[<a>大</a>][<a>中</a>][<a>小</a>]</span></div>'
    page = _PAGE.format(
        site="某市工业和信息化局门户网站",
        head_title=html.escape(title or "巡察整改进展情况"),
        pubdate_meta=pubdate_meta,
        h1=f"<h1>{html.escape(title)}</h1>" if title else "",
        info=info_html,
        paragraphs=paragraphs,
    )
    return ".html", page.encode("utf-8")


VARIANTS = {"gbk": to_gbk, "traditional": to_traditional, "fullwidth": to_fullwidth, "html": to_html_page}


# --- containers and binary documents: one page per file, read back with its provenance ------

URL = "https://www.example.gov.cn/zwgk/{stem}.html"


def _record(data: bytes, stem: str) -> dict:
    return {"url": URL.format(stem=stem), "content": _text(data), "crawled_at": "2025-04-01T08:00:00+08:00"}


def to_jsonl(data: bytes, stem: str) -> tuple[str, bytes]:
    """One JSON Lines record with the page's text under a common column name."""
    import json

    return ".jsonl", (json.dumps(_record(data, stem), ensure_ascii=False) + "\n").encode("utf-8")


def to_csv(data: bytes, stem: str) -> tuple[str, bytes]:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["url", "content", "crawled_at"])
    writer.writeheader()
    writer.writerow(_record(data, stem))
    return ".csv", out.getvalue().encode("utf-8")


def to_parquet(data: bytes, stem: str) -> tuple[str, bytes]:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist([_record(data, stem)]), out)
    return ".parquet", out.getvalue()


def warc_record(kind: str, url: str, block: bytes, *, content_type: str = "application/http; msgtype=response") -> bytes:
    """One WARC record, gzip-compressed on its own as crawlers write them (FastWARC)."""
    import gzip
    import io

    from fastwarc.warc import WarcRecord, WarcRecordType

    record = WarcRecord()
    record.init_headers(getattr(WarcRecordType, kind), content_length=len(block))
    record.headers["WARC-Target-URI"] = url
    record.headers["WARC-Date"] = "2025-04-01T00:00:00Z"
    record.headers["Content-Type"] = content_type
    record.set_bytes_content(block)
    out = io.BytesIO()
    record.write(out)
    return gzip.compress(out.getvalue(), compresslevel=6, mtime=0)


def http_response(body: bytes, status: str = "200 OK", media: str = "text/html; charset=utf-8") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Type: {media}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


def to_warc(data: bytes, stem: str) -> tuple[str, bytes]:
    """The government-site page as the HTML response of a crawl, after its request record."""
    url = URL.format(stem=stem)
    page = to_html_page(data)[1]
    request = warc_record("request", url, f"GET /zwgk/{stem}.html HTTP/1.1\r\nHost: www.example.gov.cn\r\n\r\n".encode(), content_type="application/http; msgtype=request")
    return ".warc.gz", request + warc_record("response", url, http_response(page))


def to_docx(data: bytes, stem: str) -> tuple[str, bytes]:
    """The text saved from Word: one paragraph per line."""
    import io

    import docx

    document = docx.Document()
    for line in _text(data).split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return ".docx", out.getvalue()


def chromium() -> str | None:
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def to_pdf(data: bytes, stem: str) -> tuple[str, bytes]:
    """The text printed to PDF by headless Chromium, with its running header and footer
    (date and title at the top, address and page number at the bottom)."""
    import subprocess
    import tempfile
    from pathlib import Path

    lines = "".join(f"<p>{html.escape(line)}</p>" for line in _text(data).split("\n"))
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{stem}</title></head><body>{lines}</body></html>'
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / f"{stem}.html", Path(folder) / f"{stem}.pdf"
        source.write_text(page, encoding="utf-8")
        subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={target}", source.as_uri()],
                       check=True, capture_output=True, timeout=120)
        return ".pdf", target.read_bytes()


PAGE_VARIANTS = {"jsonl": to_jsonl, "csv": to_csv, "parquet": to_parquet, "warc": to_warc, "docx": to_docx, "pdf": to_pdf}
CONTAINERS = {"jsonl", "csv", "parquet", "warc"}
