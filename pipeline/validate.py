"""Stage 4: check a dataset (SPEC 9); every finding has a stable code from CATALOGUE.

Two kinds of check. The rules that hold within one document (ids, references, spans, dates,
values, counts, outcomes) run during a build on each document's rows as they are made
(``check_document``), with the rows' types and vocabulary checked column by column on what
the writer writes (``check_columns``), and each row's JSON line against its Arrow row as both
are encoded (``check_formats``). The rules that span the files (each file against its
digest, JSON Lines against Parquet, documents unique, child rows in document order and
belonging to a document, counts) run over the written files as columnar queries.

``validate`` runs both over a built dataset, streaming its Parquet files document by
document (memory stays flat however large the dataset is).  A dataset that this process
has just built and checked (``record_build``), whose files all still match their digests, is
not checked row by row a second time, nor are its JSON Lines read again: its build's findings
are reported with the other checks across the files.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
import types
import typing
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Iterator

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
import pyarrow.parquet as pq
from pydantic import TypeAdapter, ValidationError

from pipeline.models import ID_FIELD, REGISTRY, TABLES
from pipeline.publish import pinned
from pipeline.schema import arrow_schema
from pipeline.write import file_digest, read_manifest, table_files

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
QUOTING_TABLES = tuple(t for t in OFFSET_TABLES if "text" in TABLES[t].model_fields)  # rows quote their span's text
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

    def merge(self, other: "Report") -> None:
        """Add another report's findings and counts (its findings not kept count all the same)."""
        for f in other.findings:
            self.extend([f])
        for code, n in other.counts.items():
            self.counts[code] += n - sum(1 for f in other.findings if f.code == code)

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
    check = DocumentCheck(document)
    for table in CHILD_TABLES:
        check.add(table, tables.get(table, []))
    return check.finish()


class DocumentCheck:
    """``check_document`` fed rows a table at a time, in the order of CHILD_TABLES, and a table in
    as many slices as wanted, so that a large document's rows need not all be held at once.
    Only the ids are kept, and of the tables whose rule reads them whole the fields it reads
    (of a table's first slice, the rows as they are: copying their fields cost more than one
    slice of rows weighs, and a small document's rows are held until its chunk is built): every
    reference points into its own table or an earlier one. The findings come out in the same
    order as from ``check_document``."""

    def __init__(self, document: dict):
        self.document = document
        self.ids: dict[str, set[str]] = {}
        self.rows: dict[str, int] = {}
        self.spans: list[Finding] = []  # ZG005, ZG007, ZG008, table by table
        self.references: list[Finding] = []  # ZG006
        self.by_row: dict[str, list[Finding]] = {}  # per table, what its rule that reads a row at a time found
        self.kept: dict[str, list[dict]] = {}  # per table, the fields its rule that reads the table whole reads
        self.formats: list[Finding] = []  # ZG018: rows whose JSON line would not read back as their Arrow row

    def add(self, table: str, rows: list[dict]) -> None:
        if table not in CHILD_TABLES:
            return
        self.rows[table] = self.rows.get(table, 0) + len(rows)
        self.spans += _check_ids(self.document, table, rows, self.ids.setdefault(table, set()))
        if not self._references_hold(table, rows):
            for row in rows:
                for column, target in REFERENCES[table]:
                    value = row.get(column)
                    if value is not None and value not in self.ids.get(target, ()):
                        self.references.append(finding("ZG006", table, row[ID_FIELD[table]], f"{column}={value} is not in {target} of document {self.document['doc_id']}"))
        rule = _TABLE_RULES.get(table)
        if rule and rule.fields is None:
            self.by_row.setdefault(table, []).extend(rule.check(self.document, rows))
        elif rule and table not in self.kept:
            self.kept[table] = list(rows)  # a table's first slice: kept as it is
        elif rule:
            quoted = rule.quoted
            self.kept[table].extend({**{k: row[k] for k in rule.fields}, **({"text": row["text"][:quoted]} if quoted != 0 else {})}
                                    for row in rows)

    def _references_hold(self, table: str, rows: list[dict]) -> bool:
        """Every reference of the rows resolves (the usual case, checked a column at a time; a
        row without the column goes to the row by row check)."""
        try:
            for column, target in REFERENCES[table]:
                values = set(map(operator.itemgetter(column), rows))
                values.discard(None)
                if not values <= self.ids.get(target, set()):
                    return False
        except KeyError:
            return False
        return True

    def finish(self) -> list[Finding]:
        document = self.document
        out = self.spans + self.references
        for table, rule in _TABLE_RULES.items():
            out += self.by_row.get(table, []) if rule.fields is None else rule.check(document, self.kept.get(table, []))
        for column, table in COUNTS.items():
            n = self.rows.get(table, 0)
            if document.get(column) != n:
                out.append(finding("ZG011", "documents", document["doc_id"], f"{column}={document.get(column)} but {table} has {n} rows"))
        return out + self.formats


