"""Validation checks each row once: per document and per column while a dataset is built, and
across the written files afterwards; ``validate`` of any dataset still checks everything."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic_core import to_json

import pipeline.validate as validation
from pipeline.build import run
from pipeline.models import TABLES
from pipeline.validate import _column_rules, check_columns, validate
from pipeline.write import table_files

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built") / "out"
    run([CORPUS], out, jobs=1, incremental=False)
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """One notice with rows in every table, and an empty file for a reject."""
    folder = tmp_path_factory.mktemp("small")
    (folder / "in").mkdir()
    (folder / "in" / "notice.txt").write_bytes((CORPUS / "001_40c7538b538d2b4b.txt").read_bytes())
    (folder / "in" / "empty.txt").write_bytes(b"")
    run([folder / "in"], folder / "out", jobs=1, incremental=False)
    return folder / "out"


def read(dataset: Path, table: str) -> pa.Table:
    return pq.read_table(dataset / table_files(table)[0])


def copy_with(dataset: Path, target: Path, tables: dict[str, pa.Table]) -> Path:
    """A copy of a dataset's tables (no manifest) with some tables replaced, in both formats."""
    target.mkdir()
    for table in TABLES:
        data = tables.get(table, read(dataset, table))
        pq.write_table(data, target / table_files(table)[0])
        (target / table_files(table)[1]).write_bytes(b"".join(to_json(row) + b"\n" for row in data.to_pylist()))
    return target


def codes(report) -> set[str]:
    return {f.code for f in report.findings}


# --- the columns of a table ----------------------------------------------------------------


@pytest.mark.parametrize("table", list(TABLES))
def test_the_rows_a_build_writes_pass_the_column_checks(built, small, table):
    assert check_columns(table, read(built, table)) == []
    assert read(small, table).num_rows > 0 and check_columns(table, read(small, table)) == []


def _broken_values(rule, column: pa.ChunkedArray) -> list[tuple[object, str]]:
    """Values that break a rule of the column, with the words the finding uses."""
    out = []
    if not rule.nullable:
        out.append((None, "a value is required"))
    if rule.values is not None:
        out.append(("no such word", "is not one of"))
    if rule.ge is not None:
        out.append((rule.ge - 1, f"less than {rule.ge}"))
    if rule.le is not None:
        out.append((rule.le + 1, f"greater than {rule.le}"))
    if pa.types.is_list(column.type):
        out.append((["a", None], "a list item is null"))
    return out


CASES = [(table, rule.name) for table in TABLES for rule in _column_rules(table)
         if not rule.nullable or rule.values is not None or rule.ge is not None or rule.le is not None]


@pytest.mark.parametrize("table, name", CASES)
def test_every_column_rule_of_every_model_is_checked_as_pydantic_checks_it(small, tmp_path, table, name):
    """Each value that breaks a column's rule is found by the column checks and by validating the
    row as its model (ZG003), on the same row."""
    data = read(small, table)
    (rule,) = [r for r in _column_rules(table) if r.name == name]
    at = data.schema.get_field_index(name)
    for value, words in _broken_values(rule, data.column(name)):
        values = data.column(name).to_pylist()
        values[0] = value
        broken = data.set_column(at, pa.field(name, data.schema.field(name).type, nullable=True), pa.array(values, data.schema.field(name).type))
        found = check_columns(table, broken)
        row_id = broken.column(validation.ID_FIELD.get(table, "source"))[0].as_py()
        assert [(f.code, f.row_id) for f in found] == [("ZG003", row_id)], (value, found)
        assert words in found[0].message
        folder = copy_with(small, tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}", {table: broken})
        report = validate(folder)
        if name == "doc_id" and table != "documents":  # a row of no document: not in any document's rows
            assert "ZG006" in codes(report)
        else:
            assert ("ZG003", table, row_id) in {(f.code, f.table, f.row_id) for f in report.findings}


# --- after a build ----------------------------------------------------------------------


