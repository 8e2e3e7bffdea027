"""Register a table that exists only here, then ask every module that serves tables about it.

Run as a script in a fresh interpreter (``python tests/registry_probe.py FOLDER``): the
table is registered before any other module of the pipeline is imported, exactly as a table
declared in ``pipeline.models`` would be.  A small dataset holding rows of the new table is
built in FOLDER; each module is then used on it.  Prints one JSON object: module → null when
the module covers the new table, else what it missed.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Callable, Literal, Optional

from pydantic import Field

from pipeline import models
from pipeline.models import Count, Document, Highlight, Span, Table


class Hazard(Span):
    """A hazard a notice names (a table of this probe only)."""

    hazard_id: str = Field(description="Stable id: document, table and span.")
    problem_id: Optional[str] = Field(description="Enclosing problem, if any.")
    measure_id: Optional[str] = Field(description="Enclosing measure, if any.")
    severity: Literal["low", "high"] = Field(description="How grave the hazard is.")


class CountedDocument(Document):
    """One row per input file that could be read."""

    n_hazards: Count = Field(description="Rows of this document in hazards.")


models.register(Table("documents", CountedDocument, id_field="doc_id", label_column="title", searched=("title", "issuer", "text")))
models.register(Table("hazards", Hazard, id_field="hazard_id", id_prefix="h", count="n_hazards",
                      references={"doc_id": "documents", "problem_id": "problems", "measure_id": "measures"},
                      highlight=Highlight("hazard", "隐患 hazard", depth=7), label_column="severity", searched=("text",)))

TEXT = "一、整改任务落实情况\n1.关于安全隐患排查不到位的问题\n一是于2024年6月26日完成整改。\n"


def build(out: Path) -> dict:
    """A dataset of one document with one hazard row (on its first problem); returns its rows."""
    from pipeline.build import batches_of, dump_rows, manifest, rows_of_bytes
    from pipeline.describe import write_description
    from pipeline.write import Staging

    rows = rows_of_bytes(TEXT.encode("utf-8"), "probe.txt")
    problem = rows["problems"][0]
    start = TEXT.index("安全隐患")
    hazard = {**{k: problem[k] for k in ("doc_id", "problem_id")}, "text": "安全隐患", "char_start": start, "char_end": start + 4,
              "raw_char_start": start, "raw_char_end": start + 4, "hazard_id": f"{problem['doc_id']}-h{start}-{start + 4}",
              "measure_id": None, "severity": "high"}
    rows["hazards"] = [{name: hazard[name] for name in Hazard.model_fields}]
    rows["documents"][0]["n_hazards"] = 1
    staging = Staging(out)
    dumped, lines = dump_rows(rows)
    for table, batch in batches_of(dumped).items():
        staging.writer(table).append(batch, lines[table])
    counts = {table: len(table_rows) for table, table_rows in rows.items()}
    names = ["manifest.json", *write_description(staging.path, counts)]
    staging.close_tables()
    staging.write_json("manifest.json", manifest([], counts, "probe", staging, names))
    staging.commit(names)
    return rows


def schema(out: Path, rows: dict) -> str | None:
    from pipeline.schema import data_dictionary, write_json_schemas

    written = {p.name for p in write_json_schemas(out / "schemas")}
    if "hazards.schema.json" not in written:
        return "write_json_schemas wrote no hazards.schema.json"
    if not any(e["table"] == "hazards" and e["column"] == "severity" for e in data_dictionary()):
        return "the data dictionary has no hazards.severity"
    return None


def validate(out: Path, rows: dict) -> str | None:
    from pipeline.validate import check_document, validate

    report = validate(out / "dataset")
    if report.rows.get("hazards") != 1 or report.errors:
        return f"validate read {report.rows.get('hazards')} hazards rows, errors {[(f.code, f.message) for f in report.errors]}"
    broken = [{**rows["hazards"][0], "problem_id": "nowhere", "text": "隐患"}, rows["hazards"][0]]  # and one row too many
    found = {(f.code, f.table) for f in check_document(rows["documents"][0], {**rows, "hazards": broken})}
    missing = {("ZG005", "hazards"), ("ZG006", "hazards"), ("ZG008", "hazards"), ("ZG011", "documents")} - found
    return f"check_document missed {sorted(missing)} on a broken hazard" if missing else None


def describe(out: Path, rows: dict) -> str | None:
    package = json.loads((out / "dataset" / "datapackage.json").read_text("utf-8"))
    resource = next((r for r in package["resources"] if r["name"] == "hazards"), None)
    if resource is None:
        return "datapackage.json has no hazards resource"
    keys = {k["fields"][0]: k["reference"]["resource"] for k in resource["schema"].get("foreignKeys", [])}
    if keys != {"doc_id": "documents", "problem_id": "problems", "measure_id": "measures"} or resource["schema"].get("primaryKey") != ["hazard_id"]:
        return f"hazards has keys {resource['schema'].get('primaryKey')} and foreign keys {keys}"
    readme = (out / "dataset" / "README.md").read_text("utf-8")
    return None if "| `hazards` |" in readme and "### hazards" in readme else "README.md does not list hazards"


def review(out: Path, rows: dict) -> str | None:
    from pipeline.review import build_site
    from pipeline.review.page import unpack_rows

    build_site(out / "dataset", out / "review")
    page = (out / "review" / f"{rows['documents'][0]['doc_id']}.html").read_text("utf-8")
    if 'data-count="hazard">1<' not in page:
        return "the document page's legend does not count hazards"
    payload = unpack_rows(page.split('data-encoding="gzip+base64">')[1].split("</script>")[0])
    if len(payload["kinds"].get("hazard", {}).get("rows", [])) != 1 or "hazard" not in payload["order"]:
        return "the document page does not highlight the hazard"
    index = (out / "review" / "index-data.js").read_text("utf-8")
    return None if '"n_hazards"' in index else "index-data.js has no n_hazards column"


def export(out: Path, rows: dict) -> str | None:
    from pipeline.export import export_csv

    written = {p.name: p for p in export_csv(out / "dataset", out / "csv")}
    if "hazards.csv" not in written:
        return "export_csv wrote no hazards.csv"
    lines = written["hazards.csv"].read_text("utf-8-sig").splitlines()
    return None if len(lines) == 2 and "安全隐患" in lines[1] else f"hazards.csv holds {lines}"


def explore(out: Path, rows: dict) -> str | None:
    import sqlite3

    from pipeline.export import export_sqlite

    database, metadata = export_sqlite(out / "dataset", out / "sqlite")
    con = sqlite3.connect(database)
    try:
        count = con.execute('SELECT count(*) FROM "hazards"').fetchone()[0]
        keys = {row[3]: row[2] for row in con.execute('PRAGMA foreign_key_list("hazards")')}
        searched = con.execute("SELECT count(*) FROM hazards_fts WHERE hazards_fts MATCH '\"安全隐\"'").fetchone()[0]
    finally:
        con.close()
    if count != 1 or keys != {"doc_id": "documents", "problem_id": "problems", "measure_id": "measures"} or searched != 1:
        return f"hazards in SQLite: {count} rows, foreign keys {keys}, {searched} found by full-text search"
    tables = json.loads(metadata.read_text("utf-8"))["databases"]["zhenggai"]["tables"]
    return None if tables.get("hazards", {}).get("label_column") == "severity" else "metadata.json does not describe hazards"


def evaluate(out: Path, rows: dict) -> str | None:
    from pipeline.evaluate import GOLD_TABLES
    from pipeline.evaluate import evaluate as score

    if "hazards" not in GOLD_TABLES:
        return "GOLD_TABLES leaves hazards out"
    gold = out / "gold"
    gold.mkdir()
    (gold / "hazards.jsonl").write_text(json.dumps(rows["hazards"][0], ensure_ascii=False) + "\n", encoding="utf-8")
    scores = score(gold, out / "dataset")
    return None if "hazards" in scores.tables and scores.tables["hazards"].f1 == 1.0 else "evaluate does not score hazards against their gold"


CHECKS: dict[str, Callable[[Path, dict], str | None]] = {
    "pipeline.schema": schema,
    "pipeline.validate": validate,
    "pipeline.describe": describe,
    "pipeline.review": review,
    "pipeline.export": export,
    "pipeline.explore": explore,
    "pipeline.evaluate": evaluate,
}


def main(out: Path) -> dict[str, str | None]:
    rows = build(out / "dataset")
    results = {}
    for module, check in CHECKS.items():
        try:
            results[module] = check(out, rows)
        except Exception:  # a module that breaks on the new table has not covered it
            results[module] = traceback.format_exc(limit=-3)
    return results


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1])), ensure_ascii=False, indent=2))
