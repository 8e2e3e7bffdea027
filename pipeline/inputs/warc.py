"""WARC files (``.warc``, ``.warc.gz``, gzip per record or whole) read with FastWARC.

Response records with status 200 and resource records whose media type can carry a notice
(``document_media_types`` in ``inputs.yaml``) are pages; every other record is skipped and
counted by kind (``request``, ``revisit``, ``status 404``, ``image/png`` …).  Records are
numbered in file order, skipped ones included, so ``crawl.warc.gz#17`` is the 17th record a
WARC tool lists.  When a record cannot be read (a damaged gzip member), it is a reject and the
reading resumes at the next record boundary.
"""

from __future__ import annotations

import zlib
from collections import Counter
from pathlib import Path
from typing import BinaryIO, Iterator

from pipeline.inputs import Entry, Provenance
from pipeline.inputs.formats import input_rules
from pipeline.inputs.stamps import timestamp

_RESYNC_CHUNK = 1 << 20
_TAIL_LIMIT = 64 << 20  # bytes after the last record read that are checked for a cut


def read_warc(path: Path, source: str, *, max_bytes: int, skipped: Counter) -> Iterator[Entry]:
    from fastwarc.warc import ArchiveIterator

    n = 0
    with open(path, "rb") as stream:
        gzipped = stream.read(2) == b"\x1f\x8b"
        base, damaged = 0, False
        while base is not None:
            stream.seek(base)
            last_start, held = None, None  # each page is held until the next record shows it whole
            records = iter(ArchiveIterator(stream, parse_http=True, auto_decode="all"))
            while True:
                try:
                    record = next(records)
                    last_start = base + record.stream_pos
                    entry = _entry(record, f"{source}#{n + 1}", max_bytes)
                except StopIteration:
                    yield from _last(stream, source, n, held, last_start if last_start is not None else base, gzipped, skipped)
                    return
                except Exception as exc:  # the library's error on damaged bytes: reject, then resume
                    yield from _release(held, skipped)
                    if not (damaged and last_start is None):  # not the same damaged stretch again
                        n += 1
                        yield Entry(f"{source}#{n}", None, Provenance(), "error", f"unreadable WARC record: {exc}")
                    damaged = True
                    break
                n += 1
                yield from _release(held, skipped)
                held = entry
            base = _next_boundary(stream, (last_start if last_start is not None else base) + 1, gzipped)


def _release(held: Entry | str | None, skipped: Counter) -> Iterator[Entry]:
    """A record shown whole: its page, or its count among the skipped kinds."""
    if isinstance(held, str):
        skipped[held] += 1
    elif held is not None:
        yield held


def _last(stream: BinaryIO, source: str, n: int, held: Entry | str | None, last_start: int, gzipped: bool, skipped: Counter) -> Iterator[Entry]:
    """The last record, or its reject when the file was cut inside it (or inside one after it)."""
    cut = _cut_off(stream, last_start) if gzipped else None
    if cut == "last" and held is not None:
        yield Entry(f"{source}#{n}", None, Provenance(), "error", "the file is cut off inside this record")
        return
    yield from _release(held, skipped)
    if cut == "after":
        yield Entry(f"{source}#{n + 1}", None, Provenance(), "error", "the file is cut off inside this record")


def _entry(record, source: str, max_bytes: int) -> Entry | str:
    """The record's page (or its reject), or the kind under which it is skipped."""
    kind = str(record.record_type).rsplit(".", 1)[-1]
    if kind not in ("response", "resource"):
        return kind
    headers = record.headers
    if kind == "response":
        if not record.is_http:
            return "response without HTTP"
        status = record.http_headers.status_code
        if status != 200:
            return f"status {status}"
        media = record.http_content_type or ""
    else:
        media = headers.get("Content-Type") or ""
    media = media.split(";")[0].strip().lower()
    if media and media not in input_rules().document_media_types:
        return media
    provenance = Provenance(url=headers.get("WARC-Target-URI") or None, fetched_at=timestamp(headers.get("WARC-Date")))
    if record.content_length > max_bytes + 65536:
        return Entry(source, None, provenance, "too_large", f"a record of {record.content_length} bytes, more than the limit of {max_bytes}")
    data = record.reader.read()
    if len(data) > max_bytes:
        return Entry(source, None, provenance, "too_large", f"{len(data)} bytes, more than the limit of {max_bytes}")
    return Entry(source, data, provenance)


def _cut_off(stream: BinaryIO, start: int) -> str | None:
    """Whether the gzip members from ``start`` (the last record read) to the end of the file all
    end: ``last`` when that record's member is cut, ``after`` when a cut member follows it (the
    reader passes over a cut record in silence), else None."""
    stream.seek(start)
    data = stream.read(_TAIL_LIMIT + 1)
    if len(data) > _TAIL_LIMIT:
        return None  # too far from the end to tell cheaply
    first = True
    while data:
        inflater = zlib.decompressobj(31)
        try:
            while data and not inflater.eof:
                inflater.decompress(data, 1 << 20)  # the text is not kept, only whether the member ends
                data = inflater.unconsumed_tail
        except zlib.error:
            return "last" if first else "after"
        if not inflater.eof:
            return "last" if first else "after"
        data, first = inflater.unused_data, False
    return None


def _next_boundary(stream: BinaryIO, start: int, gzipped: bool) -> int | None:
    """Offset of the next place a record may start (a gzip member, or a ``WARC/`` line)."""
    magic = b"\x1f\x8b\x08" if gzipped else b"\nWARC/"
    offset = start
    while True:
        stream.seek(offset)
        chunk = stream.read(_RESYNC_CHUNK + len(magic))
        if len(chunk) < len(magic):
            return None
        at = chunk.find(magic)
        if at >= 0:
            return offset + at + (0 if gzipped else 1)
        offset += _RESYNC_CHUNK
