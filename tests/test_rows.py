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


def test_ids_are_the_placed_rows_ids() -> None:
    """``_Spans.ids`` builds the ids by the hundred; they are the ids a row placed on the same
    span gets, ``{doc_id}-{prefix}{start}-{end}``."""
    from types import SimpleNamespace

    from pipeline.extract.rows import _Spans
    from pipeline.models import REGISTRY
    from pipeline.normalize import canonicalize, decode

    data = "一、整改情况\n1.问题。一是甲。二是乙。".encode()
    decoded = decode(data, "a.txt")
    spans = _Spans(decoded, canonicalize(decoded.raw_text))
    items = [SimpleNamespace(start=s, end=e) for s, e in ((0, 1), (3, 12), (9, 10), (0, 0))]
    for table in ("dates", "indicators", "organizations"):
        placed = spans.placer(table)
        expected = [placed(x.start, x.end)[REGISTRY[table].id_field] for x in items]
        assert spans.ids(table, items) == expected
        assert expected[1] == f"{decoded.doc_id}-{REGISTRY[table].id_prefix}3-12"
