"""The pipeline: normalize → segment → extract → validate → write.

``extract_text`` runs the stages on one text; ``run`` builds a dataset from files and
folders.  Documents are processed in parallel (a process pool, or a Dask cluster) and
their rows streamed to the writer in input order, so memory stays flat and the output
does not depend on how the work was spread.  Every input file ends in exactly one of
``documents`` or ``rejects``.

A rerun reuses the rows of files whose bytes, path, rules and zhenggai version are
unchanged (kept in ``OUT/.cache``), and when nothing at all changed it leaves the dataset
as it is.
"""

from __future__ import annotations

import array
import datetime as dt
import gc
import hashlib
import io
import itertools
import json
import os
import stat
import textwrap
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cache as memoize
from math import isfinite
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import orjson
import pyarrow as pa
from pydantic_core import to_json

from pipeline import __version__, cache, confine, libc, publish, rules, spill
from pipeline.describe import write_description
from pipeline.digests import KnownDigests
from pipeline.extract.document import Rows, StageClock, extract_document, extract_tables
from pipeline.inputlog import InputLog
from pipeline.inputs import Provenance
from pipeline.inputs.containers import container_kind, read_container
from pipeline.models import TABLES, Extraction, Reject
from pipeline.normalize import DEFAULT_MAX_BYTES, DecodedDocument, InputRejected, canonicalize, decode, doc_id_of
from pipeline.schema import arrow_schema
from pipeline.spill import SpilledTable
from pipeline.validate import DocumentCheck, Finding, Report, check_columns, check_formats, finding, record_build
from pipeline.write import Staging, file_digest, read_file, read_manifest, table_files

CACHE_DIR = ".cache"
DIGESTS_FILE = "digests.sqlite"  # in CACHE_DIR: digests of inputs and outputs with their sizes and times
TASK_DOCS = 8  # documents per task sent to a worker
CHUNK_BYTES = 4 * 1024 * 1024  # of page bytes carried by a chunk of container records
WINDOW_PER_WORKER = 4  # tasks in flight per worker: bounds memory, keeps workers busy


@dataclass(frozen=True, slots=True)
class InputFile:
    where: str  # the path (kept as a string: a Path object per input is several times its size)
    source: str  # as the user gave it, with / separators
    outside: bool = False  # a link leading out of its input folder: rejected unread

    @property
    def path(self) -> Path:
        return Path(self.where)


def input_file(path: Path, source: str, outside: bool = False) -> InputFile:
    """An input; its path and source share one string when they are written alike."""
    where = os.fspath(path)
    return InputFile(source if where == source else where, source, outside)


@dataclass(frozen=True, slots=True)
class Task:
    """One input for a worker: its bytes (or its reject) travel when the worker cannot read the path."""

    source: str
    path: str
    key: str  # cache key: content, path, rules, version, limit
    data: bytes | Reject | None = None
    provenance: Provenance | None = None  # what a container or the user says of the page


@dataclass
class DocRows:
    """One input's rows per table (one Arrow batch each) and their JSON lines; the unit of the cache."""

    source: str
    doc_id: str | None
    reason: str | None  # None for a document, else the reject reason
    batches: dict[str, pa.RecordBatch]
    lines: dict[str, bytes]
    findings: list[Finding] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    cached: bool = False
    spilled: dict[str, SpilledTable] = field(default_factory=dict)  # tables kept in files, of a large input
    held: dict[str, list[dict]] = field(default_factory=dict)  # tables of a small input not yet in Arrow (see ``arrow_batches``)

    def counts(self) -> dict[str, tuple[int, int]]:
        """Rows and JSON bytes per table."""
        counts = {t: (batch.num_rows, len(self.lines[t])) for t, batch in self.batches.items()}
        counts.update({t: (len(rows), len(self.lines[t])) for t, rows in self.held.items()})
        counts.update({t: (s.rows, s.lines_bytes) for t, s in self.spilled.items()})
        return {t: counts[t] for t in TABLES if t in counts}


@dataclass
class DocEntry:
    """What the writer needs to know of one input in a chunk, besides its rows."""

    source: str
    doc_id: str | None
    reason: str | None
    counts: dict[str, tuple[int, int]]  # table → (rows, JSON bytes) within the chunk's batches
    findings: list[Finding]
    cached: bool


@dataclass
class ChunkResult:
    """What a worker sends back for a chunk of inputs: one Arrow batch and one run of JSON
    lines per table, in input order (building one batch per chunk, not per document, is
    several times cheaper)."""

    entries: list[DocEntry]
    tables: dict[str, list[tuple[pa.RecordBatch, bytes] | SpilledTable]]  # one part, or more when a table was spilled
    seconds: dict[str, float] = field(default_factory=dict)

    def table(self, name: str) -> tuple[pa.RecordBatch, bytes]:
        """One Arrow batch and the JSON lines of a table, read back from its files if it was spilled."""
        parts = [p.read() if isinstance(p, SpilledTable) else p for p in self.tables[name]]
        if len(parts) == 1:
            return parts[0]
        return pa.concat_batches([batch for batch, _ in parts]), b"".join([lines for _, lines in parts])

    def release(self) -> None:
        """Remove the files of the spilled tables, once written."""
        spill.remove({path for parts in self.tables.values() for p in parts if isinstance(p, SpilledTable) for path in p.paths()})


@dataclass
class RunSummary:
    out_dir: Path
    documents: int = 0
    rejects: int = 0
    reused: int = 0
    up_to_date: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    reject_reasons: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    n_errors: int = 0
    n_warnings: int = 0
    checked: Report = field(default_factory=Report)  # what the build found in the rows it wrote
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)  # container records that are no page, by kind


# --- one document --------------------------------------------------------------------


def extract_text(text: str, source: str = "<text>") -> Extraction:
    """Run every stage on one text and return the typed rows.

    >>> result = extract_text("一、整改任务落实情况\\n1.某问题的整改\\n一是于2024年6月26日完成。")
    >>> result.problems[0].problem, result.dates[0].date_start.isoformat()
    ('某', '2024-06-26')
    """
    data = text.encode("utf-8")
    decoded = DecodedDocument(source=source, doc_id=doc_id_of(data), size_bytes=len(data), encoding="utf-8", raw_text=text)
    return extract_document(decoded, canonicalize(text))


def extract_bytes(data: bytes, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES, clock: StageClock | None = None,
                  provenance: Provenance | None = None) -> Extraction:
    """Decode, then extract, as validated models; raises InputRejected for input that is no document."""
    return Extraction.from_rows(rows_of_bytes(data, source, max_bytes=max_bytes, clock=clock, provenance=provenance))


def rows_of_bytes(data: bytes, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES, clock: StageClock | None = None,
                  provenance: Provenance | None = None) -> Rows:
    """Decode, then extract, as the row dicts the dataset is written from."""
    return {table: list(rows) for table, rows in tables_of_bytes(data, source, max_bytes=max_bytes, clock=clock, provenance=provenance)}


def tables_of_bytes(data: bytes, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES, clock: StageClock | None = None,
                    provenance: Provenance | None = None) -> Iterator[tuple[str, Iterator[dict]]]:
    """``rows_of_bytes`` a table at a time, the document's row first; raises as it is iterated."""
    decoded = decode(data, source, max_bytes=max_bytes, provenance=provenance)
    canon = canonicalize(decoded.raw_text)
    if clock:
        clock.lap("normalize")
    if not canon.text.strip():
        raise InputRejected("empty", "nothing but web-page furniture and white space")
    yield from extract_tables(decoded, canon, clock)


def _read(task: Task, max_bytes: int) -> bytes | Reject:
    """The input's bytes, or its reject. One ``stat`` tells its size and kind, and the bytes are
    read through the descriptor (``read_file``): each system call counts at this rate."""
    if task.data is not None:
        return task.data
    size = None
    try:
        status = os.stat(task.path)
        size = status.st_size
        if size > max_bytes:
            return Reject(source=task.source, doc_id=None, size_bytes=size, reason="too_large", message=f"{size} bytes, more than the limit of {max_bytes}")
        if not stat.S_ISREG(status.st_mode):
            return Reject(source=task.source, doc_id=None, size_bytes=None, reason="error", message="not a regular file")
        return read_file(task.path, size)
    except OSError as exc:
        return Reject(source=task.source, doc_id=None, size_bytes=size, reason="error", message=f"cannot read the file: {exc.strerror or exc}")


def process(task: Task, *, max_bytes: int = DEFAULT_MAX_BYTES, clock: StageClock | None = None) -> Rows | Reject:
    """One input → its rows, or its reject row; never raises."""
    data = _read(task, max_bytes)
    if isinstance(data, Reject):
        return data
    return _guarded(task, data, lambda: rows_of_bytes(data, task.source, max_bytes=max_bytes, clock=clock, provenance=task.provenance))


def _guarded(task: Task, data: bytes, work: Callable[[], Rows | DocRows]) -> Rows | DocRows | Reject:
    """The result of ``work`` on an input's bytes, or the input's reject row; never raises."""
    try:
        return work()
    except InputRejected as exc:
        return Reject(source=task.source, doc_id=doc_id_of(data), size_bytes=len(data), reason=exc.reason, message=exc.message)
    except RecursionError:
        return Reject(source=task.source, doc_id=doc_id_of(data), size_bytes=len(data), reason="error", message="structure nested too deeply to process")
    except Exception as exc:  # one bad document must never stop the batch
        return Reject(source=task.source, doc_id=doc_id_of(data), size_bytes=len(data), reason="error", message=f"{type(exc).__name__}: {exc}")


JSON_SLICE_ROWS = 4096  # rows encoded at a time: no list of every row's line is held at once
SPILLED_SLICE_ROWS = 256  # the same for a large page, whose rows go to files: its peak is that of a slice


def json_lines(rows: list[dict], floats: Sequence[str] | None = None) -> bytes:
    """The JSON lines of rows, as pydantic's ``to_json`` writes them, encoded by orjson (twice
    as fast, the same bytes for the values rows hold). The two differ on NaN and infinities
    (orjson writes null) and on what orjson refuses (integers beyond 64 bits): rows with a
    float that is not finite in a column of ``floats`` (None: in any column), or that orjson
    refuses, are written by ``to_json``."""
    try:
        if _finite(rows, floats):
            return b"".join([orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in rows])
    except TypeError:
        pass
    return b"".join([to_json(r) + b"\n" for r in rows])


def _finite(rows: list[dict], floats: Sequence[str] | None) -> bool:
    if floats is None:
        return all(isfinite(v) for r in rows for v in r.values() if type(v) is float)
    if not floats:
        return True
    values = map(itemgetter(*floats), rows)
    present = [v for v in (itertools.chain.from_iterable(values) if len(floats) > 1 else values) if v is not None]
    return isfinite(sum(present)) or all(map(isfinite, present))  # a sum is finite only if every term is


