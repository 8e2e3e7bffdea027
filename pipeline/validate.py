"""Stage 4: check a built dataset (SPEC 9); every finding has a stable code from CATALOGUE.

``validate(out_dir)`` reads the Parquet files and returns a ``Report``; errors make the
``zhenggai validate`` command exit non-zero, warnings do not.
"""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from pipeline.models import ID_FIELD, TABLES
from pipeline.schema import arrow_schema
from pipeline.write import table_files

# code: (severity, rule, what it means)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    "ZG001": ("error", "file", "a table's Parquet file is missing or unreadable"),
    "ZG002": ("error", "schema", "a table's columns differ from its model (name, type or nullability)"),
    "ZG003": ("error", "not_null", "a required column holds null"),
    "ZG004": ("error", "enum", "a value lies outside its column's vocabulary"),
    "ZG005": ("error", "unique_id", "an id occurs more than once"),
    "ZG006": ("error", "foreign_key", "a reference to another row resolves to nothing"),
    "ZG007": ("error", "span_bounds", "char_start/char_end lie outside the document text or are reversed"),
    "ZG008": ("error", "span_text", "documents.text[char_start:char_end] differs from the row's text"),
    "ZG009": ("error", "date_order", "date_start is after date_end"),
    "ZG010": ("error", "date_year", "a year lies before 1949 or after reference_year + 10"),
    "ZG011": ("error", "counts", "a count in documents differs from the rows of its table"),
    "ZG012": ("error", "one_place", "an input file appears in both documents and rejects, or twice"),
    "ZG013": ("error", "value", "value_normalized differs from value × multiplier"),
    "ZG101": ("warning", "problem_gap", "problem numbers of a document skip a number"),
    "ZG102": ("warning", "problem_repeat", "a problem number occurs twice in a document"),
    "ZG103": ("warning", "no_problems", "a rectification document has no problems"),
    "ZG104": ("warning", "inferred_problem", "a problem's heading is missing: its enumeration restarted"),
}

COUNTS = {"n_sections": "sections", "n_problems": "problems", "n_measures": "measures", "n_dates": "dates", "n_indicators": "indicators", "n_policy_refs": "policy_refs"}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    table: str
    row_id: str | None
    rule: str
    message: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, code: str, table: str, row_id: str | None, message: str) -> None:
        severity, rule, _ = CATALOGUE[code]
        self.findings.append(Finding(code, severity, table, row_id, rule, message))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def to_json(self) -> str:
        return json.dumps({"rows": self.rows, "findings": [asdict(f) for f in self.findings]}, ensure_ascii=False, indent=2)


MAX_PER_RULE = 50  # findings listed per rule and table; the count says how many there were


def validate(out_dir: Path | str) -> Report:
    out_dir = Path(out_dir)
    report = Report()
    frames: dict[str, pl.DataFrame] = {}
    for table, model in TABLES.items():
        path = out_dir / table_files(table)[0]
        try:
            actual = pq.read_schema(path)
            frames[table] = pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError) as exc:
            report.add("ZG001", table, None, f"{path.name}: {exc}")
            continue
        report.rows[table] = frames[table].height
        _check_schema(report, table, model, actual, frames[table])
    if "documents" not in frames:
        return report
    _check_ids(report, frames)
    _check_spans(report, frames)
    _check_dates(report, frames)
    _check_values(report, frames)
    _check_problems(report, frames)
    _check_counts(report, frames)
    _check_sources(report, frames)
    return report