def test_a_dataset_just_built_is_not_checked_row_by_row_again(built, monkeypatch):
    full = validate(built)  # the module's build is remembered: checked across files only
    monkeypatch.setattr(validation, "_BUILDS", {})
    again = validate(built)
    assert full.counts == again.counts and full.findings == again.findings and full.rows == again.rows

    out = built.parent / "again"
    run([CORPUS], out, jobs=1, incremental=False)

    def refused(*args):
        raise AssertionError("rows checked a second time")

    monkeypatch.setattr(validation, "_check_documents", refused)
    report = validate(out)
    assert report.counts == full.counts and report.n_errors == 0


def test_a_file_changed_after_the_build_is_checked_in_full(tmp_path, monkeypatch):
    out = tmp_path / "out"
    run([CORPUS], out, jobs=1, incremental=False)
    lines = (out / "dates.jsonl").read_text("utf-8").splitlines(keepends=True)
    (out / "dates.jsonl").write_text("".join(lines[1:]), "utf-8")
    checked = []
    original = validation._check_documents
    monkeypatch.setattr(validation, "_check_documents", lambda files, report: checked.append(1) or original(files, report))
    report = validate(out)
    assert checked and {"ZG015", "ZG018"} <= codes(report)


def test_the_findings_made_while_building_are_reported_after_it(tmp_path, monkeypatch):
    from pipeline.validate import finding

    planted = finding("ZG104", "problems", "x", "planted while building")
    monkeypatch.setattr("pipeline.build.DocumentCheck.finish", lambda self: [planted])
    out = tmp_path / "out"
    summary = run([CORPUS], out, jobs=1, incremental=False)
    assert summary.n_warnings == 5
    report = validate(out)
    assert report.counts["ZG104"] == 5 and planted in report.findings


def test_rows_the_writer_lost_are_found_by_the_counts(tmp_path, monkeypatch):
    from pipeline.write import TableWriter

    append = TableWriter.append

    def losing(self, batch, lines):
        if self.table == "dates" and self.rows == 0:
            batch, lines = batch.slice(0, 0), b""
        append(self, batch, lines)

    monkeypatch.setattr(TableWriter, "append", losing)
    out = tmp_path / "out"
    run([CORPUS], out, jobs=1, incremental=False)
    monkeypatch.setattr(validation, "_check_documents", lambda files, report: pytest.fail("rows checked a second time"))
    assert "ZG011" in codes(validate(out))


def test_a_bad_value_written_is_found_while_building(tmp_path, monkeypatch):
    import pipeline.build as build

    tables_of = build.tables_of_bytes

    def bad(*args, **kwargs):
        for table, rows in tables_of(*args, **kwargs):
            if table == "sections":
                first = next(rows)
                rows = itertools.chain([{**first, "role": "nowhere"}], rows)
            yield table, rows

    monkeypatch.setattr(build, "tables_of_bytes", bad)
    out = tmp_path / "out"
    summary = run([CORPUS], out, jobs=1, incremental=False)
    assert summary.n_errors == 5 and {f.code for f in summary.findings if f.severity == "error"} == {"ZG003"}
    assert validate(out).counts["ZG003"] == 5
    monkeypatch.setattr(validation, "_BUILDS", {})
    assert validate(out).counts["ZG003"] == 5  # the same rows found by validating them as models


# --- across the files ---------------------------------------------------------------------


@pytest.fixture(params=[None, 7], ids=["one-batch", "batches-of-7-rows"])
def scan_rows(request, monkeypatch):
    """The checks across files read runs of a document's rows batch by batch: a run may go on
    across batches of 7 rows and must still count as one."""
    if request.param:
        monkeypatch.setattr(validation, "SCAN_ROWS", request.param)


def test_a_clean_build_read_in_small_batches_has_no_finding(built, tmp_path, scan_rows):
    report = validate(copy_with(built, tmp_path / "copy", {}))
    assert [f.code for f in report.errors] == ["ZG017"]  # copy_with leaves the manifest behind