def encode_lines(rows: list[dict]) -> bytes:
    """The JSON lines of rows, encoded a slice at a time into one buffer."""
    if len(rows) <= JSON_SLICE_ROWS:
        return json_lines(rows)
    out = io.BytesIO()
    for at in range(0, len(rows), JSON_SLICE_ROWS):
        out.write(json_lines(rows[at : at + JSON_SLICE_ROWS]))
    return out.getvalue()


def encode_tables(rows: Rows) -> tuple[dict[str, pa.RecordBatch], dict[str, bytes], list[Finding]]:
    """One Arrow batch and the JSON lines of every table that has rows, a table at a time, and
    the rows whose line would not read back as their Arrow row (ZG018): each table's dicts are
    taken out of ``rows`` and dropped once encoded, so a large document never holds its dicts,
    batches and lines of every table at once."""
    batches, lines, findings = {}, {}, []
    for table in list(rows):
        table_rows = rows.pop(table)
        if table_rows:
            lines[table] = encode_lines(table_rows)
            batches[table], plain = arrow_batch(table, table_rows)
            if not plain:
                findings += check_formats(table, table_rows, lines[table], batches[table])
        del table_rows
    return batches, lines, findings


NONE = type(None)


@memoize
def _columns_plan(table: str) -> tuple[pa.Schema, Callable[[dict], tuple], list[tuple[frozenset, str | None]]]:
    """The table's schema, what takes a row's values in column order, and per column the Python
    types its values may have to be plain (see ``arrow_batch``), with what more to check of them."""
    schema = arrow_schema(TABLES[table])
    kinds = []
    for f in schema:
        t = f.type
        if pa.types.is_list(t):
            kinds.append((frozenset({list, NONE}), "items"))
        elif pa.types.is_floating(t):
            kinds.append((frozenset({float, NONE}), "finite"))
        else:
            python = bool if pa.types.is_boolean(t) else int if pa.types.is_integer(t) else dt.date if pa.types.is_date(t) else str
            kinds.append((frozenset({python, NONE}), None))
    getter = itemgetter(*schema.names) if len(schema) > 1 else (lambda row, name=schema.names[0]: (row[name],))
    return schema, getter, kinds