def _check_ids(document: dict, table: str, rows: list[dict], seen: set[str]) -> list[Finding]:
    if _ids_hold(document, table, rows, seen):
        return []
    out = []
    doc_id, text = document["doc_id"], document["text"]
    id_field = ID_FIELD[table]
    for row in rows:
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
    return out


def _ids_hold(document: dict, table: str, rows: list[dict], seen: set[str]) -> bool:
    """The usual case of ``_check_ids``, checked a column at a time: every id new and of its
    document, every span within the text and its text the document's; then the ids are seen."""
    if not rows:
        return True
    try:  # the columns taken by itemgetter (C loops); a row without one goes to the row by row check
        ids = list(map(operator.itemgetter(ID_FIELD[table]), rows))
        fresh = set(ids)
        if len(fresh) != len(ids) or not seen.isdisjoint(fresh) or not all(map(str.startswith, ids, itertools.repeat(document["doc_id"] + "-"))):
            return False
        if table in OFFSET_TABLES:
            text = document["text"]
            starts, ends = list(map(operator.itemgetter("char_start"), rows)), list(map(operator.itemgetter("char_end"), rows))
            if not (min(starts) >= 0 and max(ends) <= len(text) and all(map(operator.le, starts, ends))):
                return False
            if table in QUOTING_TABLES and list(map(operator.itemgetter("text"), rows)) != list(map(text.__getitem__, map(slice, starts, ends))):
                return False
    except (KeyError, TypeError):
        return False
    seen |= fresh
    return True


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


# --- the columns of a table ----------------------------------------------------------


@dataclass(frozen=True)
class _ColumnRule:
    """What a model says of a column beyond its Arrow type."""

    name: str
    nullable: bool
    values: tuple[str, ...] | None  # the vocabulary of a Literal column
    ge: int | None
    le: int | None


@cache
def _column_rules(table: str) -> tuple[_ColumnRule, ...]:
    schema = arrow_schema(TABLES[table])
    rules = []
    for name, f in TABLES[table].model_fields.items():
        bounds = _bounds(f.metadata, f.annotation)
        rules.append(_ColumnRule(name, schema.field(name).nullable, _literal_values(f.annotation), bounds.get("ge"), bounds.get("le")))
    return tuple(rules)


def _literal_values(annotation) -> tuple[str, ...] | None:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return tuple(typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation)[:1] if origin is typing.Annotated else typing.get_args(annotation):
            if (found := _literal_values(arg)) is not None:
                return found
    return None


def _bounds(metadata, annotation) -> dict[str, int]:
    """ge and le of a field: its own metadata and that of the Annotated types it is made of."""
    found: dict[str, int] = {}
    for meta in metadata:
        for key in ("ge", "le"):
            if isinstance(getattr(meta, key, None), int):
                found[key] = getattr(meta, key)
        if hasattr(meta, "metadata") and isinstance(meta.metadata, list):
            found |= _bounds(meta.metadata, None)
    for arg in typing.get_args(annotation) if annotation is not None else ():
        if typing.get_origin(annotation) is typing.Annotated:
            found |= _bounds(typing.get_args(annotation)[1:], typing.get_args(annotation)[0])
            break
        found |= _bounds((), arg)
    return found


