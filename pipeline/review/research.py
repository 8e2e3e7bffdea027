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

from dataclasses import dataclass, field

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

