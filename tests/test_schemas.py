"""The models are the single source of truth: committed schemas and Parquet files follow them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pyarrow.parquet as pq
import pytest

from pipeline.models import TABLES
from pipeline.schema import arrow_schema, json_schema_text

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


@pytest.mark.parametrize("table", TABLES)
def test_committed_json_schema_is_current(table):
    path = SCHEMAS / f"{table}.schema.json"
    assert path.exists(), "run: zhenggai schemas"
    assert path.read_text("utf-8") == json_schema_text(TABLES[table]), "schemas/ drifted from the models; run: zhenggai schemas"


@pytest.mark.parametrize("table", TABLES)
def test_parquet_schema_follows_the_model(dataset, table):
    schema = pq.read_schema(dataset / f"{table}.parquet")
    expected = arrow_schema(TABLES[table])
    assert [(f.name, str(f.type), f.nullable) for f in schema] == [(f.name, str(f.type), f.nullable) for f in expected]


def test_real_types(dataset):
    documents = pq.read_schema(dataset / "documents.parquet")
    assert str(documents.field("published_date").type) == "date32[day]"
    assert str(documents.field("contact_phones").type) == "list<element: string>"
    assert str(pq.read_schema(dataset / "dates.parquet").field("char_start").type) == "int32"


@pytest.mark.parametrize("table", TABLES)
def test_jsonl_rows_follow_the_json_schema(dataset, table):
    schema = json.loads(json_schema_text(TABLES[table]))
    validator = jsonschema.Draft202012Validator(schema)
    for line in (dataset / f"{table}.jsonl").read_text("utf-8").splitlines():
        validator.validate(json.loads(line))
