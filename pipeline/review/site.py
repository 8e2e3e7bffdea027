"""Build the review site: ``index.html``, one page per document, and the shared CSS and JS."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import Counter, defaultdict
from dataclasses import asdict
from importlib import resources
from pathlib import Path

import polars as pl

from pipeline.models import ID_FIELD, TABLES
from pipeline.review import charts
from pipeline.review.markup import KIND_TABLE, KINDS, LABELS, Mark, clip, highlight, summarize
from pipeline.review.research import research_table, summarize_outcomes
from pipeline.validate import Finding, validate
from pipeline.write import table_files

ASSETS = ("review.css", "review.js")
DOC_COUNTS = ("n_sections", "n_problems", "n_measures", "n_dates", "n_indicators", "n_policy_refs", "n_outcomes", "n_organizations")


class SiteError(Exception):
    """The dataset cannot be reviewed (a table file is missing or unreadable)."""


def build_site(dataset: Path | str, out: Path | str) -> list[Path]:
    """Write the review site for ``dataset`` into ``out``; return the files written."""
    dataset, out = Path(dataset), Path(out)
    tables = _load(dataset)
    findings = validate(dataset).findings
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ASSETS:
        target = out / name
        target.write_text(resources.files("pipeline.review").joinpath(name).read_text("utf-8"), encoding="utf-8")
        written.append(target)
    documents = sorted(tables["documents"], key=lambda d: d["source"])
    rows_by_doc = {table: _group(rows) for table, rows in tables.items() if table not in ("documents", "rejects")}
    located = _locate(findings, tables)
    for document in documents:
        page = out / page_name(document)
        page.write_text(document_page(document, {t: rows_by_doc[t].get(document["doc_id"], []) for t in rows_by_doc}, located), encoding="utf-8")
        written.append(page)
    index = out / "index.html"
    index.write_text(index_page(documents, tables, findings, located), encoding="utf-8")
    written.append(index)
    return written


def page_name(document: dict) -> str:
    return f"{document['doc_id']}.html"


def doc_label(document: dict) -> str:
    """Short name of a document: its file name without extension."""
    return Path(document["source"]).stem


def _load(dataset: Path) -> dict[str, list[dict]]:
    tables = {}
    for table in TABLES:
        path = dataset / table_files(table)[0]
        try:
            tables[table] = pl.read_parquet(path).to_dicts()
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise SiteError(f"cannot read {path.name}: {exc}") from None
    return tables


def _group(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["doc_id"]].append(row)
    return grouped


# ---------------------------------------------------------------- findings


def _locate(findings: list[Finding], tables: dict[str, list[dict]]) -> dict[str, list[Finding]]:
    """doc_id or row id → findings about it; document-wide findings go under the doc_id."""
    doc_of = {row[ID_FIELD[t]]: row["doc_id"] for t, rows in tables.items() if t in ID_FIELD for row in rows}
    doc_ids = {d["doc_id"] for d in tables["documents"]}
    located: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.row_id and finding.row_id in doc_of:
            located[finding.row_id].append(finding)
            if finding.row_id not in doc_ids:
                located[doc_of[finding.row_id]].append(finding)
            continue
        named = re.search(r"\b[0-9a-f]{16}\b", finding.message)
        if named and named.group(0) in doc_ids:
            located[named.group(0)].append(finding)
    return located


def _finding_html(finding: Finding, link: str | None = None) -> str:
    where = f'<a href="{link}">{html.escape(finding.row_id or "")}</a>' if link else html.escape(finding.row_id or "")
    return (
        f'<li class="finding {finding.severity}"><b>{finding.severity} {finding.code}</b> {html.escape(finding.rule)} '
        f"<span class=\"where\">{html.escape(finding.table)} {where}</span>: {html.escape(finding.message)}</li>"
    )


# ---------------------------------------------------------------- document page


def document_page(document: dict, rows: dict[str, list[dict]], located: dict[str, list[Finding]]) -> str:
    text = document["text"]
    marks, details = [], {}
    for kind in KINDS:
        id_field = ID_FIELD[KIND_TABLE[kind]]
        for row in rows[KIND_TABLE[kind]]:
            row_id = row[id_field]
            summary = summarize(kind, row)
            marks.append(Mark(row["char_start"], row["char_end"], kind, row_id, summary, flagged=row_id in located))
            details[row_id] = {"kind": kind, "summary": summary, "row": _jsonable(row), "findings": [asdict(f) for f in located.get(row_id, [])]}
    outline = [s for s in rows["sections"] if s["level"] <= 2]
    marks += [Mark(s["char_start"], s["char_start"], "anchor", f"s-{s['section_id']}") for s in outline]
    body = highlight(text, marks)
    counts = {kind: len(rows[KIND_TABLE[kind]]) for kind in KINDS}
    doc_findings = located.get(document["doc_id"], [])
    title = document["title"] or doc_label(document)
    return _page(
        title,
        f"""<header>