def arrow_batch(table: str, rows: list[dict]) -> tuple[pa.RecordBatch, bool]:
    """One Arrow batch of a table's rows, and whether they are plain: every row has exactly the
    table's columns and every value is None or of the one Python type the column takes (str,
    int, bool, date, a finite float, a list of strings or None). orjson's line of a plain row is
    tested to read back as its Arrow row (tests/test_formats.py); any other row may not (a bool
    or a fraction in an int column, a datetime in a date column, NaN, a key that is no column),
    and is compared by ``check_formats``. Built a column at a time, a little faster than
    ``RecordBatch.from_pylist`` with the same arrays; rows whose keys differ are built by it."""
    schema, getter, kinds = _columns_plan(table)
    try:
        columns = list(zip(*map(getter, rows)))
    except KeyError:  # a column missing from a row
        return pa.RecordBatch.from_pylist(rows, schema=schema), False
    if not columns:
        return pa.RecordBatch.from_pylist(rows, schema=schema), True
    plain = set(map(len, rows)) == {len(schema)}
    arrays = []
    for values, f, (allowed, more) in zip(columns, schema, kinds):
        found = set(map(type, values))
        plain = plain and found <= allowed and (more is None or _plain_values(values, more, NONE in found))
        arrays.append(pa.array(values, f.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema), plain


def _plain_values(values: tuple, more: str, nulls: bool) -> bool:
    present = [v for v in values if v is not None] if nulls else values
    if more == "finite":  # every term of a finite sum is finite: one call in the usual case
        return isfinite(sum(present)) or all(map(isfinite, present))
    return set(map(type, itertools.chain.from_iterable(present))) <= {str, NONE}


def dump_rows(result: Rows | Reject) -> tuple[Rows, dict[str, bytes]]:
    """Row dicts and JSON lines of every table the result has rows in."""
    rows = reject_rows(result) if isinstance(result, Reject) else {t: r for t, r in result.items() if r}
    return rows, {table: encode_lines(table_rows) for table, table_rows in rows.items()}


def reject_rows(reject: Reject) -> Rows:
    return {"rejects": [reject.model_dump()]}


def batches_of(rows: Rows) -> dict[str, pa.RecordBatch]:
    """One Arrow batch per table, built once: the cache stores it and the chunk concatenates it."""
    return {table: arrow_batch(table, table_rows)[0] for table, table_rows in rows.items()}


def process_to_rows(task: Task, max_bytes: int, spill_dir: str | None = None) -> DocRows:
    clock = StageClock()
    data = _read(task, max_bytes)
    result = data if isinstance(data, Reject) else _guarded(task, data, lambda: _encoded(task, data, max_bytes, clock, spill_dir))
    if isinstance(result, Reject):
        return DocRows(task.source, result.doc_id, result.reason, *encode_tables(reject_rows(result)), clock.seconds)
    return result


def _encoded(task: Task, data: bytes, max_bytes: int, clock: StageClock, spill_dir: str | None) -> DocRows:
    """A document's rows built, checked and encoded JSON_SLICE_ROWS at a time: of its dicts no
    more than a slice is ever held. The tables of a large input go to spill files as they are
    encoded (``pipeline.spill``), so that they are not all held until the writer takes them."""
    tables = tables_of_bytes(data, task.source, max_bytes=max_bytes, clock=clock, provenance=task.provenance)
    _, rows = next(tables)
    document = next(rows)
    check = DocumentCheck(document)
    doc = DocRows(task.source, document["doc_id"], None, {}, {}, [], clock.seconds)
    spilled = spill.Spill(spill_dir, f"spill-{task.key}") if spill_dir and len(data) >= spill.SPILL_BYTES else None
    try:
        for table, rows in itertools.chain([("documents", iter([document]))], tables):
            encoded = _encode_slices(table, rows, check, clock, spill.TableSink(arrow_schema(TABLES[table]), spilled))
            if isinstance(encoded, SpilledTable):
                doc.spilled[table] = encoded
            elif encoded and isinstance(encoded[0], list):
                doc.held[table], doc.lines[table] = encoded
            elif encoded:
                doc.batches[table], doc.lines[table] = encoded
    except BaseException:
        if spilled:
            spilled.discard()
        raise
    if spilled:
        spilled.close()
    doc.findings = check.finish()
    return doc


def _encode_slices(table: str, rows: Iterator[dict], check: DocumentCheck, clock: StageClock,
                   sink: spill.TableSink) -> tuple[pa.RecordBatch | list[dict], bytes] | SpilledTable | None:
    """One table's rows, a slice at a time, checked and encoded into ``sink``; what it holds.

    A table of one slice that is not spilled keeps its dicts with their JSON lines: the chunk
    makes one Arrow batch of its documents' rows (``arrow_batches``), several times cheaper
    than a batch per document, which costs a conversion call per column."""
    while piece := list(itertools.islice(rows, SPILLED_SLICE_ROWS if sink.spill else JSON_SLICE_ROWS)):
        clock.lap("rows")
        check.add(table, piece)
        clock.lap("validate")
        lines = json_lines(piece, _float_columns(table))
        if sink.spill is None and not sink.rows and len(piece) < JSON_SLICE_ROWS:
            clock.lap("serialize")
            return piece, lines
        batch, plain = arrow_batch(table, piece)
        if not plain:
            check.formats += check_formats(table, piece, lines, batch)
        sink.write(batch, lines)
        del batch, piece, lines
        clock.lap("serialize")
    return sink.finish()


Built = dict[str, tuple[pa.RecordBatch, list[DocRows]]]  # table → one batch and the documents it holds the rows of


@memoize
def _float_columns(table: str) -> tuple[str, ...]:
    return tuple(f.name for f in arrow_schema(TABLES[table]) if pa.types.is_floating(f.type))


def arrow_batches(docs: Sequence[DocRows]) -> Built:
    """Give every document its Arrow batch of each table it holds as dicts: one batch is made per
    table for all of them, and each document takes its slice of it (no copy); a document whose
    rows are not all plain has them compared with their JSON lines (ZG018). The batches made,
    for ``chunk_result`` to take whole."""
    built = {}
    for table in TABLES:
        holding = [d for d in docs if table in d.held]
        if not holding:
            continue
        held = [d.held.pop(table) for d in holding]
        batch, plain = arrow_batch(table, [r for rows in held for r in rows])
        at = 0
        for d, rows in zip(holding, held):
            n = len(rows)
            d.batches[table] = batch if n == batch.num_rows else batch.slice(at, n)
            if not plain:
                d.findings += check_formats(table, rows, d.lines[table], d.batches[table])
            at += n
        built[table] = batch, holding
    return built


def chunk_result(docs: Sequence[DocRows], built: Built | None = None) -> ChunkResult:
    """One Arrow batch and one run of JSON lines per table for documents in order (a spilled
    table stays in its files, between the runs of the documents before and after it). A run of
    documents whose rows ``built`` made into one batch takes it as it is."""
    started = time.perf_counter()
    tables = {}
    for table in TABLES:
        parts: list[tuple[pa.RecordBatch, bytes] | SpilledTable] = []
        run: list[DocRows] = []
        for d in docs:
            if table in d.spilled:
                parts += _joined(table, run, built) + [d.spilled[table]]
                run = []
            elif table in d.batches:
                run.append(d)
        parts += _joined(table, run, built)
        if parts:
            tables[table] = parts
    entries = [DocEntry(d.source, d.doc_id, d.reason, d.counts(), d.findings, d.cached) for d in docs]
    seconds: dict[str, float] = {}
    for d in docs:
        for stage, spent in d.seconds.items():
            seconds[stage] = seconds.get(stage, 0.0) + spent
    seconds["serialize"] = seconds.get("serialize", 0.0) + time.perf_counter() - started
    return ChunkResult(entries, tables, seconds)


def _joined(table: str, docs: list[DocRows], built: Built | None) -> list[tuple[pa.RecordBatch, bytes]]:
    if not docs:
        return []
    lines = b"".join([d.lines[table] for d in docs])
    whole, holding = built[table] if built and table in built else (None, [])
    if len(holding) == len(docs) and all(a is b for a, b in zip(holding, docs)):
        return [(whole, lines)]
    batches = [d.batches[table] for d in docs]
    return [(batches[0] if len(batches) == 1 else pa.concat_batches(batches), lines)]


def process_tasks(tasks: Sequence[Task], max_bytes: int, cache_dir: str | None, spill_dir: str | None = None) -> ChunkResult:
    """A worker's unit of work: cached rows where the key is known, fresh rows otherwise (the
    tables of a large input in files in ``spill_dir``, when given, for the writer to read)."""
    docs, fresh = [], []
    for task in tasks:
        cached = _cache_get(cache_dir, task.key)
        if cached is None:
            cached = process_to_rows(task, max_bytes, spill_dir)
            fresh.append((task.key, cached))
        docs.append(cached)
    built = arrow_batches(docs)
    for key, doc in fresh:
        _cache_put(cache_dir, key, doc)
    return chunk_result(docs, built)


# --- the cache of rows ---------------------------------------------------------------


def _cache_get(cache_dir: str | None, key: str) -> DocRows | None:
    entry = cache.load(cache_dir, key)
    if entry is None:
        return None
    try:
        meta = entry.meta
        findings = [Finding(**f) for f in meta["findings"]]
        return DocRows(meta["source"], meta["doc_id"], meta["reason"], entry.batches, entry.lines, findings, {}, cached=True)
    except (KeyError, TypeError):
        return None


def _cache_put(cache_dir: str | None, key: str, result: DocRows) -> None:
    meta = {"source": result.source, "doc_id": result.doc_id, "reason": result.reason, "findings": [asdict(f) for f in result.findings]}
    cache.store(cache_dir, key, cache.Entry(meta, result.batches, result.lines, result.spilled))


def cache_key(source: str, digest: str, max_bytes: int) -> str:
    basis = "\x00".join([source, digest, rules.code_hash(), __version__, pa.__version__, str(max_bytes)])
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


# --- inputs ----------------------------------------------------------------------------


def collect_inputs(paths: Iterable[Path], *, exclude: Path | None = None, follow_outside: bool = False) -> "InputList":
    """Files named directly, and every file below named folders (links to folders are not followed).

    Nothing inside ``exclude`` (the output folder) is listed; a link in a folder whose target lies
    outside that folder is marked ``outside`` unless ``follow_outside``."""
    found: dict[str, InputFile] = {}
    excluded = exclude.resolve() if exclude is not None else None
    for given in paths:
        if given.is_dir():
            for path in _walk(given, excluded):
                outside = not follow_outside and confine.leaves_root(path, given)
                found.setdefault(path.as_posix(), input_file(path, confine.source_name(path), outside))
        elif given.exists() or given.is_symlink():
            if excluded is None or not confine.inside(given.parent.resolve(), excluded):
                found.setdefault(given.as_posix(), input_file(given, confine.source_name(given)))
        else:
            raise FileNotFoundError(str(given))
    return InputList(sorted(found.values(), key=lambda f: f.source))


class InputList(Sequence[InputFile]):
    """Inputs packed into one run of bytes, each made again as an ``InputFile`` when taken.

    A list of them cost some 190 bytes an input (an object and its strings), which a build held
    from start to end; packed, an input costs the UTF-8 bytes of its source and an offset. The
    few inputs whose path is written otherwise than their source, or that are links out of
    their folder, keep that on the side."""

    def __init__(self, items: Iterable[InputFile]):
        packed, ends = bytearray(), array.array("Q")
        self._where: dict[int, str] = {}
        self._outside: set[int] = set()
        for i, item in enumerate(items):
            packed += item.source.encode("utf-8", "surrogatepass")  # any str, a name that is not UTF-8 too
            ends.append(len(packed))
            if item.where != item.source:
                self._where[i] = item.where
            if item.outside:
                self._outside.add(i)
        self._packed, self._ends = bytes(packed), ends

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        source = self._packed[self._ends[i - 1] if i else 0 : self._ends[i]].decode("utf-8", "surrogatepass")
        return InputFile(self._where.get(i, source), source, i in self._outside)


def _walk(folder: Path, excluded: Path | None) -> Iterator[Path]:
    """Every file below ``folder`` in sorted order, hidden names and the ``excluded`` folder left out."""
    resolved = folder.resolve()
    if excluded is not None and confine.inside(resolved, excluded):
        return
    skip = folder / excluded.relative_to(resolved) if excluded is not None and confine.inside(excluded, resolved) else None
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and Path(root, d) != skip)
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def _digest(path: Path, max_bytes: int) -> str:
    """Content hash for the cache key; files that cannot be read or are too large key on their size."""
    try:
        status = path.stat()
        size = status.st_size
        if (size > max_bytes and container_kind(path) is None) or not stat.S_ISREG(status.st_mode):
            return f"size:{size}"
        return file_digest(path)
    except OSError as exc:
        return f"error:{exc.errno}"