def check_columns(table: str, data: pa.Table | pa.RecordBatch) -> list[Finding]:
    """The model's rules that the Arrow types do not hold, checked column by column: no null
    where a value is required, values from the vocabulary, numbers within their bounds
    (ZG003). With the Arrow schema it checks what validating every row as its model does."""
    out = []
    ids = data.column(ID_FIELD.get(table, "source"))
    for rule in _column_rules(table):
        column = data.column(rule.name)
        for rows, what in _violations(column, rule):
            out += [finding("ZG003", table, ids[at].as_py(), f"{rule.name}: {what(column[at].as_py())}") for at in rows]
    return out


def _violations(column, rule: _ColumnRule) -> Iterator[tuple[list[int], typing.Callable]]:
    """(rows, what is wrong with a value) for each rule of the column that some rows break."""
    if not rule.nullable and column.null_count:
        yield _where(pc.is_null(column)), lambda value: "a value is required"
    if pa.types.is_list(column.type):
        flat = pc.list_flatten(column)
        if flat.null_count:
            parents = pc.filter(pc.list_parent_indices(column), pc.is_null(flat))
            yield sorted(set(parents.to_pylist())), lambda value: "a list item is null"
    if rule.values is not None:
        outside = pc.and_(pc.is_valid(column), pc.invert(pc.is_in(column, value_set=pa.array(rule.values, pa.string()))))
        yield _where(outside), lambda value: f"{value!r} is not one of {', '.join(rule.values)}"
    if rule.ge is not None:
        yield _where(pc.less(column, rule.ge)), lambda value: f"{value} is less than {rule.ge}"
    if rule.le is not None:
        yield _where(pc.greater(column, rule.le)), lambda value: f"{value} is greater than {rule.le}"


def _where(mask) -> list[int]:
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return []
    if isinstance(mask, pa.ChunkedArray):
        mask = mask.combine_chunks()
    return pc.indices_nonzero(mask).to_pylist()


# --- a built dataset ------------------------------------------------------------------

BATCH_ROWS = 512
SCAN_ROWS = 64 * 1024  # rows read at a time by the checks across files
JSON_BLOCK_BYTES = 8 * 1024 * 1024  # of JSON Lines parsed at a time (larger for a line longer than that)
REMEMBERED_BUILDS = 8


@dataclass(frozen=True)
class _Build:
    files: dict[str, str]  # digest of every file, as in its manifest
    report: Report  # what the build found checking each document's rows and the columns it wrote


_BUILDS: dict[str, _Build] = {}


def record_build(out_dir: Path, files: dict[str, str], report: Report) -> None:
    """Remember what a build of this process checked of the rows it has just published, so that
    ``validate`` of that dataset need not check them a second time (only while every file
    still matches ``files``, the digests of its manifest)."""
    _BUILDS[str(pinned(Path(out_dir)).resolve())] = _Build(dict(files), report)
    while len(_BUILDS) > REMEMBERED_BUILDS:
        del _BUILDS[next(iter(_BUILDS))]


def validate(out_dir: Path | str) -> Report:
    """Check a built dataset: its files against their digests and each other, and every
    document's rows (all from one build, even while a new one is being published)."""
    out_dir = pinned(Path(out_dir))
    report = Report()
    files: dict[str, pq.ParquetFile] = {}
    manifest_findings, digests = _check_manifest(out_dir)
    built = _BUILDS.get(str(out_dir.resolve()))
    if built is not None and (manifest_findings or digests != built.files):
        built = None  # not the files that build checked
    for table in TABLES:
        path = out_dir / table_files(table)[0]
        try:
            files[table] = pq.ParquetFile(path)
        except (OSError, ValueError) as exc:
            report.extend([finding("ZG001", table, None, f"{path.name}: {exc}")])
            continue
        report.rows[table] = files[table].metadata.num_rows
        report.extend(_check_schema(table, files[table].schema_arrow))
        if built is None:  # the build established ZG018 as it encoded each row twice
            report.extend(_check_jsonl(out_dir, table, files[table]))
    report.extend(manifest_findings)
    if "documents" not in files or not _has(files["documents"], "doc_id", "source"):
        return report  # nothing to check rows against (ZG001, ZG002)
    files = {t: f for t, f in files.items() if _has(f, "doc_id" if t != "rejects" else "source", ID_FIELD.get(t, "source"))}
    doc_ids = files["documents"].read(columns=["doc_id"]).column("doc_id").combine_chunks()
    first = pc.index_in(doc_ids, value_set=doc_ids).to_pylist()  # where each document's doc_id first occurs
    runs = {t: _row_groups(files[t], doc_ids) for t in CHILD_TABLES if t in files}
    if built is not None:
        report.merge(built.report)
        report.extend(_check_counts(files["documents"], runs, first))
    else:
        _check_documents(files, report)
    report.extend(_check_across(files, runs, doc_ids, first))
    return report


