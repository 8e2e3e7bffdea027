"""Pieces every page of the review site shares: names, the page frame, a finding's line."""

from __future__ import annotations

import html
from pathlib import Path

from pipeline.validate import Finding


def page_name(document: dict) -> str:
    return f"{document['doc_id']}.html"


def doc_label(document: dict) -> str:
    """Short name of a document: its file name without extension."""
    return Path(document["source"]).stem


def finding_html(finding: Finding, link: str | None = None) -> str:
    where = f'<a href="{link}">{html.escape(finding.row_id or "")}</a>' if link else html.escape(finding.row_id or "")
    return (
        f'<li class="finding {finding.severity}"><b>{finding.severity} {finding.code}</b> {html.escape(finding.rule)} '
        f"<span class=\"where\">{html.escape(finding.table)} {where}</span>: {html.escape(finding.message)}</li>"
    )


def page(title: str, body: str, *, scripts: tuple[str, ...] = ()) -> str:
    js = "".join(f'\n<script src="{name}"></script>' for name in scripts)
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
