"""One document's review page: its text with every row highlighted, the outline and the findings.

The page holds the text once, packed with the rows as compact JSON (gzip'd, in base64): the
text compresses to under half, and the rows come per kind, the field names once and each row's
values, without ``text`` (cut from the document's) and ``doc_id`` (the page's), ids without the
document's prefix.  ``review.js`` draws the highlights from the rows
(``pipeline.review.markup.highlight`` is the reference it is tested against), puts each row's
summary on hover and shows its fields on click.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import html
import json
from dataclasses import asdict

from pipeline.models import ID_FIELD
from pipeline.review.markup import KIND_TABLE, KINDS, LABELS, Mark, clip, summarize
from pipeline.review.shared import doc_label, finding_html, page
from pipeline.validate import Finding

OMITTED = ("text", "doc_id")  # the page has them already


def marks(rows: dict[str, list[dict]], located: dict[str, list[Finding]]) -> list[Mark]:
    """The highlights of a page (rows of every kind, and the outline's jump targets)."""
    found = [
        Mark(row["char_start"], row["char_end"], kind, row[ID_FIELD[KIND_TABLE[kind]]], flagged=row[ID_FIELD[KIND_TABLE[kind]]] in located)
        for kind in KINDS
        for row in rows.get(KIND_TABLE[kind], [])
    ]
    return found + [Mark(s["char_start"], s["char_start"], "anchor", f"s-{s['section_id']}") for s in _outline_sections(rows)]


def page_rows(doc_id: str, rows: dict[str, list[dict]], located: dict[str, list[Finding]]) -> dict:
    """{"doc": doc_id, "order": kinds outermost first, "kinds": {kind: {"id": id field, "fields": [...],
    "rows": [[...]], "summaries": [...]}},
    "findings": {row id: [...]}, "anchors": [[position, section id]]}; ids lose the ``doc_id-`` prefix.
    ``document_page`` adds the document's "text"."""
    prefix = f"{doc_id}-"
    kinds = {}
    for kind in KINDS:
        table_rows = rows.get(KIND_TABLE[kind], [])
        if not table_rows:
            continue
        fields = [name for name in table_rows[0] if name not in OMITTED]
        kinds[kind] = {
            "id": ID_FIELD[KIND_TABLE[kind]],
            "fields": fields,
            "rows": [[_short(row[name], prefix) if name.endswith("_id") else _jsonable(row[name]) for name in fields] for row in table_rows],
            "summaries": [summarize(kind, row) for row in table_rows],
        }
    findings = {
        row[ID_FIELD[KIND_TABLE[kind]]].removeprefix(prefix): [asdict(f) for f in located[row[ID_FIELD[KIND_TABLE[kind]]]]]
        for kind in KINDS for row in rows.get(KIND_TABLE[kind], []) if row[ID_FIELD[KIND_TABLE[kind]]] in located
    }
    anchors = [[s["char_start"], s["section_id"].removeprefix(prefix)] for s in _outline_sections(rows)]
    return {"doc": doc_id, "order": ["anchor", *KINDS], "kinds": kinds, "findings": findings, "anchors": anchors}


def _short(value, prefix: str):
    return value.removeprefix(prefix) if isinstance(value, str) else value


def _outline_sections(rows: dict[str, list[dict]]) -> list[dict]:
    return [s for s in rows["sections"] if s["level"] <= 2]


def document_page(document: dict, rows: dict[str, list[dict]], located: dict[str, list[Finding]]) -> str:
    text = document["text"]
    outline = _outline_sections(rows)
    counts = {kind: len(rows.get(KIND_TABLE[kind], [])) for kind in KINDS}
    title = document["title"] or doc_label(document)
    return page(
        title,
        f"""<header>
<p class="crumbs"><a href="index.html">← all documents</a></p>
<h1>{html.escape(title)}</h1>
<p class="meta">{_metadata_line(document)}</p>
<ul class="legend">{''.join(f'<li><span class="swatch k-{k}"></span>{LABELS[k]} <b data-count="{k}">{counts[k]}</b></li>' for k in KINDS)}</ul>
{_findings_box(located.get(document["doc_id"], []))}
</header>
<div class="layout">
<nav class="outline" aria-label="outline"><h2>Outline</h2>{_outline(outline, rows['problems'])}</nav>
<main><div class="doc-text" lang="zh" id="doc-text"><noscript>The text is drawn by JavaScript: enable it, or read documents.text in the dataset.</noscript></div></main>
<aside class="detail" id="detail" aria-live="polite"><h2>Row</h2><p class="hint">Hover a highlight to see what it means; click it for the whole row.</p></aside>
</div>
<script type="application/octet-stream" id="rows" data-encoding="gzip+base64">{packed_rows({**page_rows(document["doc_id"], rows, located), "text": text})}</script>""",
        scripts=("review.js",),
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
    items = "".join(finding_html(f, f"#r-{html.escape(f.row_id)}" if f.row_id and f.table != "documents" else None) for f in findings)
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


def _jsonable(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def packed_rows(payload: dict) -> str:
    """The rows as gzip'd JSON in base64, which the browser unpacks with DecompressionStream:
    a quarter of the plain JSON (fixed mtime, so the same rows give the same bytes)."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(data, compresslevel=9, mtime=0)).decode("ascii")


def unpack_rows(packed: str) -> dict:
    """The inverse of ``packed_rows``: ``unpack_rows(packed_rows(p)) == p``."""
    return json.loads(gzip.decompress(base64.b64decode(packed)))
