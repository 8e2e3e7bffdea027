"""Stage 4: check a dataset (SPEC 9); every finding has a stable code from CATALOGUE.

Every rule of SPEC 9 holds within one document (ids, references, spans and counts never
cross documents), so the checks run document by document: during a build on each
extraction, and over a built dataset by streaming its Parquet files, which are written in
document order.  Memory stays flat however large the dataset is.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import pyarrow.parquet as pq
from pydantic import TypeAdapter, ValidationError
from pydantic_core import to_json

from pipeline.models import ID_FIELD, REGISTRY, TABLES
from pipeline.publish import pinned
from pipeline.schema import arrow_schema
from pipeline.write import file_digest, table_files

# code: (severity, rule, what it means)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    "ZG001": ("error", "file", "a table's Parquet file is missing or unreadable"),
    "ZG002": ("error", "schema", "a table's columns differ from its model (name, type or nullability)"),
    "ZG003": ("error", "row", "a row does not validate against its model (type, vocabulary, null)"),
    "ZG005": ("error", "unique_id", "an id occurs more than once, or does not belong to its document"),
    "ZG006": ("error", "foreign_key", "a reference to another row resolves to nothing in its document"),
    "ZG007": ("error", "span_bounds", "char_start/char_end lie outside the document text or are reversed"),
    "ZG008": ("error", "span_text", "documents.text[char_start:char_end] differs from the row's text"),
    "ZG009": ("error", "date_order", "date_start is after date_end"),
    "ZG010": ("error", "date_year", "a year lies before 1949 or after reference_year + 10"),
    "ZG011": ("error", "counts", "a count in documents differs from the rows of its table"),
    "ZG012": ("error", "one_place", "an input file appears in both documents and rejects, or twice"),
    "ZG013": ("error", "value", "value_normalized differs from value × multiplier"),
    "ZG014": ("error", "order", "rows of a table are not grouped in the order of documents"),
    "ZG015": ("error", "manifest", "a file differs from the digest in manifest.json: it was changed after the build; rerun it"),
    "ZG016": ("error", "outcome_sum", "problems completed, partly completed, in progress and long-term of one statement add up to more than the problems it reports"),
    "ZG017": ("error", "manifest", "manifest.json is missing or unreadable, so no file can be checked against its digest"),
    "ZG018": ("error", "formats", "a table's JSON Lines file does not hold the same rows as its Parquet file"),
    "ZG019": ("error", "section_nesting", "a section does not lie within its parent section, or is not at a deeper level than it"),
    "ZG101": ("warning", "problem_gap", "problem numbers of a document skip a number"),
    "ZG102": ("warning", "problem_repeat", "a problem number occurs twice in a document"),
    "ZG103": ("warning", "no_problems", "a rectification document has no problems"),
    "ZG104": ("warning", "inferred_problem", "a problem's heading is missing: its enumeration restarted"),
    "ZG105": ("warning", "completion_rate", "a stated completion rate is more than 1 percentage point from completed ÷ reported of its statement"),
    "ZG106": ("warning", "problems_reported", "the problems a notice reports differ from the problems it itemises"),
}

COUNTS = {t.count: t.name for t in REGISTRY.values() if t.count}  # documents column → table it counts
CHILD_TABLES = tuple(t.name for t in REGISTRY.values() if t.per_document)
OFFSET_TABLES = tuple(t.name for t in REGISTRY.values() if t.per_document and t.located)
# table → (column, table it points into) of the references checked within a document, in column order
REFERENCES = {
    t.name: tuple((column, t.references[column]) for column in t.model.model_fields if column in t.references and column != "doc_id")
    for t in REGISTRY.values()
    if t.per_document
}
MAX_PER_CODE = 200  # findings kept per code; the count says how many there were


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    table: str
    row_id: str | None
    rule: str
    message: str


def finding(code: str, table: str, row_id: str | None, message: str) -> Finding:
    severity, rule, _ = CATALOGUE[code]
    return Finding(code, severity, table, row_id, rule, message)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # code → how many, including those not kept
    rows: dict[str, int] = field(default_factory=dict)

    def extend(self, findings: list[Finding]) -> None:
        for f in findings:
            self.counts[f.code] += 1
            if self.counts[f.code] <= MAX_PER_CODE:
                self.findings.append(f)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def n_errors(self) -> int:
        return sum(n for code, n in self.counts.items() if CATALOGUE[code][0] == "error")

    @property
    def n_warnings(self) -> int:
        return sum(n for code, n in self.counts.items() if CATALOGUE[code][0] == "warning")

    def to_json(self) -> str:
        return json.dumps(
            {"rows": self.rows, "counts": dict(sorted(self.counts.items())), "findings": [asdict(f) for f in self.findings]},
            ensure_ascii=False,
            indent=2,
        )


# --- one document ------------------------------------------------------------------


def check_document(document: dict, tables: dict[str, list[dict]]) -> list[Finding]:
    """Every SPEC 9 rule that holds within one document (rows as dicts, as in the files)."""
    out: list[Finding] = []
    doc_id, text = document["doc_id"], document["text"]
    ids: dict[str, set[str]] = {}
    for table in CHILD_TABLES:
        id_field = ID_FIELD[table]
        seen = ids.setdefault(table, set())
        for row in tables.get(table, []):
            rid = row[id_field]
            if rid in seen or not rid.startswith(doc_id + "-"):
                out.append(finding("ZG005", table, rid, "duplicate id" if rid in seen else f"id does not start with its doc_id {doc_id}"))
            seen.add(rid)
            if table not in OFFSET_TABLES:
                continue
            start, end = row["char_start"], row["char_end"]
            if not 0 <= start <= end <= len(text):
                out.append(finding("ZG007", table, rid, f"[{start}, {end}) against a text of {len(text)} characters"))
            elif "text" in row and text[start:end] != row["text"]:
                out.append(finding("ZG008", table, rid, f"text {row['text'][:30]!r} but the document has {text[start:end][:30]!r} there"))
    for table in CHILD_TABLES:
        for row in tables.get(table, []):
            for column, target in REFERENCES[table]:
                value = row.get(column)
                if value is not None and value not in ids.get(target, ()):
                    out.append(finding("ZG006", table, row[ID_FIELD[table]], f"{column}={value} is not in {target} of document {doc_id}"))
    out += _check_nesting(tables.get("sections", []))
    out += _check_dates(document, tables.get("dates", []))
    out += _check_values(tables.get("indicators", []))
    out += _check_problems(document, tables.get("problems", []))
    out += check_outcomes(document, tables.get("outcomes", []))
    for column, table in COUNTS.items():
        if document.get(column) != len(tables.get(table, [])):
            out.append(finding("ZG011", "documents", doc_id, f"{column}={document.get(column)} but {table} has {len(tables.get(table, []))} rows"))
    return out


def _check_nesting(sections: list[dict]) -> list[Finding]:
    """Each section lies within its parent and one level below it (a missing parent is ZG006)."""
    out = []
    parents = {s["section_id"]: s for s in sections}
    for s in sections:
        parent = parents.get(s["parent_id"]) if s["parent_id"] is not None else None
        if parent is None:
            continue
        if not parent["char_start"] <= s["char_start"] <= s["char_end"] <= parent["char_end"]:
            out.append(finding("ZG019", "sections", s["section_id"], f"[{s['char_start']}, {s['char_end']}) outside its parent's [{parent['char_start']}, {parent['char_end']})"))
        elif s["level"] <= parent["level"]:
            out.append(finding("ZG019", "sections", s["section_id"], f"level {s['level']} under a level-{parent['level']} parent"))
    return out


def _check_dates(document: dict, dates: list[dict]) -> list[Finding]:
    out = []
    latest = (document.get("reference_year") or dt.date.today().year) + 10
    for row in dates:
        start, end = row["date_start"], row["date_end"]
        if start is None or end is None:
            continue
        start, end = _as_date(start), _as_date(end)
        if start > end:
            out.append(finding("ZG009", "dates", row["date_id"], f"{start} > {end} for {row['text']!r}"))
        if start.year < 1949 or end.year > latest:
            out.append(finding("ZG010", "dates", row["date_id"], f"{row['text']!r} resolves to {start} … {end}"))
    return out


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _check_values(indicators: list[dict]) -> list[Finding]:
    out = []
    for row in indicators:
        expected = row["value"] * row["multiplier"]
        if abs(expected - row["value_normalized"]) > 1e-6 * max(1.0, abs(row["value_normalized"])):
            out.append(finding("ZG013", "indicators", row["indicator_id"], f"{row['value']} × {row['multiplier']} ≠ {row['value_normalized']}"))
    return out


def _check_problems(document: dict, problems: list[dict]) -> list[Finding]:
    out = []
    doc_id = document["doc_id"]
    numbers = Counter(p["number"] for p in problems if p["number"] is not None)
    for n, count in sorted(numbers.items()):
        if count > 1:
            out.append(finding("ZG102", "problems", None, f"document {doc_id}: problem {n} occurs {count} times"))
    if numbers:
        missing = [n for n in range(1, max(numbers) + 1) if n not in numbers]
        if missing:
            out.append(finding("ZG101", "problems", None, f"document {doc_id}: no problem numbered {', '.join(map(str, missing))}"))
    for p in problems:
        if p["inferred"]:
            out.append(finding("ZG104", "problems", p["problem_id"], f"restarted enumeration at {p['char_start']}: {p['text'][:30]!r}"))
    if not problems and document["doc_type"] in ("inspection_rectification", "audit_rectification"):
        out.append(finding("ZG103", "documents", doc_id, f"{document['source']} is a {document['doc_type']} document with no problems"))
    return out


OUTCOME_PARTS = ("problems_completed", "problems_partly_completed", "problems_in_progress", "problems_long_term")
STATEMENT_ENDS = "。!?\n"
RATE_TOLERANCE = 1.0  # percentage points


def check_outcomes(document: dict, outcomes: list[dict]) -> list[Finding]:
    """SPEC 9 on outcomes: the parts of a statement within its whole, a stated rate against its
    counts, and the problems a notice reports against those it itemises.

    A statement is a sentence of the text (up to 。, !, ? or a line break)."""
    text = document["text"]
    statements: dict[int, list[dict]] = {}
    for row in outcomes:
        start = max(text.rfind(c, 0, row["char_start"]) for c in STATEMENT_ENDS) + 1
        statements.setdefault(start, []).append(row)
    out = []
    for rows in statements.values():
        out += _check_statement(document["doc_id"], rows)
    return out + _check_reported(document, outcomes)


def _check_statement(doc_id: str, rows: list[dict]) -> list[Finding]:
    out = []
    first = {}
    for row in rows:
        first.setdefault(row["kind"], row)
    reported = first.get("problems_reported")
    if reported is None:
        return out
    parts = sum(first[k]["value"] for k in OUTCOME_PARTS if k in first)
    if parts > reported["value"]:
        named = ", ".join(f"{k} {first[k]['value']:g}" for k in OUTCOME_PARTS if k in first)
        out.append(finding("ZG016", "outcomes", reported["outcome_id"], f"{named} add up to {parts:g}, above {reported['value']:g} problems reported"))
    rate, completed = first.get("completion_rate"), first.get("problems_completed")
    if rate is not None and completed is not None and reported["value"] > 0:
        computed = 100 * completed["value"] / reported["value"]
        if abs(computed - rate["value"]) > RATE_TOLERANCE:
            out.append(finding("ZG105", "outcomes", rate["outcome_id"], f"stated {rate['value']:g}% but {completed['value']:g} of {reported['value']:g} is {computed:.2f}% (document {doc_id})"))
    return out


def _check_reported(document: dict, outcomes: list[dict]) -> list[Finding]:
    """The notice's own count of problems: the first problems_reported outside its itemised problems."""
    if not document["n_problems"]:
        return []
    whole = next((o for o in outcomes if o["kind"] == "problems_reported" and o["problem_id"] is None), None)
    if whole is None or whole["value"] == document["n_problems"]:
        return []
    return [finding("ZG106", "outcomes", whole["outcome_id"], f"document {document['doc_id']} reports {whole['value']:g} problems ({whole['text']!r}) but itemises {document['n_problems']}")]