def test_a_row_missing_from_a_table_is_counted(built, tmp_path, scan_rows):
    """A date dropped from the middle of the table: its document's count is wrong (ZG011), for that
    document alone."""
    dates = read(built, "dates")
    k = dates.num_rows // 2
    doc_id = dates.column("doc_id")[k].as_py()
    fewer = pa.concat_tables([dates.slice(0, k), dates.slice(k + 1)])
    report = validate(copy_with(built, tmp_path / "fewer", {"dates": fewer}))
    assert {(f.code, f.row_id) for f in report.errors if f.code == "ZG011"} == {("ZG011", doc_id)}


def test_rows_out_of_document_order_are_found(built, tmp_path, scan_rows):
    sections = read(built, "sections")
    first = sections.column("doc_id")[0].as_py()
    mine = [i for i, d in enumerate(sections.column("doc_id").to_pylist()) if d == first]
    rest = [i for i in range(sections.num_rows) if i not in mine]
    moved = sections.take(pa.array(rest + mine))
    report = validate(copy_with(built, tmp_path / "moved", {"sections": moved}))
    assert "ZG014" in codes(report)
    (order,) = [f for f in report.findings if f.code == "ZG014"]
    assert f"{len(mine)} rows of document {first} out of document order" in order.message


def test_rows_of_no_document_are_found(built, tmp_path, scan_rows):
    dates = read(built, "dates")
    doc_ids = ["0000000000000000" if i < 2 else d for i, d in enumerate(dates.column("doc_id").to_pylist())]
    orphans = dates.set_column(dates.schema.get_field_index("doc_id"), dates.schema.field("doc_id"), pa.array(doc_ids))
    report = validate(copy_with(built, tmp_path / "orphans", {"dates": orphans}))
    assert any(f.code == "ZG006" and "whose document is not in documents" in f.message for f in report.findings)


def test_a_document_twice_is_found(built, tmp_path, scan_rows):
    documents = read(built, "documents")
    twice = pa.concat_tables([documents, documents.slice(0, 1)])
    report = validate(copy_with(built, tmp_path / "twice", {"documents": twice}))
    doc_id = documents.column("doc_id")[0].as_py()
    assert ("ZG005", doc_id) in {(f.code, f.row_id) for f in report.findings}
    assert any(f.code == "ZG012" and "appears 2 times" in f.message for f in report.findings)


def test_json_lines_with_a_field_the_table_lacks_differ(built, tmp_path):
    copy = copy_with(built, tmp_path / "extra", {})
    lines = (copy / "dates.jsonl").read_text("utf-8").splitlines()
    row = json.loads(lines[3])
    lines[3] = json.dumps({**row, "extra": 1}, ensure_ascii=False)
    (copy / "dates.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    (finding,) = [f for f in validate(copy).findings if f.code == "ZG018"]
    assert finding.row_id == row["date_id"] and "line 4 differs" in finding.message


def test_json_lines_are_compared_across_blocks(built, tmp_path, monkeypatch):
    """Blocks of lines far smaller than the tables: the comparison carries rows across blocks."""
    monkeypatch.setattr(validation, "JSON_BLOCK_BYTES", 997)
    monkeypatch.setattr(validation, "SCAN_ROWS", 7)
    copy = copy_with(built, tmp_path / "small", {})
    assert "ZG018" not in codes(validate(copy))
    lines = (copy / "measures.jsonl").read_text("utf-8").splitlines()
    (copy / "measures.jsonl").write_text("\n".join(lines[:-1]) + "\n", "utf-8")
    (finding,) = [f for f in validate(copy).findings if f.code == "ZG018"]
    assert f"line {len(lines)} ends" in finding.message


@pytest.mark.parametrize("table, column", [("sections", "doc_id"), ("sections", "section_id"), ("documents", "source"), ("documents", "doc_id"), ("rejects", "source")])
def test_a_table_without_a_key_column_is_reported_not_a_crash(small, tmp_path, table, column):
    broken = read(small, table).drop_columns([column])
    report = validate(copy_with(small, tmp_path / "broken", {table: broken}))
    assert ("ZG002", table) in {(f.code, f.table) for f in report.findings}


def test_json_lines_are_read_in_slices_of_whole_lines(tmp_path):
    """The comparison holds one slice of lines at a time, never the file: each slice ends at a
    line's end and is no longer than a block plus one line."""
    lines = [f'{{"n": {i}, "s": "{"字" * (i % 50)}"}}\n'.encode() for i in range(500)]
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"".join(lines))
    slices = list(validation._line_slices(path, 300))
    assert b"".join(slices) == path.read_bytes()
    assert all(s.endswith(b"\n") for s in slices)
    assert max(map(len, slices)) <= 300 + max(map(len, lines))
    assert len(slices) > 100


