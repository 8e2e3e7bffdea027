"""A dataset that explains itself: ``README.md`` and ``datapackage.json`` beside the tables.

Both files are derived from the row models (``pipeline.models``) through
``pipeline.schema``, and depend only on the row counts they are given: the same build
writes the same bytes (no timestamps, no absolute paths).

>>> write_description(Path("output"), {"documents": 5, "problems": 79})  # doctest: +SKIP
['README.md', 'datapackage.json']
"""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pyarrow as pa

from pipeline.models import REGISTRY, Row, Table
from pipeline.schema import arrow_schema, data_dictionary
from pipeline.write import table_files

PACKAGE_NAME = "zhenggai"
PACKAGE_TITLE = "zhenggai: rectification notices as tables"

LOADING = {
    "duckdb": '''```sql
-- DuckDB (the duckdb command line, or duckdb.sql("…") in Python), run inside this folder
SELECT d.source, count(*) AS problems
FROM 'problems.parquet' p JOIN 'documents.parquet' d USING (doc_id)
GROUP BY d.source ORDER BY d.source;
```''',
    "polars": '''```python
import polars as pl

problems = pl.read_parquet("problems.parquet")
documents = pl.read_parquet("documents.parquet")
print(problems.join(documents.select("doc_id", "source"), on="doc_id").group_by("source").len().sort("source"))
```''',
    "pandas": '''```python
import pandas as pd

indicators = pd.read_parquet("indicators.parquet")
print(indicators.groupby(["kind", "unit"]).size().sort_values(ascending=False).head(10))
```''',
    "r": '''```r
# install.packages("arrow") once
library(arrow)
problems <- read_parquet("problems.parquet")
documents <- read_parquet("documents.parquet")
print(table(merge(problems, documents[, c("doc_id", "source")], by = "doc_id")$source))
```

Without compiled packages, the JSON Lines files load with jsonlite (Debian: `r-cran-jsonlite`):

```r
library(jsonlite)
problems <- stream_in(file("problems.jsonl"), verbose = FALSE)
documents <- stream_in(file("documents.jsonl"), verbose = FALSE)
print(table(merge(problems, documents[, c("doc_id", "source")], by = "doc_id")$source))
```''',
}


# Sections nest (一、 ⊃ (一) ⊃ 1. ⊃ 一是), so their text is not stored: it is one join away.
# SQL substr counts from 1 (Python from 0); all three count characters, as Python does.
SECTION_TEXT = {
    "duckdb": '''```sql
-- DuckDB: each section with its text (heading and body)
SELECT s.section_id, s.level, s.marker, s.heading,
       substr(d.text, s.char_start + 1, s.char_end - s.char_start) AS text
FROM 'sections.parquet' s JOIN 'documents.parquet' d USING (doc_id)
ORDER BY s.doc_id, s.char_start, s.level;
```''',
    "polars": '''```python
import polars as pl

# polars: each section with its text (heading and body); lazy and streaming, so the join never
# holds a copy of a document's text for each of its sections
sections = (
    pl.scan_parquet("sections.parquet")
    .join(pl.scan_parquet("documents.parquet").select("doc_id", "text"), on="doc_id")
    .with_columns(text=pl.col("text").str.slice(pl.col("char_start"), pl.col("char_end") - pl.col("char_start")))
    .collect(engine="streaming")
)
print(sections.select("section_id", "level", "marker", "text"))
```''',
    "pandas": '''```python
import pandas as pd

# pandas: each section with its text (heading and body), cut from its document's text
documents = pd.read_parquet("documents.parquet", columns=["doc_id", "text"])
texts = dict(zip(documents["doc_id"], documents["text"]))
sections = pd.read_parquet("sections.parquet")
sections["text"] = [texts[d][start:end] for d, start, end in zip(sections["doc_id"], sections["char_start"], sections["char_end"])]
print(sections[["section_id", "level", "marker", "text"]])
```''',
}