# --- a built dataset ------------------------------------------------------------------

BATCH_ROWS = 512


def validate(out_dir: Path | str) -> Report:
    """Check a built dataset by streaming its files document by document (all from one build,
    even while a new one is being published)."""
    out_dir = pinned(Path(out_dir))
    report = Report()
    files: dict[str, pq.ParquetFile] = {}
    for table, model in TABLES.items():
        path = out_dir / table_files(table)[0]
        try:
            files[table] = pq.ParquetFile(path)
        except (OSError, ValueError) as exc:
            report.extend([finding("ZG001", table, None, f"{path.name}: {exc}")])
            continue
        report.rows[table] = files[table].metadata.num_rows
        report.extend(_check_schema(table, files[table].schema_arrow))
        report.extend(_check_jsonl(out_dir, table, files[table]))
    report.extend(_check_manifest(out_dir))
    if "documents" not in files:
        return report
    adapters = {t: TypeAdapter(TABLES[t]) for t in TABLES}
    groups = {t: _Groups(files[t]) for t in CHILD_TABLES if t in files}
    sources: Counter = Counter()
    doc_ids: set[str] = set()
    for document in _rows(files["documents"]):
        report.extend(_check_rows("documents", [document], adapters))
        sources[document["source"]] += 1
        if document["doc_id"] in doc_ids:
            report.extend([finding("ZG005", "documents", document["doc_id"], "doc_id occurs more than once")])
        doc_ids.add(document["doc_id"])
        tables = {t: g.take(document["doc_id"]) for t, g in groups.items()}
        for table, rows in tables.items():
            report.extend(_check_rows(table, rows, adapters))
        report.extend(check_document(document, tables))
    for table, g in groups.items():
        for doc_id, rows in g.rest():
            code = "ZG014" if doc_id in doc_ids else "ZG006"
            report.extend([finding(code, table, rows[0][ID_FIELD[table]], f"{len(rows)} rows of document {doc_id} " + ("out of document order" if code == "ZG014" else "whose document is not in documents"))])
    if "rejects" in files:
        for row in _rows(files["rejects"]):
            report.extend(_check_rows("rejects", [row], adapters))
            sources[row["source"]] += 1
    for source, count in sorted(sources.items()):
        if count > 1:
            report.extend([finding("ZG012", "documents", None, f"{source} appears {count} times across documents and rejects")])
    return report