<p class="crumbs"><a href="index.html">← all documents</a></p>
<h1>{html.escape(title)}</h1>
<p class="meta">{_metadata_line(document)}</p>
<ul class="legend">{''.join(f'<li><span class="swatch k-{k}"></span>{LABELS[k]} <b data-count="{k}">{counts[k]}</b></li>' for k in KINDS)}</ul>
{_findings_box(doc_findings)}
</header>
<div class="layout">
<nav class="outline" aria-label="outline"><h2>Outline</h2>{_outline(outline, rows['problems'])}</nav>
<main><div class="doc-text" lang="zh">{body}</div></main>
<aside class="detail" id="detail" aria-live="polite"><h2>Row</h2><p class="hint">Hover a highlight to see what it means; click it for the whole row.</p></aside>
</div>
<script type="application/json" id="rows">{_script_json(details)}</script>""",
        script=True,
    )


def _metadata_line(document: dict) -> str:
    place = " ".join(p for p in (document["province"], document["city"], document["district"]) if p)
    fields = [
        ("source", document["source"]),
        ("type", document["doc_type"]),
        ("issuer", document["issuer"]),
        ("place", place or None),
        ("published", document["published_date"]),
        ("signed", document["signed_date"]),
        ("inspected by", document["inspection_body"]),
        ("feedback", document["feedback_date"]),
    ]
    return " · ".join(f"{label}: <b>{html.escape(str(value))}</b>" for label, value in fields if value)


def _findings_box(findings: list[Finding]) -> str:
    if not findings:
        return '<p class="findings none">Validation: no findings for this document.</p>'
    items = "".join(_finding_html(f, f"#r-{html.escape(f.row_id)}" if f.row_id and f.table != "documents" else None) for f in findings)
    return f'<details class="findings" open><summary>Validation: {len(findings)} finding(s)</summary><ul>{items}</ul></details>'


def _outline(sections: list[dict], problems: list[dict]) -> str:
    entries = [(s["char_start"], 0, s["level"], f"#s-{s['section_id']}", f"{s['marker']}{s['heading'] or ''}") for s in sections]
    for p in problems:
        label = f"{p['number']}. " if p["number"] is not None else "(inferred) "
        entries.append((p["char_start"], 1, 3, f"#r-{p['problem_id']}", label + (p["problem"] or p["title"] or p["text"][:30])))
    items = "".join(
        f'<li class="l{level}{" problem" if kind else ""}"><a href="{html.escape(href)}">{html.escape(clip(label, 48))}</a></li>'
        for _, kind, level, href, label in sorted(entries, key=lambda e: (e[0], e[1]))
    )
    return f"<ul>{items}</ul>" if items else "<p>No outline.</p>"


# ---------------------------------------------------------------- index page


def index_page(documents: list[dict], tables: dict[str, list[dict]], findings: list[Finding], located: dict[str, list[Finding]]) -> str:
    labels = [doc_label(d) for d in documents]
    position = {d["doc_id"]: i for i, d in enumerate(documents)}
    kind_unit = Counter((row["kind"], row["unit"]) for row in tables["indicators"])
    functions = Counter(row["function"] for row in tables["organizations"] if row["function"])
    spans = [
        (position[row["doc_id"]], row["date_start"], row["date_end"], row["role"])
        for row in tables["dates"]
        if row["date_start"] is not None and row["doc_id"] in position
    ]
    outcomes = _group(tables["outcomes"])
    summaries = [summarize_outcomes(outcomes.get(d["doc_id"], [])) for d in documents]
    figures = [
        ("Completion rates: stated and computed", charts.completion_rates(labels, [s.figures.get("completion_rate") for s in summaries], [s.computed_rate() for s in summaries])),
        ("Problems and measures per document", charts.problems_per_document(labels, [d["n_problems"] for d in documents], [d["n_measures"] for d in documents])),
        ("Indicators by kind and unit", charts.indicators_by_kind([(k, u, n) for (k, u), n in kind_unit.items()])),
        ("Dates on a timeline", charts.dates_timeline(labels, spans)),
        ("Departmental functions named most often", charts.functions_named(list(functions.items()))),
    ]
    totals = " · ".join(f"{table} <b>{len(rows)}</b>" for table, rows in tables.items())
    return _page(
        "zhenggai review",
        f"""<header><h1>zhenggai review</h1><p class="meta">{totals}</p>{_dataset_findings(findings)}</header>
