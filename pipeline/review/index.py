"""The index of the review site: a compact data file of the documents, and the charts.

``index-data.js`` holds one short array per document (codes for repeated values such as
province and type) and the outcome figures of the documents that state any; ``index.js``
pages, sorts, filters and searches it in the browser.  The problems of every document are in
``search-data.js``, which the index loads at the first search.  Charts aggregate (by province,
year, kind, action, function), so they keep their size at any number of documents.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from pipeline.models import REGISTRY
from pipeline.review import charts
from pipeline.review.markup import clip
from pipeline.review.research import COLUMNS as RESEARCH_COLUMNS
from pipeline.review.research import summarize_outcomes
from pipeline.review.shared import doc_label, finding_html, page
from pipeline.validate import MAX_PER_CODE, Report

COUNTS = tuple(t.count for t in REGISTRY.values() if t.count)
CODED = ("doc_type", "province", "city")
FIELDS = ("id", "source", "title", *CODED, "year", *COUNTS, "findings", "rate", "computed_rate", "page")
REJECTS_SHOWN = 200


@dataclass
class Aggregates:
    """What the charts show, added up document by document."""

    provinces: Counter = field(default_factory=Counter)
    years: Counter = field(default_factory=Counter)  # (year, doc_type) → documents
    indicators: Counter = field(default_factory=Counter)  # (kind, unit) → rows
    actions: Counter = field(default_factory=Counter)  # action → people handled
    functions: Counter = field(default_factory=Counter)  # function → organisations named
    dates: Counter = field(default_factory=Counter)  # (year, role) → date rows
    problems: list[int] = field(default_factory=list)
    stated: list[float] = field(default_factory=list)
    computed: list[float] = field(default_factory=list)

    def add(self, document: dict, rows: dict[str, list[dict]], year: int | None, rates: tuple) -> None:
        self.provinces[document["province"] or "(unknown)"] += 1
        self.years[(year, document["doc_type"])] += 1
        self.indicators.update((r["kind"], r["unit"]) for r in rows.get("indicators", []))
        for row in rows.get("outcomes", []):
            if row["kind"] == "people_handled":
                self.actions[row["action"] or "问责"] += row["value"]
        self.functions.update(r["function"] for r in rows.get("organizations", []) if r.get("function"))
        self.dates.update((r["date_start"].year, r["role"]) for r in rows.get("dates", []) if r["date_start"] is not None)
        self.problems.append(document["n_problems"])
        self.stated += [rates[0]] if rates[0] is not None else []
        self.computed += [rates[1]] if rates[1] is not None else []


class IndexData:
    """One entry per document, in the order the documents are added."""

    def __init__(self, search: TextIO) -> None:
        """``search`` receives ``search-data.js`` as the documents are added (it is not held)."""
        self.codes: dict[str, dict[str, int]] = {name: {} for name in CODED}
        self.entries: list[list] = []
        self.research: dict[int, list] = {}
        self.search = search
        self.search.write("window.ZG_PROBLEMS = [")
        self.aggregates = Aggregates()

    def add(self, document: dict, rows: dict[str, list[dict]], n_findings: int, has_page: bool) -> None:
        year = document["reference_year"] or next((d.year for d in (document["signed_date"], document["published_date"]) if d), None)
        summary = summarize_outcomes(rows["outcomes"]) if "outcomes" in rows else None
        rates = (summary.figures.get("completion_rate"), _round(summary.computed_rate())) if summary else (None, None)
        coded = [self._code(name, document[name]) for name in CODED]
        self.entries.append(
            [document["doc_id"], doc_label(document), document["title"], *coded, year, *(document[c] for c in COUNTS), n_findings, *rates, int(has_page)]
        )
        if summary and (summary.figures or summary.people):
            figures = [summary.figures.get(kind) for kind, _ in RESEARCH_COLUMNS]
            people = sorted(summary.people.items(), key=lambda kv: (-kv[1], kv[0]))
            self.research[len(self.entries) - 1] = [*figures, [[a, n] for a, n in people]]
        headings = "\n".join(clip(p["problem"] or p["title"] or p["text"], 40) for p in rows["problems"])
        self.search.write(("," if len(self.entries) > 1 else "") + _json(headings))
        self.aggregates.add(document, rows, year, rates)

    def _code(self, name: str, value: str | None) -> int | None:
        return None if value is None else self.codes[name].setdefault(value, len(self.codes[name]))

    def data_script(self) -> str:
        payload = {
            "fields": FIELDS,
            "codes": {name: list(values) for name, values in self.codes.items()},
            "research_fields": [kind for kind, _ in RESEARCH_COLUMNS] + ["people"],
            "research_labels": [label for _, label in RESEARCH_COLUMNS],
            "rows": self.entries,
            "research": self.research,
        }
        return "window.ZG_INDEX = " + _json(payload) + ";\n"

    def close_search(self) -> None:
        """End ``search-data.js``: one string per document, its problems' headings a line each."""
        self.search.write("];\n")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _json(payload) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def chart_figures(aggregates: Aggregates) -> list[tuple[str, str]]:
    a = aggregates
    figures = [
        ("Documents by province", charts.ranked_bars(sorted(a.provinces.items()), "chart-provinces", "documents", "#2e6fb7")),
        ("Documents by year and type", charts.stacked_years(a.years, "chart-years", "documents")),
        ("Completion rates: stated and computed", charts.completion_rates(a.stated, a.computed)),
        ("Problems per document", charts.distribution(a.problems, "chart-problems", "problems in the document")),
        ("Indicators by kind and unit", charts.indicators_by_kind([(k, u, n) for (k, u), n in a.indicators.items()])),
        ("People handled, by action", charts.ranked_bars(sorted(a.actions.items()), "chart-actions", "people", "#c2590a")),
        ("Dates mentioned, by year and role", charts.stacked_years(a.dates, "chart-dates", "date mentions")),
        ("Departmental functions named most often", charts.ranked_bars(sorted(a.functions.items()), "chart-functions", "mentions of departments with this function", "#0f8a8a")),
    ]
    return figures


