"""Schemas derived from the row models: JSON Schema (``schemas/``), Arrow (Parquet), data dictionary."""

from __future__ import annotations

import datetime as dt
import json
import types
import typing
from functools import cache
from pathlib import Path

import pyarrow as pa
from pydantic.fields import FieldInfo

from pipeline.models import TABLES, Row

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def _unwrap(annotation) -> tuple[object, bool]:
    """(inner type, nullable) of an annotation such as Optional[int]."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        inner, _ = _unwrap(args[0])
        return inner, True
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    return annotation, False


def _arrow_hint(field: FieldInfo) -> str | None:
    if isinstance(field.json_schema_extra, dict) and "arrow" in field.json_schema_extra:
        return field.json_schema_extra["arrow"]
    for meta in field.metadata:
        extra = getattr(meta, "json_schema_extra", None)
        if isinstance(extra, dict) and "arrow" in extra:
            return extra["arrow"]
    annotation = field.annotation
    for arg in typing.get_args(annotation):
        hint = _annotated_hint(arg)
        if hint:
            return hint
    return _annotated_hint(annotation)


def _annotated_hint(annotation) -> str | None:
    if typing.get_origin(annotation) is typing.Annotated:
        for meta in typing.get_args(annotation)[1:]:
            extra = getattr(meta, "json_schema_extra", None)
            if isinstance(extra, dict) and "arrow" in extra:
                return extra["arrow"]
    return None


def _arrow_type(field: FieldInfo) -> tuple[pa.DataType, bool]:
    inner, nullable = _unwrap(field.annotation)
    hint = _arrow_hint(field)
    if hint == "int32":
        return pa.int32(), nullable
    if inner is int:
        return pa.int64(), nullable
    if inner is float:
        return pa.float64(), nullable
    if inner is bool:
        return pa.bool_(), nullable
    if inner is dt.date:
        return pa.date32(), nullable
    if inner is str or typing.get_origin(inner) is typing.Literal:
        return pa.string(), nullable
    if typing.get_origin(inner) is list:
        return pa.list_(pa.field("element", pa.string())), nullable
    raise TypeError(f"no Arrow type for {field.annotation!r}")


@cache
def arrow_schema(model: type[Row]) -> pa.Schema:
    fields = []
    for name, field in model.model_fields.items():
        arrow_type, nullable = _arrow_type(field)
        fields.append(pa.field(name, arrow_type, nullable=nullable, metadata={"description": field.description or ""}))
    return pa.schema(fields, metadata={"table": model.__name__})


def json_schema(model: type[Row]) -> dict:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def json_schema_text(model: type[Row]) -> str:
    return json.dumps(json_schema(model), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_json_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table, model in TABLES.items():
        path = directory / f"{table}.schema.json"
        path.write_text(json_schema_text(model), encoding="utf-8")
        written.append(path)
    return written


def data_dictionary() -> list[dict[str, str]]:
    """One entry per column of every table: table, column, type, nullable, description."""
    entries = []
    for table, model in TABLES.items():
        schema = arrow_schema(model)
        for f in schema:
            entries.append(
                {"table": table, "column": f.name, "type": str(f.type), "nullable": "yes" if f.nullable else "no", "description": f.metadata[b"description"].decode()}
            )
    return entries
