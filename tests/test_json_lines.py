"""JSON Lines are encoded by orjson and must be the bytes pydantic's ``to_json`` writes."""

from __future__ import annotations

import datetime as dt
from math import isfinite
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import to_json

from pipeline.build import _finite, _float_columns, json_lines, rows_of_bytes

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def reference(rows: list[dict]) -> bytes:
    return b"".join(to_json(r) + b"\n" for r in rows)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name)
def test_the_rows_of_every_table_are_encoded_as_to_json_encodes_them(path):
    for table, rows in rows_of_bytes(path.read_bytes(), path.name).items():
        assert json_lines(rows, _float_columns(table)) == reference(rows), table
        assert json_lines(rows) == reference(rows), table


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 2**70, Decimal("1.5"), {1, 2}, b"bytes"])
def test_values_orjson_writes_otherwise_or_refuses_are_written_by_to_json(value):
    rows = [{"id": "a", "value": 1.5, "when": dt.date(2024, 3, 1)}, {"id": "b", "value": value, "when": None}]
    assert json_lines(rows, ("value",)) == reference(rows)
    assert json_lines(rows) == reference(rows)


def test_text_of_every_kind_is_written_as_to_json_writes_it():
    texts = ["整改\u3000落实", "tab\tquote\"back\\slash", "\x00\x1f\x7f", "\u2028\u2029", "😀 emoji", "", "a/b"]
    rows = [{"text": t, "items": [t, None], "n": -0.0, "flag": True} for t in texts]
    assert json_lines(rows, ("n",)) == reference(rows)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.floats(), st.integers(-2**60, 2**60)), st.one_of(st.none(), st.floats())), max_size=12))
def test_the_finite_test_of_float_columns_is_the_plain_one(pairs):
    """Summing a column's values first (one call when all are finite) decides as testing each does."""
    rows = [{"a": a, "b": b} for a, b in pairs]
    for floats in (("a",), ("a", "b"), ()):
        plain = all(isfinite(v) for r in rows for v in [r[c] for c in floats] if v is not None)
        assert _finite(rows, floats) == plain
    assert json_lines(rows, ("a", "b")) == reference(rows)