# --- the checks within a document ---------------------------------------------------------


def _notice_rows() -> dict[str, list[dict]]:
    from pipeline.build import rows_of_bytes

    return rows_of_bytes((CORPUS / "001_40c7538b538d2b4b.txt").read_bytes(), "notice.txt")


def _breakages(rows: dict[str, list[dict]]) -> list[tuple[str, dict[str, list[dict]]]]:
    """Copies of a document's rows, each broken in one way a check within a document finds."""
    def changed(table: str, at: int, **fields) -> dict[str, list[dict]]:
        copy = {t: [dict(r) for r in rs] for t, rs in rows.items()}
        copy[table][at].update(fields)
        return copy

    sections, problems, dates = rows["sections"], rows["problems"], rows["dates"]
    return [
        ("ZG005", changed("problems", 1, problem_id=problems[0]["problem_id"])),
        ("ZG005", changed("sections", 2, section_id="elsewhere-s1-2")),
        ("ZG006", changed("measures", 0, problem_id="nowhere")),
        ("ZG006", changed("sections", 3, parent_id=sections[-1]["section_id"] + "x")),
        ("ZG007", changed("dates", 0, char_end=10**7)),
        ("ZG007", changed("sections", 0, char_start=-1)),
        ("ZG007", changed("problems", 0, char_start=problems[0]["char_end"] + 1)),
        ("ZG008", changed("dates", 1, text=dates[1]["text"] + "x")),
    ]


@pytest.mark.parametrize("at", range(8))
def test_the_checks_within_a_document_find_each_breakage_as_row_by_row_does(monkeypatch, at):
    """The usual case is checked a column at a time; a slice where something fails is checked row
    by row, so that the findings are those (and in the order) of checking every row one by one."""
    rows = _notice_rows()
    assert validation.check_document(rows["documents"][0], rows) == []
    code, broken = _breakages(rows)[at]
    fast = validation.check_document(broken["documents"][0], broken)
    assert code in {f.code for f in fast}
    monkeypatch.setattr(validation, "_ids_hold", lambda *args: False)
    monkeypatch.setattr(validation.DocumentCheck, "_references_hold", lambda *args: False)
    assert validation.check_document(broken["documents"][0], broken) == fast
    assert validation.check_document(rows["documents"][0], rows) == []


def test_the_checks_within_a_document_take_tables_in_slices(monkeypatch):
    """Fed a slice at a time (as a large document is), the checks find what they find in one go."""
    rows = _notice_rows()
    for _, broken in _breakages(rows):
        whole = validation.check_document(broken["documents"][0], broken)
        check = validation.DocumentCheck(broken["documents"][0])
        for table in validation.CHILD_TABLES:
            table_rows = broken.get(table, [])
            for start in range(0, len(table_rows), 3):
                check.add(table, table_rows[start : start + 3])
        assert check.finish() == whole


def test_json_lines_without_a_column_differ(built, tmp_path):
    """The JSON reader reads a missing key as null: a line must still have every column."""
    copy = copy_with(built, tmp_path / "missing", {})
    lines = (copy / "dates.jsonl").read_text("utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if json.loads(line)["problem_id"] is None)  # the same value either way
    row = json.loads(lines[at])
    lines[at] = json.dumps({k: v for k, v in row.items() if k != "problem_id"}, ensure_ascii=False)
    (copy / "dates.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    (finding,) = [f for f in validate(copy).findings if f.code == "ZG018"]
    assert finding.row_id == row["date_id"] and f"line {at + 1} differs" in finding.message