# --- engines ---------------------------------------------------------------------------


def _chunks(tasks: Iterable[Task]) -> Iterator[list[Task]]:
    """Tasks in chunks of TASK_DOCS, or fewer when the pages a container's tasks carry reach
    CHUNK_BYTES (so the chunks in flight hold little even when a crawl is full of large PDFs);
    taken from the iterator only as they are needed."""
    chunk: list[Task] = []
    size = 0
    for task in tasks:
        chunk.append(task)
        size += len(task.data) if isinstance(task.data, bytes) else 0
        if len(chunk) >= TASK_DOCS or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _local_results(tasks: Iterable[Task], max_bytes: int, cache_dir: str | None, jobs: int, spill_dir: str) -> Iterator[ChunkResult]:
    chunks = _chunks(tasks)
    first = next(chunks, None)
    second = next(chunks, None)
    if first is None:
        return
    if jobs <= 1 or second is None:
        for chunk in itertools.chain([first], [second] if second else [], chunks):
            yield process_tasks(chunk, max_bytes, cache_dir, spill_dir)
        return
    chunks = itertools.chain([first, second], chunks)
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_start)
    try:
        submit = lambda chunk: pool.submit(process_tasks, chunk, max_bytes, cache_dir, spill_dir).result  # noqa: E731
        yield from _in_order(submit, chunks, jobs * WINDOW_PER_WORKER)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a stopped build does not wait for queued chunks