def _check_schema(report: Report, table: str, model, actual, frame: pl.DataFrame) -> None:
    expected = arrow_schema(model)
    for f in expected:
        if f.name not in actual.names:
            report.add("ZG002", table, None, f"column {f.name} is missing")
            continue
        got = actual.field(f.name)
        if not got.type.equals(f.type):
            report.add("ZG002", table, None, f"column {f.name} is {got.type}, expected {f.type}")
        if not f.nullable and frame[f.name].null_count():
            report.add("ZG003", table, None, f"column {f.name} holds {frame[f.name].null_count()} nulls")
    for name in actual.names:
        if name not in expected.names:
            report.add("ZG002", table, None, f"column {name} is not in the model")
    for name, info in model.model_fields.items():
        allowed = _vocabulary(info.annotation)
        if allowed and name in frame.columns:
            bad = frame.filter(pl.col(name).is_not_null() & ~pl.col(name).is_in(sorted(allowed)))
            for row in bad.head(MAX_PER_RULE).iter_rows(named=True):
                report.add("ZG004", table, row.get(ID_FIELD.get(table, "source")), f"{name}={row[name]!r} is not one of {sorted(allowed)}")


def _vocabulary(annotation) -> set[str] | None:
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is typing.Literal:
            return set(typing.get_args(arg))
    return None


def _check_ids(report: Report, frames: dict[str, pl.DataFrame]) -> None:
    for table, id_field in ID_FIELD.items():
        frame = frames.get(table)
        if frame is None:
            continue
        dupes = frame.group_by(id_field).len().filter(pl.col("len") > 1)
        for row in dupes.head(MAX_PER_RULE).iter_rows(named=True):
            report.add("ZG005", table, row[id_field], f"{id_field} occurs {row['len']} times")
    keys = {
        "doc_id": "documents",
        "problem_id": "problems",
        "measure_id": "measures",
        "section_id": "sections",
        "parent_id": "sections",
        "date_id": "dates",
    }
    for table, frame in frames.items():
        for column, target in keys.items():
            if column not in frame.columns or table == target and column == ID_FIELD.get(table) or target not in frames:
                continue
            if table == "rejects":
                continue  # a reject's doc_id identifies its bytes; it has no document row
            target_ids = frames[target][ID_FIELD[target] if column != "parent_id" else "section_id"]
            dangling = frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(target_ids.implode()))
            for row in dangling.head(MAX_PER_RULE).iter_rows(named=True):
                report.add("ZG006", table, row.get(ID_FIELD.get(table, "source")), f"{column}={row[column]} is not in {target}")


def _check_spans(report: Report, frames: dict[str, pl.DataFrame]) -> None:
    texts = frames["documents"].select("doc_id", pl.col("text").alias("_doc_text"))
    for table, frame in frames.items():
        if "char_start" not in frame.columns or frame.is_empty():
            continue
        id_field = ID_FIELD[table]
        joined = frame.select(id_field, "doc_id", "char_start", "char_end", "text").join(texts, on="doc_id", how="left")
        joined = joined.with_columns(pl.col("_doc_text").str.len_chars().alias("_len"))
        out_of_bounds = joined.filter(
            pl.col("_doc_text").is_null() | (pl.col("char_start") > pl.col("char_end")) | (pl.col("char_end") > pl.col("_len"))
        )
        for row in out_of_bounds.head(MAX_PER_RULE).iter_rows(named=True):
            report.add("ZG007", table, row[id_field], f"[{row['char_start']}, {row['char_end']}) against a text of {row['_len']} characters")
        inside = joined.filter(pl.col("_doc_text").is_not_null() & (pl.col("char_start") <= pl.col("char_end")) & (pl.col("char_end") <= pl.col("_len")))
        sliced = inside.with_columns(
            pl.col("_doc_text").str.slice(pl.col("char_start"), pl.col("char_end") - pl.col("char_start")).alias("_slice")
        )
        mismatched = sliced.filter(pl.col("_slice") != pl.col("text"))
        for row in mismatched.head(MAX_PER_RULE).iter_rows(named=True):
            report.add("ZG008", table, row[id_field], f"text {row['text'][:30]!r} but the document has {row['_slice'][:30]!r} there")