def _check_manifest(out_dir: Path) -> list[Finding]:
    try:
        files = json.loads((out_dir / "manifest.json").read_text("utf-8"))["files"]
        files = dict(files)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = "missing" if isinstance(exc, FileNotFoundError) else "unreadable"
        return [finding("ZG017", "manifest", None, f"manifest.json is {reason}: the files are checked on their rows alone")]
    out = []
    for name, digest in sorted(files.items()):
        try:
            actual = file_digest(out_dir / name)
        except OSError:
            actual = None
        if actual != digest:
            out.append(finding("ZG015", name.split(".")[0], None, f"{name} is not the file the manifest describes"))
    return out


def _check_jsonl(out_dir: Path, table: str, parquet: pq.ParquetFile) -> list[Finding]:
    """The JSON Lines file holds the Parquet file's rows, in the same order (the first difference is reported)."""
    name = table_files(table)[1]
    try:
        fh = open(out_dir / name, "rb")
    except OSError as exc:
        return [finding("ZG018", table, None, f"{name}: {exc.strerror or exc}")]
    with fh:
        for n, row in enumerate(_rows(parquet), 1):
            line = fh.readline()
            if not _same_row(line, row):
                what = "ends" if not line else "differs from the Parquet row"
                return [finding("ZG018", table, row.get(ID_FIELD.get(table, "source")), f"{name} line {n} {what}")]
        if any(line.strip() for line in fh):
            return [finding("ZG018", table, None, f"{name} has more lines than the {parquet.metadata.num_rows} rows of its Parquet file")]
    return []


