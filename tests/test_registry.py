"""The table registry: its entries agree with the row models, and a new table is covered everywhere."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.models import REGISTRY, Document, Extraction
from pipeline.review.markup import KINDS, SUMMARIES

ROOT = Path(__file__).resolve().parent.parent
PROBED = ("pipeline.schema", "pipeline.validate", "pipeline.describe", "pipeline.review", "pipeline.export", "pipeline.explore", "pipeline.evaluate")


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("probe")
    result = subprocess.run([sys.executable, str(ROOT / "tests" / "registry_probe.py"), str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("module", PROBED)
def test_a_new_table_is_covered(probe, module):
    assert module in probe, f"the probe did not check {module}"
    assert probe[module] is None, f"{module} does not cover a newly registered table: {probe[module]}"


def test_the_probe_checks_every_module(probe):
    assert set(probe) == set(PROBED)


@pytest.mark.parametrize("table", list(REGISTRY.values()), ids=list(REGISTRY))
def test_every_id_column_is_a_declared_reference(table):
    """A column that holds another row's id is declared, so validation checks it and the exports key it."""
    if table.id_field is None:
        assert not table.references
        return
    assert table.id_field in table.model.model_fields
    for column in table.model.model_fields:
        if column.endswith("_id") and column != table.id_field:
            assert column in table.references, f"{table.name}.{column} is not declared in its references"
    for column, target in table.references.items():
        assert column in table.model.model_fields, f"{table.name} declares {column}, which its model lacks"
        assert target in REGISTRY and REGISTRY[target].id_field, f"{table.name}.{column} points at {target}, which has no ids"
        assert column == REGISTRY[target].id_field or (column, target) == ("parent_id", table.name), f"{table.name}.{column} → {target}"


def test_every_count_column_counts_one_table():
    counted = [t.count for t in REGISTRY.values() if t.count]
    assert len(counted) == len(set(counted))
    assert set(counted) == {name for name in Document.model_fields if name.startswith("n_")}
    assert all(t.per_document for t in REGISTRY.values() if t.count)


def test_every_table_of_a_document_is_in_the_typed_extraction():
    assert set(Extraction.model_fields) == {"document", *(t.name for t in REGISTRY.values() if t.per_document)}
    for t in REGISTRY.values():
        if t.per_document:
            assert Extraction.model_fields[t.name].annotation == list[t.model]


@pytest.mark.parametrize("kind", KINDS)
def test_every_highlighted_kind_has_a_style_and_a_summary(kind):
    css = (ROOT / "pipeline" / "review" / "review.css").read_text("utf-8")
    assert re.search(rf"\.k-{kind}\b", css), f"review.css has no .k-{kind}"
    assert kind in SUMMARIES, f"no summary for {kind} in pipeline.review.markup"


def test_row_ids_carry_their_table_prefix(dataset):
    import polars as pl

    for t in REGISTRY.values():
        if t.per_document:
            ids = pl.read_parquet(dataset / f"{t.name}.parquet", columns=["doc_id", t.id_field]).iter_rows()
            assert all(rid.startswith(f"{doc_id}-{t.id_prefix}") for doc_id, rid in ids), t.name


def test_what_evaluate_knows_of_a_table_names_a_registered_one():
    from pipeline.evaluate import FIELDS, MATCHERS

    for name in (*FIELDS, *MATCHERS):
        assert name in REGISTRY or name == "status", f"pipeline.evaluate knows {name}, which is no registered table"