def _has(file: pq.ParquetFile, *columns: str) -> bool:
    return all(c in file.schema_arrow.names for c in columns)


def _check_documents(files: dict[str, pq.ParquetFile], report: Report) -> None:
    """Every row validated as its model, and every rule within a document over the rows that
    validate, a document at a time."""
    adapters = {t: TypeAdapter(TABLES[t]) for t in TABLES}
    groups = {t: _Groups(files[t]) for t in CHILD_TABLES if t in files}
    for document in _rows(files["documents"]):
        findings, valid = _check_rows("documents", [document], adapters)
        report.extend(findings)
        tables = {}
        for table, g in groups.items():
            findings, tables[table] = _check_rows(table, g.take(document["doc_id"]), adapters)
            report.extend(findings)
        if valid:
            report.extend(check_document(document, tables))
    if "rejects" in files:
        for row in _rows(files["rejects"]):
            report.extend(_check_rows("rejects", [row], adapters)[0])


def _check_across(files: dict[str, pq.ParquetFile], runs: dict[str, "_Runs"], doc_ids: pa.Array, first: list[int]) -> list[Finding]:
    """Documents unique, each input in one place, and the rows of every child table grouped
    in the order of documents, each group belonging to a document."""
    out = [finding("ZG005", "documents", doc_ids[i].as_py(), "doc_id occurs more than once") for i, f in enumerate(first) if f != i]
    sources = [files["documents"].read(columns=["source"]).column("source")]
    if "rejects" in files:
        sources.append(files["rejects"].read(columns=["source"]).column("source"))
    counted = pc.value_counts(pa.chunked_array([c for s in sources for c in s.chunks], pa.string()))
    repeated = pc.filter(counted, pc.greater(counted.field("counts"), 1)).to_pylist()
    for entry in sorted(repeated, key=lambda e: e["values"]):
        out.append(finding("ZG012", "documents", None, f"{entry['values']} appears {entry['counts']} times across documents and rejects"))
    for table, table_runs in runs.items():
        out += _check_order(table, table_runs, first, files[table])
    return out


@dataclass(frozen=True)
class _Runs:
    """Runs of rows of one document in a child table, in file order, as columns: the document's
    position in documents (its first row of that doc_id; null for a doc_id documents lacks), the
    run's first row in the file, and its length. A few bytes a run, so that a dataset of 100 000
    documents is checked in the memory of one of 10 000."""

    position: pa.Array
    start: pa.Array
    length: pa.Array


def _row_groups(file: pq.ParquetFile, doc_ids: pa.Array) -> _Runs:
    """The runs of ``file``; ``doc_ids`` is the documents' column. A run's length is the distance
    to the next run's first row, so a run going on across batches only needs its start kept."""
    positions, starts = [], []
    last_doc, offset = _NO_ROW, 0
    for batch in _batches(file, SCAN_ROWS, ["doc_id"]):
        docs, n = batch.column(0), batch.num_rows
        if n == 0:
            continue
        changes = pc.indices_nonzero(pc.not_equal(docs.slice(1), docs.slice(0, n - 1)))
        at = pa.concat_arrays([pa.array([0], pa.uint64()), pc.add(changes, 1).cast(pa.uint64())])
        if docs[0].as_py() == last_doc:  # the last run of the batch before goes on in this one
            at = at.slice(1)
        positions.append(pc.index_in(pc.take(docs, at), value_set=doc_ids).cast(pa.int32()))
        starts.append(pc.add(at.cast(pa.int64()), offset))
        last_doc, offset = docs[n - 1].as_py(), offset + n
    if not starts:
        return _Runs(pa.array([], pa.int32()), pa.array([], pa.int64()), pa.array([], pa.int64()))
    start = pa.concat_arrays(starts)
    return _Runs(pa.concat_arrays(positions), start, pc.subtract(pa.concat_arrays([start.slice(1), pa.array([offset], pa.int64())]), start))