# The worked query: the figures researchers code by hand, per city and year. A notice may state
# a figure more than once (the whole and one problem); the query adds what it states.
WORKED_QUERY = {
    "duckdb": '''```sql
-- DuckDB: completion rate and people disciplined per city and year
WITH per_document AS (
    SELECT doc_id,
           sum(value) FILTER (WHERE kind = 'problems_reported')  AS reported,
           sum(value) FILTER (WHERE kind = 'problems_completed') AS completed,
           avg(value) FILTER (WHERE kind = 'completion_rate')    AS stated_rate,
           sum(value) FILTER (WHERE kind = 'people_handled')     AS people
    FROM 'outcomes.parquet'
    GROUP BY doc_id
)
SELECT d.city, d.reference_year AS year, count(*) AS documents,
       round(100 * sum(o.completed) / nullif(sum(o.reported), 0), 2) AS completion_rate,
       round(avg(o.stated_rate), 2) AS stated_completion_rate,
       coalesce(sum(o.people), 0) AS people_disciplined
FROM 'documents.parquet' d LEFT JOIN per_document o USING (doc_id)
GROUP BY d.city, d.reference_year
ORDER BY d.city NULLS LAST, year NULLS LAST;
```''',
    "polars": '''```python
import polars as pl

# polars: completion rate and people disciplined per city and year
outcomes = pl.read_parquet("outcomes.parquet")
documents = pl.read_parquet("documents.parquet", columns=["doc_id", "city", "reference_year"])


def total(kind: str) -> pl.Expr:
    return pl.col("value").filter(pl.col("kind") == kind).sum()


per_document = outcomes.group_by("doc_id").agg(
    reported=total("problems_reported"),
    completed=total("problems_completed"),
    stated_rate=pl.col("value").filter(pl.col("kind") == "completion_rate").mean(),
    people=total("people_handled"),
)
reported = pl.col("reported").sum()
by_city_year = (
    documents.join(per_document, on="doc_id", how="left")
    .group_by("city", "reference_year")
    .agg(
        documents=pl.len(),
        completion_rate=pl.when(reported > 0).then(100 * pl.col("completed").sum() / reported).round(2),
        stated_completion_rate=pl.col("stated_rate").mean().round(2),
        people_disciplined=pl.col("people").fill_null(0).sum(),
    )
    .rename({"reference_year": "year"})
    .sort("city", "year", nulls_last=True)
)
print(by_city_year)
```''',
}


def write_description(folder: Path, rows: dict[str, int]) -> list[str]:
    """Write README.md and datapackage.json into ``folder``; return the names written."""
    folder = Path(folder)
    (folder / "README.md").write_text(readme_text(rows), encoding="utf-8", newline="\n")
    (folder / "datapackage.json").write_text(datapackage_text(rows), encoding="utf-8", newline="\n")
    return ["README.md", "datapackage.json"]


def table_summary(model: type[Row]) -> str:
    """The first line of a model's docstring: what one row of the table is."""
    return (model.__doc__ or "").strip().splitlines()[0].rstrip(".")


# ---------------------------------------------------------------- README.md


def readme_text(rows: dict[str, int]) -> str:
    parts = [
        "# The zhenggai dataset",
        "",
        "Chinese government rectification notices (巡察整改进展情况的通报, 提案答复, 审计整改报告) turned into",
        "tables. Each table is here twice, with the same rows: `TABLE.parquet` (zstd) and `TABLE.jsonl`",
        "(one JSON object a line, UTF-8). `datapackage.json` describes the tables as a",
        "[Frictionless Data Package](https://datapackage.org/); `manifest.json` records the inputs and a",
        "hash of the rules. This file is written by every build: do not edit it.",
        "",
        "Every row that points into a document carries `char_start`/`char_end`, and",
        "`documents.text[char_start:char_end] == text` always holds (Python string indices).",
        "Sections nest, so they carry no `text`: their text is that slice of the document (see",
        "[A section's text](#a-sections-text)).",
        "",
        "## Tables",
        "",
        "| table | what it holds | rows | id |",
        "|---|---|---:|---|",
    ]
    for table in REGISTRY.values():
        parts.append(f"| `{table.name}` | {_cell(table_summary(table.model))} | {rows.get(table.name, 0)} | {_code(table.id_field)} |")
    parts += ["", "## Loading", "", "Run these inside this folder.", ""]
    for name, title in (("duckdb", "DuckDB"), ("polars", "polars"), ("pandas", "pandas"), ("r", "R")):
        parts += [f"### {title}", "", LOADING[name], ""]
    parts += _section_text_part()
    parts += [
        "## A worked query: what the rectification achieved, per city and year",
        "",
        "`outcomes` holds the figures notices state about their results (problems reported and completed,",
        "the completion rate as written, people disciplined, rules made, money recovered), each on the",
        "`indicators` row of the same figure. `completion_rate` below is computed from the stated counts;",
        "`stated_completion_rate` is the average rate the notices write. Both queries give the same table.",
        "",
        WORKED_QUERY["duckdb"],
        "",
        WORKED_QUERY["polars"],
        "",
        "## Excel and CSV",
        "",
        "`zhenggai export --format csv` writes one `TABLE.csv` per table, UTF-8 with a byte-order mark, so",
        "Excel opens it with the Chinese intact (double-click, or Data → From Text/CSV). List columns",
        '(`contact_phones`, `section_path`, …) hold JSON text such as `["020-83123931"]`; an empty cell is',
        "null. Excel cuts a cell at 32,767 characters, so a long `documents.text` is complete only in the",
        "Parquet and JSON Lines files.",
        "",
        "## Field dictionary",
        "",
        "Derived from the row models; types are Arrow types (`int32`, `string`, `date32[day]`, …).",
    ]
    by_table: dict[str, list[dict[str, str]]] = {}
    for entry in data_dictionary():
        by_table.setdefault(entry["table"], []).append(entry)
    for table, entries in by_table.items():
        parts += ["", f"### {table}", "", "| column | type | null | description |", "|---|---|---|---|"]
        for e in entries:
            parts.append(f"| `{e['column']}` | {_cell(e['type'])} | {e['nullable']} | {_cell(e['description'])} |")
    return "\n".join(parts) + "\n"