def index_page(data: IndexData, totals: dict[str, int], report: Report, rejects: list[dict]) -> str:
    figures = "".join(f'<figure class="chart"><figcaption>{html.escape(t)}</figcaption>{svg}</figure>' for t, svg in chart_figures(data.aggregates))
    return page(
        "zhenggai review",
        f"""<header><h1>zhenggai review</h1><p class="meta">{" · ".join(f"{t} <b>{n}</b>" for t, n in totals.items())}</p>{_dataset_findings(report)}</header>
<main class="index">
<h2>Documents</h2>
{_filters()}
<p class="meta" id="status">Loading…</p>
<table class="documents" id="documents"><thead></thead><tbody></tbody></table>
<nav class="pager" aria-label="pages"><button type="button" data-page="-1">← previous</button> <span id="page"></span> <button type="button" data-page="1">next →</button></nav>
<h2>What the rectification achieved</h2>
<p class="meta">The figures each notice states (the first statement of each kind); people handled are added up by action. Same filters, order and page as above.</p>
<table class="documents research" id="research"><thead></thead><tbody></tbody></table>
{_rejects_table(rejects, totals.get("rejects", 0))}
<h2>Charts</h2>
<div class="charts">{figures}</div>
</main>""",
        scripts=("index-data.js", "index.js"),
    )


def _filters() -> str:
    selects = "".join(f'<label>{name.replace("_", " ")} <select id="f-{name}" data-field="{name}"><option value="">all</option></select></label>' for name in (*CODED, "year"))
    return f"""<form class="filters" id="filters" onsubmit="return false">
<label>search <input type="search" id="q" placeholder="title or problem, e.g. 营商环境" size="28"></label>
{selects}
<label>problems ≥ <input type="number" id="f-min-problems" min="0" step="1" size="4"></label>
<label>completion % <input type="number" id="f-rate-min" min="0" max="100" size="4"> – <input type="number" id="f-rate-max" min="0" max="100" size="4"></label>
<label>per page <select id="f-size"><option>25</option><option selected>50</option><option>100</option><option>500</option></select></label>
</form>"""


def _rejects_table(rejects: list[dict], total: int) -> str:
    if not total:
        return "<p>No input was rejected.</p>"
    reasons = Counter(r["reason"] for r in rejects)
    rows = "".join(f"<tr><td>{html.escape(r['source'])}</td><td>{r['reason']}</td><td>{html.escape(r['message'])}</td></tr>" for r in rejects[:REJECTS_SHOWN])
    more = f"<p class=\"meta\">The first {REJECTS_SHOWN} of {total} are listed.</p>" if total > REJECTS_SHOWN else ""
    by_reason = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
    return f'<h2>Rejected inputs</h2><p class="meta">{by_reason}</p><table class="rejects"><tr><th>source</th><th>reason</th><th>message</th></tr>{rows}</table>{more}'


def _dataset_findings(report: Report) -> str:
    """The findings of the rules within documents (``zhenggai validate`` also checks the files)."""
    summary = f"Validation of the rules within documents: {report.n_errors} errors, {report.n_warnings} warnings"
    if not report.findings:
        return f'<p class="findings none">{summary}.</p>'
    shown = len(report.findings)
    more = f" (the first {MAX_PER_CODE} of each kind are listed)" if shown < report.n_errors + report.n_warnings else ""
    return f'<details class="findings"><summary>{summary}{more}</summary><ul>{"".join(finding_html(f) for f in report.findings)}</ul></details>'
