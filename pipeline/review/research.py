"""The research view of the index: what each notice says its rectification achieved.

Per document: problems reported, completed and in progress, the completion rate as written,
people handled by action, rules made and money recovered. A notice often states a figure twice
(for the whole and again in a section); the view shows the first statement of each kind made
outside the itemised problems, else the first made inside one, and adds people by action.

>>> rows = [{"kind": "problems_reported", "value": 25.0, "problem_id": None, "action": None, "char_start": 3},
...         {"kind": "people_handled", "value": 2.0, "problem_id": None, "action": "诫勉", "char_start": 9}]
>>> summary = summarize_outcomes(rows)
>>> summary.figures["problems_reported"], summary.people
(25.0, {'诫勉': 2.0})
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from pipeline.review.markup import number

COLUMNS = (
    ("problems_reported", "reported"),
    ("problems_completed", "completed"),
    ("problems_partly_completed", "partly"),
    ("problems_in_progress", "in progress"),
    ("problems_long_term", "long term"),
    ("completion_rate", "stated rate %"),
    ("rules_made", "rules made"),
    ("funds_recovered", "funds recovered (CNY)"),
)


@dataclass
class OutcomeSummary:
    figures: dict[str, float] = field(default_factory=dict)  # kind → the headline figure
    people: dict[str, float] = field(default_factory=dict)  # action → people

    def computed_rate(self) -> float | None:
        reported, completed = self.figures.get("problems_reported"), self.figures.get("problems_completed")
        return 100 * completed / reported if reported and completed is not None else None


def summarize_outcomes(rows: list[dict]) -> OutcomeSummary:
    summary = OutcomeSummary()
    for row in sorted(rows, key=lambda r: (r["problem_id"] is not None, r["char_start"])):
        if row["kind"] == "people_handled":
            action = row["action"] or "问责"
            summary.people[action] = summary.people.get(action, 0.0) + row["value"]
        else:
            summary.figures.setdefault(row["kind"], row["value"])
    return summary


def research_table(labels: list[tuple[str, str]], summaries: list[OutcomeSummary]) -> str:
    """HTML table: one row per document (label, link) with its outcome figures."""
    head = "<tr><th>document</th>" + "".join(f"<th>{html.escape(name)}</th>" for _, name in COLUMNS) + "<th>people handled, by action</th></tr>"
    body = []
    for (label, link), summary in zip(labels, summaries):
        cells = "".join(f'<td class="num">{_figure(summary.figures.get(kind))}</td>' for kind, _ in COLUMNS)
        people = " · ".join(f"{html.escape(action)} {number(n)}" for action, n in sorted(summary.people.items(), key=lambda kv: (-kv[1], kv[0])))
        body.append(f'<tr><td><a href="{html.escape(link)}">{html.escape(label)}</a></td>{cells}<td>{people}</td></tr>')
    return f'<table class="documents research"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'


def _figure(value: float | None) -> str:
    return "" if value is None else number(value)