<main class="index">
<h2>Documents</h2>
{_documents_table(documents, located)}
{_rejects_table(tables['rejects'])}
<h2>What the rectification achieved</h2>
<p class="meta">The figures each notice states (the first statement of each kind); people handled are added up by action.</p>
{research_table([(label, page_name(d)) for label, d in zip(labels, documents)], summaries)}
<h2>Charts</h2>
<div class="charts">{''.join(f'<figure class="chart"><figcaption>{html.escape(t)}</figcaption>{svg}</figure>' for t, svg in figures)}</div>
</main>""",
        script=False,
    )


def _documents_table(documents: list[dict], located: dict[str, list[Finding]]) -> str:
    head = "<tr><th>document</th><th>type</th><th>title / issuer</th><th>place</th><th>signed</th>" + "".join(
        f"<th>{c[2:]}</th>" for c in DOC_COUNTS
    ) + "<th>findings</th></tr>"
    body = []
    for d in documents:
        place = " ".join(p for p in (d["province"], d["city"], d["district"]) if p)
        counts = "".join(f'<td class="num">{d[c]}</td>' for c in DOC_COUNTS)
        n_findings = len(located.get(d["doc_id"], []))
        body.append(
            f'<tr><td><a class="doc-link" href="{page_name(d)}">{html.escape(doc_label(d))}</a></td><td>{html.escape(d["doc_type"])}</td>'
            f'<td>{html.escape(d["title"] or "—")}<br><small>{html.escape(d["issuer"] or "")}</small></td><td>{html.escape(place)}</td>'
            f'<td>{d["signed_date"] or d["published_date"] or ""}</td>{counts}<td class="num">{n_findings}</td></tr>'
        )
    return f'<table class="documents"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'


def _rejects_table(rejects: list[dict]) -> str:
    if not rejects:
        return "<p>No input was rejected.</p>"
    rows = "".join(f"<tr><td>{html.escape(r['source'])}</td><td>{r['reason']}</td><td>{html.escape(r['message'])}</td></tr>" for r in rejects)
    return f'<h2>Rejected inputs</h2><table class="rejects"><tr><th>source</th><th>reason</th><th>message</th></tr>{rows}</table>'


def _dataset_findings(findings: list[Finding]) -> str:
    errors = sum(f.severity == "error" for f in findings)
    summary = f"Validation: {errors} errors, {len(findings) - errors} warnings"
    if not findings:
        return f'<p class="findings none">{summary}.</p>'
    return f'<details class="findings"><summary>{summary}</summary><ul>{"".join(_finding_html(f) for f in findings)}</ul></details>'


# ---------------------------------------------------------------- shared


def _page(title: str, body: str, *, script: bool) -> str:
    js = '\n<script src="review.js"></script>' if script else ""
    return f"""<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="review.css">
</head>
<body>
{body}{js}
</body>
</html>
"""


def _jsonable(row: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}


def _script_json(payload: dict) -> str:
    """JSON that cannot leave its <script> element, whatever the text: "</script" would end it and
    "<!--<script" would make the parser look for two ends, so no "<", ">" or "&" is written
    as itself (JSON reads the \\u escapes back as the same characters)."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
