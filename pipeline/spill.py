"""A large document's encoded tables, kept in files between their encoding and the writer.

A page of many megabytes makes tables several times its size; holding them all until the
writer takes them would add them up. Its tables are written instead, slice by slice as they
are encoded, into two files (the Arrow IPC streams, one per table, and the JSON lines), which
the cache copies from and the writer reads back one table at a time. The files live in the
cache's folder for files being written, so a stopped build leaves nothing the next one keeps.
"""

from __future__ import annotations

import io
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pipeline import cache

SPILL_BYTES = 1 << 20  # an input at least this large has its tables kept in files
COPY_BYTES = 1 << 20  # read at a time when a table is copied into the cache


@dataclass(frozen=True)
class SpilledTable:
    """Where one table of one document was written: its Arrow IPC stream and its JSON lines."""

    arrow_path: str
    arrow_at: int
    arrow_bytes: int
    lines_path: str
    lines_at: int
    lines_bytes: int
    rows: int

    def read(self) -> tuple[pa.RecordBatch, bytes]:
        """The table as one Arrow batch and its JSON lines."""
        with open(self.arrow_path, "rb") as fh:
            fh.seek(self.arrow_at)
            batches = list(pa.ipc.open_stream(pa.py_buffer(fh.read(self.arrow_bytes))))
        with open(self.lines_path, "rb") as fh:
            fh.seek(self.lines_at)
            lines = fh.read(self.lines_bytes)
        return (batches[0] if len(batches) == 1 else pa.concat_batches(batches)), lines

    def copy_to(self, out) -> None:
        """The IPC stream, then the JSON lines, written to ``out`` a piece at a time."""
        for path, at, size in ((self.arrow_path, self.arrow_at, self.arrow_bytes), (self.lines_path, self.lines_at, self.lines_bytes)):
            with open(path, "rb") as fh:
                fh.seek(at)
                while size > 0:
                    piece = fh.read(min(size, COPY_BYTES))
                    if not piece:
                        raise OSError(f"{path} ends early")
                    out.write(piece)
                    size -= len(piece)

    def paths(self) -> tuple[str, str]:
        return self.arrow_path, self.lines_path


class TableSink:
    """Slices of one table, in memory or in a spill file; ``finish`` gives what was written."""

    def __init__(self, schema: pa.Schema, spill: "Spill | None"):
        self.schema, self.spill, self.rows = schema, spill, 0
        self.batches: list[pa.RecordBatch] = []
        self.lines = io.BytesIO()
        self.stream = None
        if spill:
            self.arrow_at, self.lines_at = spill.arrow.tell(), spill.lines.tell()

    def write(self, batch: pa.RecordBatch, lines: bytes) -> None:
        self.rows += batch.num_rows
        if self.spill is None:
            self.batches.append(batch)
            self.lines.write(lines)
            return
        if self.stream is None:
            self.stream = pa.ipc.new_stream(self.spill.arrow, self.schema)
        self.stream.write_batch(batch)
        self.spill.lines.write(lines)

    def finish(self) -> tuple[pa.RecordBatch, bytes] | SpilledTable | None:
        if not self.rows:
            return None
        if self.spill is None:
            batch = self.batches[0] if len(self.batches) == 1 else pa.concat_batches(self.batches)
            return batch, self.lines.getvalue()
        self.stream.close()
        spill = self.spill
        return SpilledTable(str(spill.arrow_path), self.arrow_at, spill.arrow.tell() - self.arrow_at,
                            str(spill.lines_path), self.lines_at, spill.lines.tell() - self.lines_at, self.rows)


class Spill:
    """The two files one document's tables are spilled into."""

    _made = itertools.count()  # an input named twice in one build gets files of its own each time

    def __init__(self, directory: str, name: str):
        name = f"{name}-{next(Spill._made)}"
        self.arrow_path = cache.temporary(Path(directory), f"{name}.arrow")
        self.lines_path = cache.temporary(Path(directory), f"{name}.jsonl")
        self.arrow = open(self.arrow_path, "wb")
        self.lines = open(self.lines_path, "wb")

    def close(self) -> None:
        self.arrow.close()
        self.lines.close()

    def discard(self) -> None:
        self.close()
        remove((str(self.arrow_path), str(self.lines_path)))


def remove(paths) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass
