"""The Datasette metadata of the exported database, derived from the row models.

Descriptions of tables and columns are the models' docstrings and field descriptions;
facets are the columns with a closed vocabulary (Literal and bool fields) and the places,
years, kinds and units; sortable columns are the numbers and dates; each searched table is
tied to its trigram index and gets a canned query that also answers shorter queries
(``pipeline.explore.database.search_sql``).  ``review_url`` is where the review site is
served: the ``zhenggai`` Datasette plugin links rows to their highlighted place there.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pyarrow as pa

from pipeline.explore.database import DATABASE_NAME, SEARCHED, search_sql
from pipeline.models import REGISTRY, TABLES
from pipeline.schema import arrow_schema

# columns that are faceted wherever a table has them, beside the closed vocabularies
FACETED_BY_NAME = ("province", "city", "reference_year", "inspection_kind", "kind", "unit", "category", "function", "place")
# SQL strings count from 1 and in characters, as Python's str indices do from 0
SECTION_TEXT_SQL = (
    "SELECT s.section_id, s.level, s.marker, s.heading, substr(d.text, s.char_start + 1, s.char_end - s.char_start) AS text\n"
    "FROM sections s JOIN documents d ON d.doc_id = s.doc_id\nWHERE s.doc_id = :doc_id ORDER BY s.char_start, s.level"
)


def facet_columns(table: str) -> list[str]:
    """Columns worth a facet (and an index): closed vocabularies, places, years, kinds."""
    properties = TABLES[table].model_json_schema()["properties"]
    closed = [name for name, spec in properties.items() if _closed(spec)]
    return closed + [name for name in FACETED_BY_NAME if name in properties and name not in closed]


def _closed(spec: dict) -> bool:
    options = spec.get("anyOf", [spec])
    return any("enum" in option or "const" in option or option.get("type") == "boolean" for option in options)


def sortable_columns(table: str) -> list[str]:
    schema = arrow_schema(TABLES[table])
    numeric = [f.name for f in schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_date(f.type)]
    return numeric + [name for name in facet_columns(table) if name not in numeric]


def table_metadata(table: str) -> dict:
    model = TABLES[table]
    entry: dict = {
        "description": inspect.cleandoc(model.__doc__ or table).split("\n\n")[0],
        "columns": {name: field.description or "" for name, field in model.model_fields.items()},
        "facets": facet_columns(table),
        "sortable_columns": sortable_columns(table),
    }
    if REGISTRY[table].label_column:
        entry["label_column"] = REGISTRY[table].label_column
    if table in SEARCHED:
        entry["fts_table"] = f"{table}_fts"
        entry["fts_pk"] = "rowid"
    return entry


def datasette_metadata(review_url: str | None = "/review/") -> dict:
    """The metadata file for ``datasette zhenggai.db --metadata metadata.json``."""
    tables = {table: table_metadata(table) for table in TABLES}
    for table in SEARCHED:
        for suffix, how in (("fts", "trigram: substrings of 3 or more characters"), ("fts_pairs", "overlapping character pairs: 2-character queries")):
            tables[f"{table}_{suffix}"] = {"description": f"Full-text index of {table} ({how}).", "hidden": True}
    queries = {
        f"search_{table}": {
            "title": f"Search {table}",
            "description": f"Rows of {table} whose {', '.join(SEARCHED[table])} contain the phrase q, of any length (整改, 营商环境 …).",
            "sql": search_sql(table),
        }
        for table in SEARCHED
    }
    queries["section_text"] = {
        "title": "Sections with their text",
        "description": "Sections keep offsets, not text (they nest): each section of the document doc_id with its text, cut from documents.text.",
        "sql": SECTION_TEXT_SQL,
    }
    metadata = {
        "title": "zhenggai",
        "description": "Rectification notices as tables: documents, their problems and measures, dates, indicators and cited policies.",
        "databases": {Path(DATABASE_NAME).stem: {"tables": tables, "queries": queries}},
    }
    if review_url:
        metadata["plugins"] = {"zhenggai": {"review_url": review_url}}
    return metadata
