"""Rows → highlighted HTML of a document's canonical text, and one-line summaries of rows.

Spans nest (a date inside a measure inside a problem) but may also cross; a span that
crosses the end of an enclosing one is closed there and reopened as a continuation
fragment, so every row still has exactly one ``.hl`` element (its first fragment).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from pipeline.models import REGISTRY

# the highlighted tables, outer kinds first: at equal spans the problem encloses the measure, the measure the date
HIGHLIGHTED = sorted((t for t in REGISTRY.values() if t.highlight), key=lambda t: t.highlight.depth)
KINDS = tuple(t.highlight.kind for t in HIGHLIGHTED)
KIND_TABLE = {t.highlight.kind: t.name for t in HIGHLIGHTED}
LABELS = {t.highlight.kind: t.highlight.label for t in HIGHLIGHTED}


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    kind: str  # one of KINDS, or "anchor" for a zero-width jump target
    row_id: str
    summary: str = ""  # shown on hover when given
    flagged: bool = False  # validation has a finding on this row


def highlight(text: str, marks: list[Mark]) -> str:
    """HTML of ``text`` with a <span> per mark (and an empty <a id> per anchor)."""
    order = {kind: i for i, kind in enumerate(("anchor", *KINDS))}
    marks = sorted(marks, key=lambda m: (m.start, -(m.end - m.start), order[m.kind], m.row_id))
    boundaries = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    starting: dict[int, list[Mark]] = {}
    for m in marks:
        starting.setdefault(m.start, []).append(m)
    out: list[str] = []
    stack: list[Mark] = []
    for i, pos in enumerate(boundaries):
        _close_at(pos, stack, out)
        for m in starting.get(pos, []):
            if m.kind == "anchor":
                out.append(f'<a class="anchor" id="{_attr(m.row_id)}"></a>')
                continue
            out.append(_open(m, first=True))
            if m.end > m.start:
                stack.append(m)
            else:
                out.append("</span>")  # an empty row still gets its element
        if i + 1 < len(boundaries):
            out.append(html.escape(text[pos : boundaries[i + 1]], quote=False))
    _close_at(len(text) + 1, stack, out, everything=True)
    return "".join(out)


def _close_at(pos: int, stack: list[Mark], out: list[str], everything: bool = False) -> None:
    ending = [i for i, m in enumerate(stack) if m.end <= pos] if not everything else list(range(len(stack)))
    if not ending:
        return
    lowest = ending[0]
    above = stack[lowest:]
    out.append("</span>" * len(above))
    del stack[lowest:]
    for m in above:
        if m.end > pos and not everything:
            out.append(_open(m, first=False))
            stack.append(m)


def _open(m: Mark, *, first: bool) -> str:
    classes = ["hl" if first else "hl-cont", f"k-{m.kind}"] + (["flagged"] if m.flagged else [])
    ident = f' id="r-{_attr(m.row_id)}"' if first else ""
    title = f' title="{_attr(m.summary)}"' if m.summary else ""  # pages leave it to the script, which has the summaries
    return f'<span class="{" ".join(classes)}"{ident} data-id="{_attr(m.row_id)}" data-kind="{m.kind}"{title}>'


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


# ---------------------------------------------------------------- summaries


def summarize(kind: str, row: dict) -> str:
    """One line that says what the row means, e.g. ``2740万元 → 27 400 000 CNY``."""
    return SUMMARIES.get(kind, _text)(row)


def number(value: float) -> str:
    """27400000.0 → '27 400 000'; 4.7 → '4.7' (spaces group thousands, as in SI style)."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}".replace(",", " ")
    return f"{value:,.10g}".replace(",", " ")


def _problem(row: dict) -> str:
    head = f"问题 {row['number']}" if row["number"] is not None else "问题 (inferred: heading missing)"
    what = row["problem"] or row["title"] or ""
    status = f" · status {row['status']}" if row.get("status") else ""
    return f"{head}: {what}" + (f" · {row['category']}" if row["category"] else "") + status


def _outcome(row: dict) -> str:
    """``诫勉谈话3人 → people_handled 3 人, action 诫勉``."""
    summary = f"{row['text']} → {row['kind']} {number(row['value'])} {row['unit']}"
    return summary + (f", action {row['action']}" if row["action"] else "")


def _measure(row: dict) -> str:
    title = row["title"] or clip(row["text"], 40)
    return f"措施 {row['seq']} ({row['role']}{', ' + row['marker'] if row['marker'] else ''}): {title}"


def _date(row: dict) -> str:
    start, end = row["date_start"], row["date_end"]
    if start is None:
        resolved = "no year found"
    elif start == end:
        resolved = str(start)
    else:
        resolved = f"{start} … {end}"
    flags = [
        ("year inferred", row["year_inferred"]),
        ("as of", row["as_of"]),
        ("open end", row["open_end"]),
        ("restored from broken text", row["broken"]),
        (row["role"], row["role"] != "mention"),
    ]
    return f"{row['text']} → {resolved}" + "".join(f", {label}" for label, on in flags if on)


def _indicator(row: dict) -> str:
    parts = [f"{row['text']} → {number(row['value_normalized'])} {row['unit']}"]
    if row["qualifier"] != "exact":
        parts.append(row["qualifier"])
    if row["change"]:
        parts.append(row["change"])
    if row["comparison"]:
        parts.append(row["comparison"])
    summary = ", ".join(parts) + f" ({row['kind']})"
    return summary + (f" · {row['subject']}" if row["subject"] else "")


def _policy_ref(row: dict) -> str:
    summary = f"《{row['title']}》"
    if row["doc_number"]:
        summary += f" {row['doc_number']}"
    if row["alias"]:
        summary += f", alias 《{row['alias']}》"
    return summary


def _organization(row: dict) -> str:
    """``市发改委 → 广州市发改委 · 发展和改革 · government_department · city · partner``."""
    parts = [f"{row['text']} → {row['name']}" if row["name"] and row["name"] != row["text"] else row["text"]]
    parts.append(f"function {row['function']}" if row["function"] else "no function")
    parts.append(row["kind"])
    parts.append(f"level {row['level']}" if row["level"] else "no level")
    if row["place"]:
        parts.append(row["place"])
    if row["role"]:
        parts.append(row["role"])
    return " · ".join(parts)


def _text(row: dict) -> str:
    """A kind with no summary of its own: the row's text."""
    return clip(row["text"], 60)


SUMMARIES = {"problem": _problem, "measure": _measure, "date": _date, "indicator": _indicator, "policy_ref": _policy_ref, "outcome": _outcome, "organization": _organization}


def clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
