"""A Datasette plugin (loaded through the ``datasette`` entry point): rows link to the review site.

With ``plugins.zhenggai.review_url`` in the metadata, a document's title links to its review
page, and the ``doc_id`` of a highlighted row (problem, measure, date …) to the row's highlight
there, beside the usual link to the document's row.  (Datasette shows a primary key as its own
link column and asks plugins about the other cells only.)
"""

from __future__ import annotations

import html

from datasette import hookimpl
from markupsafe import Markup

from pipeline.models import ID_FIELD


def review_link(base: str, table: str, column: str, row) -> str | None:
    """The review-page address for a cell, or None when the cell has none."""
    if table not in ID_FIELD:
        return None
    try:
        doc_id = row["doc_id"]
        doc_id = doc_id["value"] if isinstance(doc_id, dict) else doc_id  # expanded into value and label
        if table == "documents":
            return f"{base}{doc_id}.html" if column == "title" else None
        return f"{base}{doc_id}.html#r-{row[ID_FIELD[table]]}" if column == "doc_id" else None
    except (KeyError, IndexError):  # a query that selects some columns only
        return None


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    config = datasette.plugin_config("zhenggai", database=database, table=table) or {}
    link = config.get("review_url") and review_link(config["review_url"], table or "", column, row)
    if not link:
        return None
    if isinstance(value, dict):  # an expanded foreign key: keep its link to the document's row
        href = f"{datasette.urls.table(database, 'documents')}/{value['value']}"
        shown = f'<a href="{html.escape(href)}">{html.escape(str(value["label"] or value["value"]))}</a>'
    else:
        shown = html.escape("" if value is None else str(value))
    return Markup(f'{shown} <a class="review-link" href="{html.escape(link)}" title="highlighted in the review site">review ↗</a>')