def use_system_allocator() -> None:
    """Arrow allocates from the C library's heap, as Python does: what one frees the other reuses.
    Arrow's own allocator kept the memory of a large page's batches to itself, so that a build's
    peak was that of its Python objects and of its Arrow buffers added together."""
    pa.set_memory_pool(pa.system_memory_pool())
    _fix_mmap_threshold()


MMAP_THRESHOLD = 128 * 1024  # bytes: a block this large is mapped for itself and unmapped when freed


def _fix_mmap_threshold() -> None:
    """Blocks of MMAP_THRESHOLD or more (a page's text, Arrow buffers, JSON lines) go back to the
    system when freed. The C library raises this threshold each time it frees such a block, after
    which blocks of up to that size were carved out of the heap and stayed there: a large page's
    buffers, freed, were not reusable by Python's small objects and the heap only grew. Setting it
    once keeps it fixed (glibc's ``mallopt``; elsewhere nothing is done)."""
    libc.call("mallopt", -3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD


COLLECT_EVERY = 10_000  # allocations between two runs of Python's cycle collector (its default: 700)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cycle collector less often while building. A build makes its rows by the hundred
    per document, nearly all freed by reference counting as soon as they are written, so that
    at the default threshold it ran about twice per document, found next to nothing and cost
    some 5% of a build; its other thresholds are left as they are."""
    threshold = gc.get_threshold()
    gc.set_threshold(COLLECT_EVERY, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def _worker_start() -> None:
    """Workers leave Ctrl-C, SIGTERM and SIGHUP (sent to the whole process group by a terminal or
    a job runner) to the build, which stops them in order; they end with it when it is killed
    (Linux), instead of lingering."""
    import signal

    use_system_allocator()
    gc.set_threshold(COLLECT_EVERY, *gc.get_threshold()[1:])  # as ``fewer_collections``, for the worker's life
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    libc.call("prctl", 1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _in_order(submit: Callable[[list[Task]], Callable[[], ChunkResult]], chunks: Iterable[list[Task]], window: int) -> Iterator[ChunkResult]:
    """Keep at most ``window`` chunks in flight; yield their results in input order.

    ``submit`` starts a chunk and returns what to call for its result (waiting if need be)."""
    pending: list[Callable[[], ChunkResult]] = []
    for chunk in chunks:
        if len(pending) >= window:
            yield pending.pop(0)()
        pending.append(submit(chunk))
    while pending:
        yield pending.pop(0)()


def _dask_results(tasks: Iterable[Task], max_bytes: int, scheduler: str | None, jobs: int) -> Iterator[ChunkResult]:
    """The same per-chunk function on a Dask cluster; the client ships each file's bytes (or
    its reject, when it cannot be read), so workers need no shared file system."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise RuntimeError("the dask engine needs the optional extra: pip install 'zhenggai[dask]'") from exc
    client = Client(scheduler) if scheduler else Client(processes=True, n_workers=jobs, threads_per_worker=1, dashboard_address=None)
    try:
        window = max(2, sum(client.nthreads().values())) * WINDOW_PER_WORKER

        def submit(chunk: list[Task]) -> Callable[[], ChunkResult]:
            shipped = [Task(t.source, t.path, t.key, _read(t, max_bytes), t.provenance) for t in chunk]
            return client.submit(process_tasks, shipped, max_bytes, None, pure=False).result

        yield from _in_order(submit, _chunks(tasks), window)
    finally:
        client.close()


# --- the build -------------------------------------------------------------------------