_NO_ROW = object()  # the document of the row before the first: none (a null doc_id is a document of its own)


def _check_order(table: str, runs: _Runs, first: list[int], file: pq.ParquetFile) -> list[Finding]:
    """Taking each document's run in the order of documents, the runs left over are out of
    order (ZG014) or of no document (ZG006)."""
    positions = runs.position.to_pylist()
    at = 0
    for doc in first:  # documents in order, each by its doc_id's first position
        if at < len(positions) and positions[at] == doc:
            at += 1
    if at == len(positions):
        return []
    rows = runs.start.slice(at)
    named = file.read(columns=["doc_id", ID_FIELD[table]])  # the names of the runs left over
    out = []
    for position, doc_id, row_id, n in zip(positions[at:], pc.take(named.column(0), rows).to_pylist(),
                                           pc.take(named.column(1), rows).to_pylist(), runs.length.slice(at).to_pylist()):
        code = "ZG014" if position is not None else "ZG006"
        out.append(finding(code, table, row_id, f"{n} rows of document {doc_id} " + ("out of document order" if code == "ZG014" else "whose document is not in documents")))
    return out


def _check_counts(documents: pq.ParquetFile, runs: dict[str, _Runs], first: list[int]) -> list[Finding]:
    """The counts in documents against the rows each child table holds of each document
    (``first``: where each document's doc_id first occurs)."""
    columns = [c for c in ("doc_id", *COUNTS) if c in documents.schema_arrow.names]
    table = documents.read(columns=columns)
    held = {}
    for name, table_runs in runs.items():  # rows of each doc_id, at its first position
        counts = [0] * table.num_rows
        for position, n in zip(table_runs.position.to_pylist(), table_runs.length.to_pylist()):
            if position is not None:
                counts[position] += n
        held[name] = counts
    out = []
    for i, document in enumerate(row for batch in table.to_batches(max_chunksize=BATCH_ROWS) for row in batch.to_pylist()):
        for column, child in COUNTS.items():
            rows = held[child][first[i]] if child in held else 0
            if document.get(column) != rows:
                out.append(finding("ZG011", "documents", document["doc_id"], f"{column}={document.get(column)} but {child} has {rows} rows"))
    return out


def _check_manifest(out_dir: Path) -> tuple[list[Finding], dict[str, str] | None]:
    """Findings of every file against its digest, and the digests."""
    try:
        files = read_manifest(out_dir / "manifest.json")["files"]
        files = dict(files)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = "missing" if isinstance(exc, FileNotFoundError) else "unreadable"
        return [finding("ZG017", "manifest", None, f"manifest.json is {reason}: the files are checked on their rows alone")], None
    out = []
    for name, digest in sorted(files.items()):
        try:
            actual = file_digest(out_dir / name)
        except OSError:
            actual = None
        if actual != digest:
            out.append(finding("ZG015", name.split(".")[0], None, f"{name} is not the file the manifest describes"))
    return out, files


def _check_jsonl(out_dir: Path, table: str, parquet: pq.ParquetFile) -> list[Finding]:
    """The JSON Lines file holds the Parquet file's rows, in the same order: compared as
    columns, a block of lines at a time; where they differ, line by line for the first difference."""
    name = table_files(table)[1]
    try:
        size = (out_dir / name).stat().st_size
        same = _same_rows(out_dir / name, size, table, parquet)
    except OSError as exc:
        return [finding("ZG018", table, None, f"{name}: {exc.strerror or exc}")]
    return [] if same else [_first_difference(out_dir / name, table, parquet)]


def _same_rows(path: Path, size: int, table: str, parquet: pq.ParquetFile) -> bool:
    """Compared a slice of whole lines at a time (each parsed on its own: the streaming JSON
    reader reads ahead without bound, so a file of long texts was held nearly whole)."""
    expected = _RowStream(parquet)
    for piece in _line_slices(path, JSON_BLOCK_BYTES) if size else ():
        try:
            rows = read_lines(table, piece)
        except pa.ArrowInvalid:
            return False
        want = expected.take(rows.num_rows)
        if want.num_rows < rows.num_rows or not _same_columns(rows, want, table) or not _every_column(piece, rows.num_columns):
            return False
    return expected.take(1).num_rows == 0


