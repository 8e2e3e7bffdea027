"""The dataset describes itself: output/README.md and datapackage.json, derived from the models."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.describe import datapackage, readme_text, write_description
from pipeline.models import TABLES
from pipeline.schema import data_dictionary

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def described(dataset, tmp_path_factory) -> Path:
    """A copy of the built dataset with its description (the shared dataset stays as the build left it)."""
    folder = tmp_path_factory.mktemp("described") / "output"
    shutil.copytree(dataset, folder)
    assert write_description(folder, _rows(folder)) == ["README.md", "datapackage.json"]
    return folder


def _rows(dataset: Path) -> dict[str, int]:
    return json.loads((dataset / "manifest.json").read_text("utf-8"))["row_counts"]


def test_committed_readme_is_what_the_build_writes(described):
    committed = (ROOT / "docs" / "DATASET.md").read_text("utf-8")
    assert committed == (described / "README.md").read_text("utf-8"), "docs/DATASET.md is out of date: copy output/README.md after `make dataset`"


def test_description_is_deterministic_and_has_no_paths(described, tmp_path):
    write_description(tmp_path, _rows(described))
    for name in ("README.md", "datapackage.json"):
        text = (tmp_path / name).read_text("utf-8")
        assert text == (described / name).read_text("utf-8")
        assert str(tmp_path) not in text and str(ROOT) not in text


def test_readme_has_every_table_and_column(described):
    readme = (described / "README.md").read_text("utf-8")
    for table, count in _rows(described).items():
        assert re.search(rf"\| `{table}` \| .* \| {count} \|", readme), table
    for entry in data_dictionary():
        assert f"| `{entry['column']}` | {entry['type']} |" in readme


def test_datapackage_validates_against_the_data_package_profile(described):
    from frictionless import Package

    descriptor = json.loads((described / "datapackage.json").read_text("utf-8"))
    report = Package.validate_descriptor(descriptor)
    assert report.valid, [e.message for e in report.errors]


def test_datapackage_schemas_match_the_parquet_files(described):
    import pyarrow.parquet as pq

    descriptor = json.loads((described / "datapackage.json").read_text("utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == list(TABLES)
    for resource in descriptor["resources"]:
        columns = pq.read_schema(described / resource["path"]).names
        assert [f["name"] for f in resource["schema"]["fields"]] == columns


def test_a_broken_descriptor_is_caught():
    from frictionless import Package

    descriptor = datapackage({})
    descriptor["resources"][0]["schema"]["fields"][0]["type"] = "text"
    assert not Package.validate_descriptor(descriptor).valid


# ---------------------------------------------------------------- the loading snippets, run


def _blocks(readme: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", readme, flags=re.S)


def test_duckdb_snippet_runs(described, monkeypatch):
    duckdb = pytest.importorskip("duckdb")
    monkeypatch.chdir(described)
    (sql,) = [b for b in _blocks((described / "README.md").read_text("utf-8"), "sql") if "problems.parquet" in b and "outcomes" not in b]
    result = duckdb.sql(sql).fetchall()
    assert sum(n for _, n in result) == _rows(described)["problems"]


@pytest.mark.parametrize("library", ["polars", "pandas"])
def test_python_snippets_run(described, monkeypatch, capsys, library):
    pytest.importorskip(library)
    monkeypatch.chdir(described)
    (snippet,) = [b for b in _blocks((described / "README.md").read_text("utf-8"), "python") if f"import {library}" in b and "outcomes" not in b and "sections" not in b]
    exec(compile(snippet, f"README.md ({library})", "exec"), {})
    assert capsys.readouterr().out.strip()


def _section_texts(dataset: Path) -> dict[str, str]:
    """section_id → documents.text[char_start:char_end], in Python."""
    import polars as pl

    texts = dict(pl.read_parquet(dataset / "documents.parquet", columns=["doc_id", "text"]).iter_rows())
    sections = pl.read_parquet(dataset / "sections.parquet", columns=["section_id", "doc_id", "char_start", "char_end"])
    return {sid: texts[doc][start:end] for sid, doc, start, end in sections.iter_rows()}


def _section_blocks(dataset: Path, language: str) -> list[str]:
    return [b for b in _blocks((dataset / "README.md").read_text("utf-8"), language) if "sections.parquet" in b]


def test_section_text_query_runs_in_duckdb(described, monkeypatch):
    duckdb = pytest.importorskip("duckdb")
    monkeypatch.chdir(described)
    (sql,) = _section_blocks(described, "sql")
    result = duckdb.sql(sql)
    got = {row[0]: row[-1] for row in result.fetchall()}
    assert got == _section_texts(described) and got


@pytest.mark.parametrize("library", ["polars", "pandas"])
def test_section_text_query_runs_in_python(described, monkeypatch, capsys, library):
    pytest.importorskip(library)
    monkeypatch.chdir(described)
    (snippet,) = [b for b in _section_blocks(described, "python") if f"import {library}" in b]
    namespace: dict = {}
    exec(compile(snippet, f"README.md ({library}, section text)", "exec"), namespace)
    sections = namespace["sections"]
    got = dict(zip(list(sections["section_id"]), list(sections["text"])))
    assert got == _section_texts(described) and got
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize("package", ["arrow", "jsonlite"])
def test_r_snippets_run(described, package):
    required = os.environ.get("ZHENGGAI_REQUIRE_R") == package
    rscript = shutil.which("Rscript")
    if not rscript:
        if required:
            pytest.fail("Rscript is not installed")
        pytest.skip("Rscript is not installed")
    if subprocess.run([rscript, "-e", f"library({package})"], capture_output=True).returncode != 0:
        if required:
            pytest.fail(f"the R package {package} is not installed")
        pytest.skip(f"the R package {package} is not installed")
    (snippet,) = [b for b in _blocks((described / "README.md").read_text("utf-8"), "r") if f"library({package})" in b]
    result = subprocess.run([rscript, "-e", snippet], cwd=described, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_readme_text_depends_only_on_counts():
    assert readme_text({"documents": 1}) == readme_text({"documents": 1})
    assert "| 7 |" in readme_text({"problems": 7})