def _check_dates(report: Report, frames: dict[str, pl.DataFrame]) -> None:
    dates = frames.get("dates")
    if dates is None or dates.is_empty():
        return
    reversed_ = dates.filter(pl.col("date_start") > pl.col("date_end"))
    for row in reversed_.head(MAX_PER_RULE).iter_rows(named=True):
        report.add("ZG009", "dates", row["date_id"], f"{row['date_start']} > {row['date_end']} for {row['text']!r}")
    years = frames["documents"].select("doc_id", "reference_year")
    joined = dates.join(years, on="doc_id", how="left").with_columns(
        (pl.col("reference_year").fill_null(dt.date.today().year) + 10).alias("_latest")
    )
    out = joined.filter(
        (pl.col("date_start").dt.year() < 1949) | (pl.col("date_end").dt.year() > pl.col("_latest"))
    )
    for row in out.head(MAX_PER_RULE).iter_rows(named=True):
        report.add("ZG010", "dates", row["date_id"], f"{row['text']!r} resolves to {row['date_start']} … {row['date_end']}")


def _check_values(report: Report, frames: dict[str, pl.DataFrame]) -> None:
    indicators = frames.get("indicators")
    if indicators is None or indicators.is_empty():
        return
    off = indicators.filter(
        ((pl.col("value") * pl.col("multiplier")) - pl.col("value_normalized")).abs() > 1e-6 * pl.col("value_normalized").abs().clip(1.0)
    )
    for row in off.head(MAX_PER_RULE).iter_rows(named=True):
        report.add("ZG013", "indicators", row["indicator_id"], f"{row['value']} × {row['multiplier']} ≠ {row['value_normalized']}")


def _check_problems(report: Report, frames: dict[str, pl.DataFrame]) -> None:
    problems = frames.get("problems")
    documents = frames["documents"]
    if problems is None:
        return
    for doc_id, group in problems.sort("char_start").group_by("doc_id", maintain_order=True):
        numbers = Counter(n for n in group["number"].to_list() if n is not None)
        for n, count in sorted(numbers.items()):
            if count > 1:
                report.add("ZG102", "problems", None, f"document {doc_id[0]}: problem {n} occurs {count} times")
        present = set(numbers)
        if present:
            missing = [n for n in range(1, max(present) + 1) if n not in present]
            if missing:
                report.add("ZG101", "problems", None, f"document {doc_id[0]}: no problem numbered {', '.join(map(str, missing))}")
        for row in group.filter(pl.col("inferred")).iter_rows(named=True):
            report.add("ZG104", "problems", row["problem_id"], f"restarted enumeration at {row['char_start']}: {row['text'][:30]!r}")
    with_problems = set(problems["doc_id"].to_list())
    for row in documents.filter(pl.col("doc_type").is_in(["inspection_rectification", "audit_rectification"])).iter_rows(named=True):
        if row["doc_id"] not in with_problems:
            report.add("ZG103", "documents", row["doc_id"], f"{row['source']} is a {row['doc_type']} document with no problems")


def _check_counts(report: Report, frames: dict[str, pl.DataFrame]) -> None:
    documents = frames["documents"]
    for column, table in COUNTS.items():
        frame = frames.get(table)
        if frame is None or column not in documents.columns:
            continue
        counted = frame.group_by("doc_id").len()
        joined = documents.select("doc_id", column).join(counted, on="doc_id", how="left").with_columns(pl.col("len").fill_null(0))
        for row in joined.filter(pl.col(column) != pl.col("len")).head(MAX_PER_RULE).iter_rows(named=True):
            report.add("ZG011", "documents", row["doc_id"], f"{column}={row[column]} but {table} has {row['len']} rows")


def _check_sources(report: Report, frames: dict[str, pl.DataFrame]) -> None:
    sources = frames["documents"]["source"].to_list()
    if "rejects" in frames:
        sources += frames["rejects"]["source"].to_list()
    for source, count in sorted(Counter(sources).items()):
        if count > 1:
            report.add("ZG012", "documents", None, f"{source} appears {count} times across documents and rejects")
