"""Files that hold many pages: WARC (``.warc``, ``.warc.gz``) and record files (``.jsonl``,
``.jsonl.gz``, ``.ndjson``, ``.csv``, ``.parquet``), read one record at a time so a file of
any size streams in bounded memory.

Each record becomes an ``Entry``: the page's bytes with its provenance, or the reject that
says why it holds no page; its source is the container's path, ``#`` and the record's
1-based number.  A record that cannot be read (a damaged gzip member, a line that is not
JSON) is a reject and the reading goes on with the next one that can.  WARC records that
are no page (requests, revisits, metadata, responses other than 200, images and scripts)
are skipped and counted by kind.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
import zlib
from collections import Counter
from pathlib import Path
from typing import Iterator, Mapping

from pipeline.inputs import Entry, Provenance
from pipeline.inputs.formats import input_rules
from pipeline.inputs.stamps import calendar_date, timestamp

WARC_SUFFIXES = (".warc", ".warc.gz")
RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".csv", ".parquet")
ROLES = ("text", "url", "date", "fetched_at", "title")


def container_kind(path: Path | str) -> str | None:
    name = str(path).lower()
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(RECORD_SUFFIXES):
        return "records"
    return None


def read_container(path: Path, source: str, *, fields: Mapping[str, str] | None = None, max_bytes: int,
                   skipped: Counter | None = None) -> Iterator[Entry]:
    """Every record of the container at ``path``, in order; never raises for bad content."""
    skipped = skipped if skipped is not None else Counter()
    kind = container_kind(path)
    if kind == "warc":
        from pipeline.inputs.warc import read_warc

        yield from read_warc(path, source, max_bytes=max_bytes, skipped=skipped)
    elif str(path).lower().endswith(".parquet"):
        yield from _parquet(path, source, fields or {}, max_bytes)
    elif str(path).lower().endswith(".csv"):
        yield from _csv(path, source, fields or {}, max_bytes)
    else:
        yield from _jsonl(path, source, fields or {}, max_bytes)


# --- record files -------------------------------------------------------------------


class _Columns:
    """Which column holds each part of a page: the user's choice, else the first common name."""

    def __init__(self, names: list[str], fields: Mapping[str, str]):
        self.names = names
        lower = {n.lower(): n for n in names}
        common = input_rules().record_fields
        self.of: dict[str, str | None] = {}
        for role in ROLES:
            if role in fields:
                self.of[role] = fields[role] if fields[role] in names else None
            else:
                self.of[role] = next((lower[c.lower()] for c in getattr(common, role) if c.lower() in lower), None)

    def missing_text(self) -> str:
        shown = ", ".join(name[:24] for name in self.names[:12]) or "none"
        return f"no text column among the record's fields ({shown}); name it with --record-fields text=COLUMN"


def _entry(source: str, record: Mapping, columns: _Columns, max_bytes: int) -> Entry:
    text_column = columns.of["text"]
    value = record.get(text_column) if text_column else None
    if text_column is None:
        return Entry(source, None, Provenance(), "empty", columns.missing_text())
    provenance = Provenance(
        url=_clean(record.get(columns.of["url"])) if columns.of["url"] else None,
        fetched_at=timestamp(record.get(columns.of["fetched_at"])) if columns.of["fetched_at"] else None,
        reference_date=calendar_date(record.get(columns.of["date"])) if columns.of["date"] else None,
        title=_clean(record.get(columns.of["title"])) if columns.of["title"] else None,
    )
    if value is None or (isinstance(value, str) and not value.strip()):
        return Entry(source, None, provenance, "empty", f"the {text_column} field is empty")
    data = value if isinstance(value, bytes) else str(value).encode("utf-8")
    if len(data) > max_bytes:
        return Entry(source, None, provenance, "too_large", f"{len(data)} bytes, more than the limit of {max_bytes}")
    return Entry(source, with_title(data, provenance.title), provenance)


def with_title(data: bytes, title: str | None) -> bytes:
    """Plain text with the record's title line in front, when the text does not open with it."""
    if not title or data.lstrip()[:1] == b"<":
        return data
    head = data[:3000].decode("utf-8", "ignore")
    if "".join(title.split()) in "".join(head.split()):
        return data
    return title.encode("utf-8") + b"\n\n" + data


def _clean(value) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _jsonl(path: Path, source: str, fields: Mapping[str, str], max_bytes: int) -> Iterator[Entry]:
    opener = gzip.open if str(path).lower().endswith(".gz") else open
    n = 0
    columns: _Columns | None = None
    try:
        with opener(path, "rb") as stream:
            for line in stream:
                if not line.strip():
                    continue
                n += 1
                where = f"{source}#{n}"
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    yield Entry(where, None, Provenance(), "undecodable", f"not a JSON object: {exc}")
                    continue
                if not isinstance(record, dict):
                    yield Entry(where, None, Provenance(), "undecodable", f"a JSON {type(record).__name__}, not an object")
                    continue
                if columns is None or any(k not in columns.names for k in record):
                    columns = _Columns(list(record), fields)
                yield _entry(where, record, columns, max_bytes)
    except (OSError, EOFError, zlib.error) as exc:
        yield Entry(f"{source}#{n + 1}", None, Provenance(), "error", f"the file cannot be read past record {n}: {exc}")


def _csv(path: Path, source: str, fields: Mapping[str, str], max_bytes: int) -> Iterator[Entry]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    encoding = _csv_encoding(path)
    n = 0
    try:
        with open(path, encoding=encoding, errors="replace", newline="") as stream:
            reader = csv.reader(stream)
            header = next(reader, None)
            if header is None:
                return
            columns = _Columns([h.strip() for h in header], fields)
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    n += 1
                    yield Entry(f"{source}#{n}", None, Provenance(), "undecodable", f"not a CSV row: {exc}")
                    continue
                if not any(cell.strip() for cell in row):
                    continue
                n += 1
                yield _entry(f"{source}#{n}", dict(zip(columns.names, row)), columns, max_bytes)
    except OSError as exc:
        yield Entry(f"{source}#{n + 1}", None, Provenance(), "error", f"the file cannot be read past record {n}: {exc}")


def _csv_encoding(path: Path) -> str:
    with open(path, "rb") as stream:
        head = stream.read(1 << 16)
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        return "utf-8-sig" if exc.start > len(head) - 4 else "gb18030"


def _parquet(path: Path, source: str, fields: Mapping[str, str], max_bytes: int) -> Iterator[Entry]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        yield Entry(source, None, Provenance(), "error", f"not a readable Parquet file: {exc}")
        return
    columns = _Columns(parquet.schema_arrow.names, fields)
    wanted = sorted({c for c in columns.of.values() if c})
    n = 0
    for group in range(parquet.num_row_groups):
        rows = parquet.metadata.row_group(group).num_rows
        try:
            table = parquet.read_row_group(group, columns=wanted)
        except (OSError, pa.ArrowException) as exc:
            for _ in range(rows):
                n += 1
                yield Entry(f"{source}#{n}", None, Provenance(), "error", f"row group {group + 1} cannot be read: {exc}")
            continue
        for batch in table.to_batches(max_chunksize=64):
            for record in batch.to_pylist():
                n += 1
                yield _entry(f"{source}#{n}", record, columns, max_bytes)
