"""The dataset is written from plain row dicts, not from models: they must be exactly what the
validated models would have written, key order and JSON bytes included."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_core import to_json

from pipeline.build import rows_of_bytes
from pipeline.models import TABLES, Extraction
from pipeline.synth import _parts, document

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _inputs() -> list[tuple[str, bytes]]:
    real = [(p.name, p.read_bytes()) for p in sorted(CORPUS.glob("*.txt"))]
    parts = _parts(str(CORPUS))
    synthetic = [(f"synth{i}.txt", document(parts, 3, i).encode()) for i in range(6)]
    return real + synthetic


@pytest.mark.parametrize(("source", "data"), _inputs(), ids=lambda v: v if isinstance(v, str) else "")
def test_row_dicts_are_what_the_models_would_write(source: str, data: bytes) -> None:
    rows = rows_of_bytes(data, source)
    extraction = Extraction.from_rows(rows)  # raises if any row breaks its model
    for table in TABLES:
        if table == "rejects":
            continue
        models = extraction.table(table)
        assert len(models) == len(rows[table])
        for row, model in zip(rows[table], models):
            assert list(row) == list(type(model).model_fields), table
            assert row == model.model_dump()
            assert to_json(row) == model.__pydantic_serializer__.to_json(model)