def run(
    inputs: Iterable[Path | str],
    out_dir: Path | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    jobs: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    incremental: bool = True,
    progress: Callable[[int], None] | None = None,
    collected: Sequence[InputFile] | None = None,
    reference_date: dt.date | None = None,
    record_fields: dict[str, str] | None = None,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> RunSummary:
    """Build a dataset from files and folders into ``out_dir``; the previous one is replaced only on success.

    ``collected`` is ``collect_inputs(inputs)`` when the caller has listed the files already. One
    run writes to ``out_dir`` at a time: a second one waits for it (or, without ``wait``, raises
    ``publish.LockHeld``)."""
    out_dir = Path(out_dir)
    use_system_allocator()
    items = collected if collected is not None else collect_inputs((Path(p) for p in inputs), exclude=out_dir)
    with publish.OutputLock(out_dir, wait=wait, on_wait=on_wait), fewer_collections():
        return _run_locked(items, out_dir, max_bytes=max_bytes, jobs=jobs or os.cpu_count() or 1, engine=engine, scheduler=scheduler,
                           incremental=incremental, progress=progress, reference_date=reference_date, record_fields=record_fields)


def _run_locked(items: Sequence[InputFile], out_dir: Path, *, max_bytes: int, jobs: int, engine: str, scheduler: str | None,
                incremental: bool, progress: Callable[[int], None] | None, reference_date: dt.date | None,
                record_fields: dict[str, str] | None) -> RunSummary:
    started = time.perf_counter()
    cache.remove_temporary(out_dir / CACHE_DIR)
    known = KnownDigests(out_dir / CACHE_DIR / DIGESTS_FILE, reuse=incremental)  # --full reads all, records all
    try:
        given = Provenance(reference_date=reference_date) if reference_date else None
        summary = RunSummary(out_dir)
        build_key = _build_key(_file_tasks(items, known, max_bytes, given, record_fields))
        summary.seconds["hash"] = time.perf_counter() - started
        if incremental and _up_to_date(out_dir, build_key, known):
            known.save()
            return _unchanged(out_dir, summary, len(items), progress)
        # The tasks are made again as they are taken, their digests read back from ``known``
        # (a list of them would grow with the collection).
        skipped: Counter = Counter()
        tasks = _expand(_file_tasks(items, _Recorded(known), max_bytes, given, record_fields), max_bytes, given, record_fields or {}, skipped)
        written = _build(tasks, out_dir, summary, build_key=build_key, max_bytes=max_bytes, jobs=jobs, engine=engine,
                         scheduler=scheduler, incremental=incremental, progress=progress, skipped=skipped)
        record_build(out_dir, written, summary.checked)
        for name, digest in written.items():
            known.digest(f"output:{name}", out_dir / name, lambda digest=digest: digest)  # the manifest knows what was written
        known.save()
    finally:
        known.close()
    summary.seconds["total"] = time.perf_counter() - started
    return summary


def _unchanged(out_dir: Path, summary: RunSummary, n_inputs: int, progress: Callable[[int], None] | None) -> RunSummary:
    """The summary of a build that found its dataset up to date."""
    publish.remove_leftovers(out_dir)
    previous = read_manifest(out_dir / "manifest.json")
    summary.up_to_date = True
    summary.rows = previous["row_counts"]
    summary.documents = previous["row_counts"]["documents"]
    summary.rejects = previous["row_counts"]["rejects"]
    summary.reused = n_inputs
    if progress:
        progress(n_inputs)
    return summary


def _build(tasks: Iterator[Task], out_dir: Path, summary: RunSummary, *, build_key: str, max_bytes: int, jobs: int, engine: str,
           scheduler: str | None, incremental: bool, progress: Callable[[int], None] | None, skipped: Counter) -> dict[str, str]:
    """Process the tasks and publish their dataset in ``out_dir``; the digests of the files written."""
    cache_dir = str(out_dir / CACHE_DIR) if incremental else None
    staging = Staging(out_dir, check=check_columns, hold_dir=out_dir / CACHE_DIR)
    log = None
    try:
        log = InputLog(out_dir / CACHE_DIR)
        if engine == "dask":
            results = _dask_results(tasks, max_bytes, scheduler, jobs)
        elif engine == "local":
            results = _local_results(tasks, max_bytes, cache_dir, jobs, str(out_dir / CACHE_DIR))
        else:
            raise ValueError(f"unknown engine {engine!r} (local or dask)")
        _write_results(results, staging, summary, progress, log)
        summary.skipped = dict(sorted(skipped.items()))
        summary.rows = {table: staging.writer(table).rows for table in TABLES}
        names = ["manifest.json", *write_description(staging.path, summary.rows)]
        staging.close_tables()
        _count_findings(summary, staging.findings())
        written = manifest(log.entries(), summary.rows, build_key, staging, names, summary.skipped)
        write_manifest(staging, written)
        staging.commit(names)
    except BaseException:
        staging.abandon()
        raise
    finally:
        if log is not None:
            log.close()
    return written["files"]


def _write_results(results: Iterator[ChunkResult], staging: Staging, summary: RunSummary, progress, log: InputLog) -> None:
    """Write each chunk's rows, count what it holds, and add its inputs to ``log``."""
    for chunk in results:
        duplicates = _duplicates(chunk.entries, log)
        if duplicates:
            _append_piecewise(chunk, duplicates, staging)
        else:
            for table in chunk.tables:
                staging.writer(table).append(*chunk.table(table))
        chunk.release()
        for stage, seconds in chunk.seconds.items():
            summary.seconds[stage] = summary.seconds.get(stage, 0.0) + seconds
        for i, entry in enumerate(chunk.entries):
            reason = "duplicate" if i in duplicates else entry.reason
            if reason is None:
                summary.documents += 1
            else:
                summary.rejects += 1
                summary.reject_reasons[reason] = summary.reject_reasons.get(reason, 0) + 1
            summary.reused += entry.cached
            _count_findings(summary, entry.findings if i not in duplicates else ())
        if progress:
            progress(len(chunk.entries))
    if log.named_twice():
        summary.n_errors += 1
        summary.findings.append(finding("ZG012", "documents", None, "an input appears twice"))
    # each row's JSON line was checked against its Arrow row as they were encoded (ZG018); that
    # they stayed paired on their way to the files is checked by counting them
    _count_findings(summary, [finding("ZG018", table, None, f"{table}.jsonl has {lines} lines for {rows} Parquet rows")
                              for table, (lines, rows) in staging.unpaired().items()])


def _count_findings(summary: RunSummary, findings: Iterable[Finding]) -> None:
    """Findings of the rows written: counted, the first ones kept, all in ``summary.checked``."""
    findings = list(findings)
    summary.checked.extend(findings)
    for f in findings:
        if f.severity == "error":
            summary.n_errors += 1
        else:
            summary.n_warnings += 1
        if len(summary.findings) < 200:
            summary.findings.append(f)


def _duplicates(entries: list[DocEntry], log: InputLog) -> dict[int, str]:
    """Documents of a chunk whose bytes an earlier document had: position → that document's
    source. Every entry is added to ``log``, a duplicate as a reject."""
    out: dict[int, str] = {}
    for i, entry in enumerate(entries):
        first = log.document_source(entry.doc_id) if entry.reason is None else None
        if first is not None:
            out[i] = first
        log.add(entry.source, entry.doc_id, "duplicate" if first is not None else entry.reason)
    return out


def _append_piecewise(chunk: ChunkResult, duplicates: dict[int, str], staging: Staging) -> None:
    """Write a chunk document by document, with a reject row in place of each duplicate's rows."""
    offsets = {table: (0, 0) for table in chunk.tables}
    tables: dict[str, tuple[pa.RecordBatch, bytes]] = {}
    for i, entry in enumerate(chunk.entries):
        for table, (n_rows, n_bytes) in entry.counts.items():
            row, byte = offsets[table]
            offsets[table] = (row + n_rows, byte + n_bytes)
            if i not in duplicates:
                batch, lines = tables[table] if table in tables else tables.setdefault(table, chunk.table(table))
                staging.writer(table).append(batch.slice(row, n_rows), lines[byte : byte + n_bytes])
        if i in duplicates:
            reject = Reject(source=entry.source, doc_id=entry.doc_id, size_bytes=None, reason="duplicate", message=f"same bytes as {duplicates[i]}")
            staging.writer("rejects").append(*chunk_result([DocRows(entry.source, entry.doc_id, "duplicate", *encode_tables(reject_rows(reject)))]).table("rejects"))


def _file_tasks(items: Sequence[InputFile], known: KnownDigests | _Recorded, max_bytes: int, given: Provenance | None,
                fields: dict[str, str] | None) -> Iterator[Task]:
    """One task per input file; the options that change its rows are part of its key. A link out
    of its input folder is never read: its reject travels with its task."""
    options = f"{given.reference_date if given else ''}\x1f{sorted((fields or {}).items())}"
    for item in items:
        if item.outside:
            reject = Reject(source=item.source, doc_id=None, size_bytes=None, reason="outside_input", message="a link to a file outside the input folder")
            yield Task(item.source, item.where, cache_key(item.source, "outside", max_bytes), reject)
            continue
        path = item.path
        digest = known.digest(f"input:{os.path.abspath(path)}:{max_bytes}", path, lambda path=path: _digest(path, max_bytes))
        yield Task(item.source, item.where, cache_key(item.source, digest + options, max_bytes), provenance=given)


class _Recorded:
    """The digests a build has recorded, for its tasks made a second time: what keyed the build
    keys its tasks, and no file is read twice."""

    def __init__(self, known: KnownDigests):
        self.known = known

    def digest(self, key: str, path: Path, compute: Callable[[], str]) -> str:
        recorded = self.known.seen(key)
        return recorded if recorded is not None else compute()


def _expand(files: list[Task], max_bytes: int, given: Provenance | None, fields: dict[str, str], skipped: Counter) -> Iterator[Task]:
    """Each input file as a task, and each record of a container file as one (read as the
    tasks are taken, so a container of any size streams)."""
    for file in files:
        if file.data is not None or container_kind(file.path) is None:  # a reject already, or one page
            yield file
            continue
        for entry in read_container(Path(file.path), file.source, fields=fields, max_bytes=max_bytes, skipped=skipped):
            provenance = entry.provenance
            if given and provenance.reference_date is None:
                provenance = Provenance(provenance.url, provenance.fetched_at, given.reference_date, provenance.title)
            if entry.data is None:
                data: bytes | Reject = Reject(source=entry.source, doc_id=None, size_bytes=None, reason=entry.reason, message=entry.message)
                digest = entry.message or ""
            else:
                data, digest = entry.data, hashlib.sha256(entry.data).hexdigest()
            yield Task(entry.source, file.path, cache_key(entry.source, digest + provenance.key(), max_bytes), data, provenance)


def _build_key(tasks: Iterable[Task]) -> str:
    digest = hashlib.sha256()
    for task in tasks:
        digest.update(f"{task.source}\x00{task.key}\n".encode())
    return digest.hexdigest()[:32]


def _up_to_date(out_dir: Path, build_key: str, known: KnownDigests) -> bool:
    """The dataset in out_dir was built from exactly these inputs and rules, and is intact."""
    try:
        previous = read_manifest(out_dir / "manifest.json")
        if previous.get("build_key") != build_key:
            return False
        return all(known.digest(f"output:{name}", out_dir / name, lambda name=name: file_digest(out_dir / name)) == digest
                   for name, digest in previous["files"].items())
    except (OSError, ValueError, KeyError):
        return False


def manifest(inputs: Iterable[dict], rows: dict[str, int], build_key: str, staging: Staging, names: list[str],
             skipped: dict[str, int] | None = None) -> dict:
    files = [n for t in TABLES for n in table_files(t)] + [n for n in names if n != "manifest.json"]
    return {
        "zhenggai_version": __version__,
        "rules_hash": rules.rules_hash(),
        "build_key": build_key,
        "inputs": inputs,
        "row_counts": rows,
        "skipped_records": skipped or {},
        "files": staging.digests(files),
    }


_INPUTS_SLOT = "\x00inputs\x00"


def write_manifest(staging: Staging, payload: dict) -> None:
    """manifest.json as ``Staging.write_json`` writes it, its list of inputs (any iterable)
    written one input at a time."""
    before, after = json.dumps({**payload, "inputs": _INPUTS_SLOT}, ensure_ascii=False, indent=2, sort_keys=True).split(json.dumps(_INPUTS_SLOT))
    with open(staging.path / "manifest.json", "w", encoding="utf-8") as fh:
        fh.write(before)
        opened = False
        for entry in payload["inputs"]:
            fh.write(",\n" if opened else "[\n")
            fh.write(textwrap.indent(json.dumps(entry, ensure_ascii=False, indent=2, sort_keys=True), "    "))
            opened = True
        fh.write("\n  ]" if opened else "[]")
        fh.write(after + "\n")