def _every_column(piece: bytes, columns: int) -> bool:
    """Every line of ``piece`` has a key for every column: the reader reads a missing key as
    null, as it reads a null (the reader has refused a key that is no column)."""
    return all(_keys(line) == columns for line in piece.split(b"\n") if line.strip())


def _keys(line: bytes) -> int:
    try:
        return len(orjson.loads(line))
    except orjson.JSONDecodeError:  # NaN and infinities, which the reader and json read
        try:
            return len(json.loads(line))
        except ValueError:
            return -1


def check_formats(table: str, rows: list[dict], lines: bytes, batch: pa.RecordBatch) -> list[Finding]:
    """ZG018 as a build establishes it for rows it has just encoded twice (``lines`` by the JSON
    encoder, ``batch`` by Arrow): the first row that does not have exactly the table's columns
    (Arrow drops a key that is no column and reads a missing one as null, JSON keeps both as
    they are), else the first whose line reads back (``read_lines``) other than its Arrow row."""
    names = arrow_schema(TABLES[table]).names
    id_field = ID_FIELD.get(table, "source")
    for row in rows:
        extra, missing = [k for k in row if k not in names], [k for k in names if k not in row]
        if extra or missing:
            what = "; ".join(part for part in (extra and f"keys that are no column: {', '.join(map(str, extra))}",
                                               missing and f"columns missing: {', '.join(missing)}") if part)
            return [finding("ZG018", table, row.get(id_field), f"{table}.jsonl would hold a row with {what}")]
    if _lines_read_as(table, lines, pa.Table.from_batches([batch])):
        return []
    each = lines.split(b"\n")[:-1]
    for n, (row, line) in enumerate(zip(rows, each), 1):
        if not _lines_read_as(table, line, pa.Table.from_batches([batch.slice(n - 1, 1)])):
            return [finding("ZG018", table, row.get(id_field), f"{table}.jsonl: the line of this row does not read back as its Parquet row")]
    return [finding("ZG018", table, None, f"{table}.jsonl: {len(each)} lines for {batch.num_rows} rows")]


def _lines_read_as(table: str, lines: bytes, want: pa.Table) -> bool:
    try:
        rows = read_lines(table, lines)
    except pa.ArrowInvalid:
        return False
    return rows.num_rows == want.num_rows and _same_columns(rows, want, table)


def _line_slices(path: Path, block: int) -> Iterator[bytes]:
    """The file in slices of about ``block`` bytes, each ending at a line's end (a line longer
    than a block is one slice)."""
    with open(path, "rb") as f:
        rest = b""
        while chunk := f.read(block):
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            if cut:
                yield data[:cut]
            rest = data[cut:]
        if rest:
            yield rest


def read_lines(table: str, piece: bytes) -> pa.Table:
    """Whole JSON lines of a table read as its columns (dates as strings), as every comparison
    of JSON Lines with Arrow reads them; raises pa.ArrowInvalid for a line that does not read
    as a row of the table (a key that is not a column among others)."""
    options = pj.ParseOptions(explicit_schema=_json_schema(table), unexpected_field_behavior="error")
    return pj.read_json(pa.py_buffer(piece), read_options=pj.ReadOptions(use_threads=False, block_size=max(1, len(piece))), parse_options=options)


@cache
def _json_schema(table: str) -> pa.Schema:
    """The table's schema as the JSON reader takes it: dates are strings there."""
    return pa.schema([f.with_type(pa.string()) if f.type == pa.date32() else f for f in arrow_schema(TABLES[table])])


def _same_columns(rows: pa.Table, want: pa.Table, table: str) -> bool:
    try:
        return all(_chunked(rows.column(f.name)).cast(f.type).equals(want.column(f.name)) for f in arrow_schema(TABLES[table]))
    except (pa.ArrowException, KeyError, ValueError, TypeError):
        return False


def _chunked(column) -> pa.ChunkedArray:
    return column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])