def _section_text_part() -> list[str]:
    """How to get a section's text, which the sections table does not repeat."""
    return [
        "## A section's text",
        "",
        "Sections nest (`一、` ⊃ `(一)` ⊃ `1.` ⊃ `一是`), so storing each section's text would repeat every",
        "character once per level. A section's text (its heading and body) is one join away:",
        "`documents.text[char_start:char_end]`, or `substr(text, char_start + 1, char_end - char_start)` in",
        "SQL, whose strings count from 1. Offsets count characters (Unicode code points) everywhere.",
        "",
        SECTION_TEXT["duckdb"],
        "",
        SECTION_TEXT["polars"],
        "",
        SECTION_TEXT["pandas"],
        "",
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str | None) -> str:
    return f"`{text}`" if text else ""


# ---------------------------------------------------------------- datapackage.json


def datapackage(rows: dict[str, int]) -> dict:
    """The Data Package descriptor: one tabular resource per table, pointing at its Parquet file."""
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": PACKAGE_TITLE,
        "description": "Problems, measures, dates, figures and cited documents extracted from Chinese government "
        "rectification notices. Each resource is also stored as JSON Lines (TABLE.jsonl) with the same rows.",
        "resources": [_resource(table, rows.get(table.name, 0)) for table in REGISTRY.values()],
    }


def datapackage_text(rows: dict[str, int]) -> str:
    return json.dumps(datapackage(rows), ensure_ascii=False, indent=2) + "\n"


def _resource(table: Table, count: int) -> dict:
    schema: dict = {"fields": [_field(f, table.model) for f in arrow_schema(table.model)]}
    if table.id_field:
        schema["primaryKey"] = [table.id_field]
    keys = [
        {"fields": [column], "reference": {"resource": "" if target == table.name else target, "fields": [REGISTRY[target].id_field]}}
        for column, target in table.references.items()
    ]
    if keys:
        schema["foreignKeys"] = keys
    return {
        "name": table.name,
        "path": table_files(table.name)[0],
        "profile": "tabular-data-resource",
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        "description": f"{table_summary(table.model)}. {count} rows.",
        "schema": schema,
    }


def _field(f: pa.Field, model: type[Row]) -> dict:
    field: dict = {"name": f.name, "type": _frictionless_type(f.type), "description": f.metadata[b"description"].decode()}
    constraints: dict = {}
    if not f.nullable:
        constraints["required"] = True
    vocabulary = _vocabulary(model.model_fields[f.name].annotation)
    if vocabulary:
        constraints["enum"] = vocabulary
    if constraints:
        field["constraints"] = constraints
    return field


def _frictionless_type(t: pa.DataType) -> str:
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_floating(t):
        return "number"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_list(t):
        return "array"
    return "string"


def _vocabulary(annotation) -> list[str] | None:
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is typing.Literal:
            return list(typing.get_args(arg))
    return None