def _same_row(line: bytes, row: dict) -> bool:
    written = to_json(row) + b"\n"
    if line == written:  # as the writer wrote it
        return True
    try:
        return bool(line) and json.loads(line) == json.loads(written)
    except ValueError:
        return False


def _check_schema(table: str, actual) -> list[Finding]:
    out = []
    expected = arrow_schema(TABLES[table])
    for f in expected:
        if f.name not in actual.names:
            out.append(finding("ZG002", table, None, f"column {f.name} is missing"))
        elif not actual.field(f.name).type.equals(f.type):
            out.append(finding("ZG002", table, None, f"column {f.name} is {actual.field(f.name).type}, expected {f.type}"))
    out += [finding("ZG002", table, None, f"column {name} is not in the model") for name in actual.names if name not in expected.names]
    return out


def _check_rows(table: str, rows: list[dict], adapters: dict[str, TypeAdapter]) -> list[Finding]:
    out = []
    for row in rows:
        try:
            adapters[table].validate_python(row)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            out.append(finding("ZG003", table, row.get(ID_FIELD.get(table, "source")), f"{where}: {first['msg']}"))
    return out


def _rows(file: pq.ParquetFile) -> Iterator[dict]:
    for batch in file.iter_batches(batch_size=BATCH_ROWS):
        yield from batch.to_pylist()


class _Groups:
    """The rows of one table, taken document by document in the order they were written."""

    def __init__(self, file: pq.ParquetFile):
        self.rows = _rows(file)
        self.pending: dict | None = next(self.rows, None)
        self.held: dict[str, list[dict]] = {}

    def _next_group(self) -> tuple[str, list[dict]] | None:
        if self.pending is None:
            return None
        doc_id, group = self.pending["doc_id"], [self.pending]
        for row in self.rows:
            if row["doc_id"] != doc_id:
                self.pending = row
                return doc_id, group
            group.append(row)
        self.pending = None
        return doc_id, group

    def take(self, doc_id: str) -> list[dict]:
        if doc_id in self.held:
            return self.held.pop(doc_id)
        if self.pending is not None and self.pending["doc_id"] == doc_id:
            return self._next_group()[1]
        return []

    def rest(self) -> Iterator[tuple[str, list[dict]]]:
        yield from self.held.items()
        while (group := self._next_group()) is not None:
            yield group