def _first_difference(path: Path, table: str, parquet: pq.ParquetFile) -> Finding:
    """The first line that differs from its Parquet row, compared row by row."""
    with open(path, "rb") as fh:
        for n, row in enumerate(_rows(parquet), 1):
            line = fh.readline()
            if not _same_row(line, row):
                what = "ends" if not line else "differs from the Parquet row"
                return finding("ZG018", table, row.get(ID_FIELD.get(table, "source")), f"{path.name} line {n} {what}")
        if any(line.strip() for line in fh):
            return finding("ZG018", table, None, f"{path.name} has more lines than the {parquet.metadata.num_rows} rows of its Parquet file")
    return finding("ZG018", table, None, f"{path.name} does not read as rows of the table")


def _same_row(line: bytes, row: dict) -> bool:
    try:
        return bool(line.strip()) and json.loads(line) == json.loads(json.dumps(row, default=str, ensure_ascii=False))
    except ValueError:
        return False


class _RowStream:
    """A Parquet file's rows handed out as tables of any length, in order."""

    def __init__(self, file: pq.ParquetFile):
        self.batches = _batches(file, SCAN_ROWS)
        self.rest = pa.Table.from_batches([], schema=file.schema_arrow)

    def take(self, n: int) -> pa.Table:
        pieces = [self.rest]
        held = self.rest.num_rows
        while held < n and (batch := next(self.batches, None)) is not None:
            pieces.append(pa.Table.from_batches([batch]))
            held += batch.num_rows
        whole = pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]
        taken, self.rest = whole.slice(0, n), whole.slice(n)
        return taken


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


def _check_rows(table: str, rows: list[dict], adapters: dict[str, TypeAdapter]) -> tuple[list[Finding], list[dict]]:
    """Findings of rows that do not validate as their model, and the rows that do."""
    out, valid = [], []
    for row in rows:
        try:
            adapters[table].validate_python(row)
            valid.append(row)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            out.append(finding("ZG003", table, row.get(ID_FIELD.get(table, "source")), f"{where}: {first['msg']}"))
    return out, valid


def _batches(file: pq.ParquetFile, batch_size: int, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """A file's rows a row group at a time: the batch reader alone reads ahead across row
    groups to fill a batch, so a table of long texts was held whole."""
    for group in range(file.num_row_groups):
        yield from file.iter_batches(batch_size=batch_size, row_groups=[group], columns=columns)


def _rows(file: pq.ParquetFile) -> Iterator[dict]:
    for batch in _batches(file, BATCH_ROWS):
        yield from batch.to_pylist()


class _Groups:
    """The rows of one table, taken document by document in the order they were written."""

    def __init__(self, file: pq.ParquetFile):
        self.rows = _rows(file)
        self.pending: dict | None = next(self.rows, None)

    def _next_group(self) -> list[dict]:
        doc_id, group = self.pending["doc_id"], [self.pending]
        for row in self.rows:
            if row["doc_id"] != doc_id:
                self.pending = row
                return group
            group.append(row)
        self.pending = None
        return group

    def take(self, doc_id: str) -> list[dict]:
        if self.pending is not None and self.pending["doc_id"] == doc_id:
            return self._next_group()
        return []


@dataclass(frozen=True)
class _TableRule:
    """A rule of one document on one table's rows: it reads a row at a time (``fields`` None),
    or the table whole, of which ``DocumentCheck`` keeps only ``fields`` and the first
    ``quoted`` characters of the text its messages quote (None: all of it; 0: none)."""

    check: typing.Callable[[dict, list[dict]], list[Finding]]
    fields: tuple[str, ...] | None = None
    quoted: int | None = 0


# in the order their findings are reported
_TABLE_RULES = {
    "sections": _TableRule(lambda document, rows: _check_nesting(rows), ("section_id", "parent_id", "level", "char_start", "char_end")),
    "dates": _TableRule(_check_dates),
    "indicators": _TableRule(lambda document, rows: _check_values(rows)),
    "problems": _TableRule(_check_problems, ("problem_id", "number", "inferred", "char_start"), 30),
    "outcomes": _TableRule(check_outcomes, ("outcome_id", "problem_id", "kind", "value", "char_start"), None),
}
