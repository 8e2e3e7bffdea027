"""The review site: one highlight per row, readable summaries, findings in place, offline, deterministic."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from pipeline import extract_text
from pipeline.review import build_site
from pipeline.review.markup import KIND_TABLE, Mark, highlight, number, summarize
from pipeline.validate import validate

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(dataset, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(dataset, out)
    return out


def test_a_page_per_document_and_an_index(site, dataset):
    documents = pl.read_parquet(dataset / "documents.parquet")
    pages = {p.name for p in site.glob("*.html")}
    assert pages == {"index.html", *(f"{d}.html" for d in documents["doc_id"])}
    index = (site / "index.html").read_text("utf-8")
    assert index.count('class="doc-link"') == documents.height
    assert index.count("<svg") == 5  # completion, problems, indicators, dates, functions
    assert index.count('class="documents research"') == 1  # the research view: outcomes per document


@pytest.mark.parametrize("kind", list(KIND_TABLE))
def test_one_highlight_per_row(site, dataset, kind):
    rows = pl.read_parquet(dataset / f"{KIND_TABLE[kind]}.parquet")
    for doc_id in pl.read_parquet(dataset / "documents.parquet")["doc_id"]:
        page = (site / f"{doc_id}.html").read_text("utf-8")
        assert len(re.findall(rf'class="hl k-{kind}[ "]', page)) == rows.filter(pl.col("doc_id") == doc_id).height


def test_highlighting_keeps_the_text(site, dataset):
    for doc in pl.read_parquet(dataset / "documents.parquet").iter_rows(named=True):
        page = (site / f"{doc['doc_id']}.html").read_text("utf-8")
        body = re.search(r'<div class="doc-text" lang="zh">(.*?)</div></main>', page, re.S).group(1)
        assert html.unescape(re.sub(r"<[^>]+>", "", body)) == doc["text"]


def test_crossing_spans_get_one_highlight_each():
    marks = [Mark(0, 6, "measure", "m"), Mark(4, 9, "date", "d"), Mark(2, 3, "indicator", "i"), Mark(5, 5, "anchor", "s-x")]
    out = highlight("0123456789", marks)
    assert re.sub(r"<[^>]+>", "", out) == "0123456789"
    for row_id in "mdi":
        assert out.count(f'id="r-{row_id}"') == 1
    assert 'class="hl-cont k-date"' in out  # the date is reopened after the measure closes
    assert out.count("<span") == out.count("</span>")


def test_summaries_say_what_a_row_means():
    result = extract_text("截至2024年6月27日,全市累计兑现奖励资金2740万元。1-10月,完成软件业务收入同比增长16%。")
    indicator = next(i for i in result.indicators if i.text.endswith("2740万元"))
    assert summarize("indicator", indicator.model_dump()).startswith(f"{indicator.text} → 27 400 000 CNY")
    date = next(d for d in result.dates if d.text == "1-10月")
    assert summarize("date", date.model_dump()) == "1-10月 → 2024-01-01 … 2024-10-31, year inferred"
    assert number(4.7) == "4.7" and number(267240000000.0) == "267 240 000 000"


def test_outcomes_say_kind_and_action_on_hover():
    result = extract_text("巡察反馈问题25个,已完成整改19个,诫勉谈话3人。")
    people = next(o for o in result.outcomes if o.kind == "people_handled")
    assert summarize("outcome", people.model_dump()) == "诫勉谈话3人 → people_handled 3 人, action 诫勉"
    completed = next(o for o in result.outcomes if o.kind == "problems_completed")
    assert summarize("outcome", completed.model_dump()) == "已完成整改19个 → problems_completed 19 个"


def test_the_research_view_shows_each_notices_figures(tmp_path):
    from pipeline.build import run

    notices = tmp_path / "in"
    notices.mkdir()
    (notices / "a.txt").write_text("关于巡察整改进展情况的通报\n巡察反馈问题20个,已完成整改15个,正在整改5个,整改完成率75%。给予党纪处分2人,诫勉谈话3人,诫勉1人。\n", encoding="utf-8")
    run([notices], tmp_path / "out")
    build_site(tmp_path / "out", tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text("utf-8")
    research = re.search(r'<table class="documents research">(.*?)</table>', index, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', research)
    assert cells[:6] == ["20", "15", "", "5", "", "75"]
    assert "诫勉 4 · 党纪处分 2" in research
    assert 'id="chart-completion"' in index


def test_findings_are_shown_where_they_occur(site, dataset):
    report = validate(dataset)
    assert report.findings, "the corpus has at least one finding (002's restarted enumeration)"
    for finding in report.findings:
        for page in site.glob("*.html"):
            text = page.read_text("utf-8")
            if finding.row_id and f'id="r-{finding.row_id}"' in text:
                assert re.search(rf'class="hl k-\w+ flagged" id="r-{re.escape(finding.row_id)}"', text)
                assert html.escape(finding.message, quote=False) in text


def test_offline_and_deterministic(site, dataset, tmp_path):
    build_site(dataset, tmp_path)
    for page in sorted(site.iterdir()):
        text = page.read_text("utf-8")
        assert text == (tmp_path / page.name).read_text("utf-8"), page.name
        links = re.findall(r'(?:src|href)="([^"#]+)"', text)
        assert all(not re.match(r"[a-z]+://|//", link) for link in links), links


def zhenggai(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_review_command(dataset, tmp_path):
    result = zhenggai("review", str(dataset), "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").exists()
    assert "Usage" in zhenggai("review", "--help").stdout
    assert "zhenggai review" in (ROOT / "README.md").read_text("utf-8")


@pytest.mark.parametrize("args", [["review", "{tmp}/none"], ["review", "{tmp}"], ["review", "{tmp}", "--bogus"]])
def test_bad_input_is_one_line(args, tmp_path):
    result = zhenggai(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("zhenggai: "), result.stderr


def test_an_organisation_says_its_function_kind_and_level_on_hover(site, dataset):
    orgs = pl.read_parquet(dataset / "organizations.parquet").filter(pl.col("function").is_not_null() & pl.col("level").is_not_null())
    row = orgs.row(0, named=True)
    page = (site / f"{row['doc_id']}.html").read_text("utf-8")
    element = re.search(rf'<span class="hl k-organization[^"]*" id="r-{re.escape(row["org_id"])}"[^>]*title="([^"]*)"', page)
    title = html.unescape(element.group(1))
    assert f"function {row['function']}" in title and row["kind"] in title and f"level {row['level']}" in title


def test_the_index_charts_the_functions_named_most_often(site, dataset):
    index = (site / "index.html").read_text("utf-8")
    top = pl.read_parquet(dataset / "organizations.parquet")["function"].drop_nulls().value_counts(sort=True)[0, 0]
    chart = re.search(r'<svg[^>]*id="chart-functions".*?</svg>', index, re.S) or re.search(r"chart-functions.*?</svg>", index, re.S)
    assert chart and top in chart.group(0)
