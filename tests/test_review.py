"""The review site: one highlight per row, readable summaries, findings in place, offline, deterministic."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from pipeline import extract_text
from pipeline.review import build_site
from pipeline.review.index import Aggregates, chart_figures
from pipeline.review.markup import KIND_TABLE, Mark, highlight, number, summarize
from pipeline.validate import validate

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(dataset, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(dataset, out)
    return out


def page_data(page: Path) -> dict:
    from pipeline.review.page import unpack_rows

    return unpack_rows(re.search(r'<script type="application/octet-stream" id="rows" data-encoding="gzip\+base64">(.*?)</script>', page.read_text("utf-8"), re.S).group(1))


def index_data(site: Path) -> dict:
    return json.loads((site / "index-data.js").read_text("utf-8").removeprefix("window.ZG_INDEX = ").rstrip(";\n"))


def test_a_page_per_document_and_an_index(site, dataset):
    documents = pl.read_parquet(dataset / "documents.parquet")
    pages = {p.name for p in site.glob("*.html")}
    assert pages == {"index.html", *(f"{d}.html" for d in documents["doc_id"])}
    index = (site / "index.html").read_text("utf-8")
    data = index_data(site)
    assert sorted(row[data["fields"].index("id")] for row in data["rows"]) == sorted(documents["doc_id"])
    assert all(row[data["fields"].index("page")] == 1 for row in data["rows"])
    assert index.count("<svg") == len(chart_figures(Aggregates()))
    assert index.count('class="documents research"') == 1  # the research view: outcomes per document


@pytest.fixture(scope="module")
def doc_rows(dataset) -> dict[str, dict]:
    from pipeline.review.stream import by_document

    return {document["doc_id"]: rows for document, rows in by_document(dataset)}


def _rows_and_marks(doc_rows: dict, doc_id: str, located: dict | None = None) -> tuple[dict, list]:
    from pipeline.review.page import marks

    return doc_rows[doc_id], marks(doc_rows[doc_id], located or {})


@pytest.mark.parametrize("kind", list(KIND_TABLE))
def test_one_highlight_per_row(site, dataset, doc_rows, kind):
    """The page carries every row of the kind, and the reference highlighting gives each one element."""
    rows = pl.read_parquet(dataset / f"{KIND_TABLE[kind]}.parquet")
    for document in pl.read_parquet(dataset / "documents.parquet").iter_rows(named=True):
        expected = rows.filter(pl.col("doc_id") == document["doc_id"]).height
        carried = page_data(site / f"{document['doc_id']}.html")["kinds"].get(kind, {"rows": []})["rows"]
        assert len(carried) == expected
        _, marks = _rows_and_marks(doc_rows, document["doc_id"])
        out = highlight(document["text"], marks)
        assert len(re.findall(rf'class="hl k-{kind}[ "]', out)) == expected


def test_a_page_holds_its_text_once(site, dataset):
    for doc in pl.read_parquet(dataset / "documents.parquet").iter_rows(named=True):
        page = (site / f"{doc['doc_id']}.html").read_text("utf-8")
        body = re.search(r'<div class="doc-text" lang="zh" id="doc-text">(.*?)</div></main>', page, re.S).group(1)
        assert doc["text"] not in html.unescape(page) and "<noscript>" in body  # packed with the rows, not in the HTML
        data = page_data(site / f"{doc['doc_id']}.html")
        assert data["text"] == doc["text"]
        assert all("text" not in table["fields"] and "doc_id" not in table["fields"] for table in data["kinds"].values())


def test_pages_are_a_small_multiple_of_their_text(site, dataset):
    for doc in pl.read_parquet(dataset / "documents.parquet").iter_rows(named=True):
        size = (site / f"{doc['doc_id']}.html").stat().st_size
        assert size < 2 * len(doc["text"].encode("utf-8")), doc["source"]


def test_highlighting_keeps_the_text(dataset, doc_rows):
    for doc in pl.read_parquet(dataset / "documents.parquet").iter_rows(named=True):
        _, marks = _rows_and_marks(doc_rows, doc["doc_id"])
        assert html.unescape(re.sub(r"<[^>]+>", "", highlight(doc["text"], marks))) == doc["text"]


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
    data = index_data(tmp_path / "site")
    figures = data["research"]["0"]
    assert figures[:6] == [20.0, 15.0, None, 5.0, None, 75.0]
    assert figures[-1] == [["诫勉", 4.0], ["党纪处分", 2.0]]
    assert 'class="documents research"' in index
    assert 'id="chart-completion"' in index


def test_findings_are_shown_where_they_occur(site, dataset, doc_rows):
    report = validate(dataset)
    assert report.findings, "the corpus has at least one finding (002's restarted enumeration)"
    index = (site / "index.html").read_text("utf-8")
    assert f"{report.n_errors} errors, {report.n_warnings} warnings" in index  # the site checks each document as it streams
    for finding in report.findings:
        if not finding.row_id or finding.table == "documents":
            continue
        doc_id = finding.row_id[:16]
        data = page_data(site / f"{doc_id}.html")
        assert finding.message in [f["message"] for f in data["findings"][finding.row_id.removeprefix(doc_id + "-")]]
        assert html.escape(finding.message) in (site / f"{doc_id}.html").read_text("utf-8")  # in the findings box
        _, marks = _rows_and_marks(doc_rows, doc_id, {finding.row_id: [finding]})
        out = highlight(pl.read_parquet(dataset / "documents.parquet").filter(pl.col("doc_id") == doc_id)["text"][0], marks)
        assert re.search(rf'class="hl k-\w+ flagged" id="r-{re.escape(finding.row_id)}"', out)


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


def test_pages_for_a_subset(dataset, tmp_path):
    doc_ids = sorted(pl.read_parquet(dataset / "documents.parquet")["doc_id"])
    build_site(dataset, tmp_path)  # every page first: a subset build removes the others
    build_site(dataset, tmp_path, sample=2, docs=[doc_ids[-1]])
    chosen = {*doc_ids[:2], doc_ids[-1]}
    assert {p.stem for p in tmp_path.glob("*.html")} == {"index", *chosen}
    data = index_data(tmp_path)
    fields = data["fields"]
    assert {row[fields.index("id")]: row[fields.index("page")] for row in data["rows"]} == {d: int(d in chosen) for d in doc_ids}


def test_review_subset_command(dataset, tmp_path):
    doc_id = pl.read_parquet(dataset / "documents.parquet")["doc_id"][0]
    result = zhenggai("review", str(dataset), "--out", str(tmp_path / "site"), "--docs", doc_id)
    assert result.returncode == 0, result.stderr
    assert {p.name for p in (tmp_path / "site").glob("*.html")} == {"index.html", f"{doc_id}.html"}
    result = zhenggai("review", str(dataset), "--out", str(tmp_path / "site"), "--docs", f"{doc_id},0000000000000000")
    assert result.returncode == 2
    assert result.stderr.strip() == f"zhenggai: no document 0000000000000000 in {dataset}"


def test_an_organisation_says_its_function_kind_and_level_on_hover(site, dataset):
    orgs = pl.read_parquet(dataset / "organizations.parquet").filter(pl.col("function").is_not_null() & pl.col("level").is_not_null())
    row = orgs.row(0, named=True)
    organizations = page_data(site / f"{row['doc_id']}.html")["kinds"]["organization"]
    ids = [values[organizations["fields"].index(organizations["id"])] for values in organizations["rows"]]
    title = organizations["summaries"][ids.index(row["org_id"].removeprefix(row["doc_id"] + "-"))]  # the hover text
    assert f"function {row['function']}" in title and row["kind"] in title and f"level {row['level']}" in title


def test_the_index_charts_the_functions_named_most_often(site, dataset):
    index = (site / "index.html").read_text("utf-8")
    top = pl.read_parquet(dataset / "organizations.parquet")["function"].drop_nulls().value_counts(sort=True)[0, 0]
    chart = re.search(r'<svg[^>]*id="chart-functions".*?</svg>', index, re.S) or re.search(r"chart-functions.*?</svg>", index, re.S)
    assert chart and top in chart.group(0)


@pytest.mark.parametrize(("n", "scale", "written"), [
    (0, None, "0"), (-0.01, 5, "0"), (950, None, "950"), (9500, None, "9 500"), (12500, None, "12.5k"), (6000, 30000, "6k"),
    (250000, None, "250k"), (999999, None, "1M"), (500000, 1500000, "0.5M"), (1250000, None, "1.25M"),
])  # fmt: skip
def test_axis_counts_are_plain(n, scale, written):
    from pipeline.review.charts import compact

    assert compact(n, scale) == written


def test_charts_of_a_national_collection_write_no_exponent():
    """At 100 000 documents the counts run to millions: the axes say 3M, never 1e6."""
    from pipeline.review import charts

    svgs = [
        charts.stacked_years({(2020 + i, "mention"): 3_000_000 + i for i in range(5)}, "chart-dates", "date mentions"),
        charts.ranked_bars([(f"省{i}", 2_500_000 - i) for i in range(40)], "chart-provinces", "documents", "#2e6fb7"),
        charts.distribution([7] * 100_000 + [30] * 3000, "chart-problems", "problems"),
    ]
    for svg in svgs:
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
        assert texts and not any(re.search(r"\de\d|×10", t) for t in texts), texts
    assert "3M" in svgs[0] and "15 others" in svgs[1]
    empty = charts.ranked_bars([], "chart-actions", "people", "#c2590a")
    assert "none in this collection" in empty and "-0" not in re.findall(r"<text[^>]*>([^<]*)</text>", empty)
