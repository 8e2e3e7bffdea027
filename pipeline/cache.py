"""The row cache: one entry per input, so that a rerun reuses the rows of unchanged files.

An entry holds data only (one Arrow IPC stream and the JSON lines per table, then a JSON
header), zstd-compressed, and is bound to its key by an HMAC-SHA256 checked on read.  The HMAC's secret
is the user's own (``~/.cache/zhenggai/cache-key``, created on first use), so an entry written
or edited by anyone else (a shared folder, a dataset passed on with its cache) is not believed:
like a corrupt, truncated or foreign entry, it is ignored and its rows are computed again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa

from pipeline.models import TABLES
from pipeline.schema import arrow_schema

MAGIC = b"ZGROWS2\n"
MAX_ENTRY_BYTES = 1 << 30  # a larger entry is not believed (guards against a decompression bomb)
SECRET_ENV = "ZHENGGAI_CACHE_SECRET"  # a file holding the secret, in place of the default
TMP_DIR = "tmp"  # files being written; what a killed run left here is removed by the next


class Entry(NamedTuple):
    meta: dict  # JSON values: source, doc_id, reason, findings
    batches: dict[str, pa.RecordBatch]  # one per table, of the table's Arrow schema
    lines: dict[str, bytes]
    spilled: dict = {}  # table → a pipeline.spill.SpilledTable, copied from its files (storing only)


def entry_path(cache_dir: str, key: str) -> Path:
    return Path(cache_dir) / key[:2] / f"{key}.rows.zst"


def load(cache_dir: str | None, key: str) -> Entry | None:
    """The entry stored under ``key``, or None when there is none or it is not to be believed."""
    if not cache_dir:
        return None
    try:
        packed = entry_path(cache_dir, key).read_bytes()
    except OSError:
        return None
    if not packed.startswith(MAGIC):
        return None
    mac, compressed = packed[len(MAGIC) : len(MAGIC) + 32], packed[len(MAGIC) + 32 :]
    try:
        body = pa.input_stream(pa.py_buffer(compressed), compression="zstd").read(MAX_ENTRY_BYTES + 1)
    except (OSError, ValueError, pa.ArrowException):
        return None
    if len(body) > MAX_ENTRY_BYTES or len(body) < 8 or not hmac.compare_digest(mac, _mac(key, body)):
        return None
    try:
        return _unpack(body)
    except (ValueError, KeyError, TypeError, pa.ArrowException):
        return None


def store(cache_dir: str | None, key: str, entry: Entry) -> None:
    """Write an entry; a cache that cannot be written (a full disk) only costs time."""
    if not cache_dir:
        return
    path = entry_path(cache_dir, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary(Path(cache_dir), path.name)
        with open(tmp, "wb") as fh:
            fh.write(MAGIC + bytes(32))  # the seal, written once the body is
            body = _SealedBody(key, fh)
            _pack(entry, body)
            seal = body.seal()  # closes the file
        with open(tmp, "r+b") as fh:
            fh.seek(len(MAGIC))
            fh.write(seal)
        os.replace(tmp, path)
    except OSError:
        discard_temporary(Path(cache_dir), path.name)


def temporary(cache_dir: Path, name: str) -> Path:
    """Where this process writes ``name`` before moving it into place."""
    (cache_dir / TMP_DIR).mkdir(parents=True, exist_ok=True)
    return cache_dir / TMP_DIR / f"{name}.{os.getpid()}.tmp"


def discard_temporary(cache_dir: Path, name: str) -> None:
    try:
        (cache_dir / TMP_DIR / f"{name}.{os.getpid()}.tmp").unlink()
    except OSError:
        pass


def remove_temporary(cache_dir: Path) -> None:
    """Files that runs which were stopped were writing (call it holding the output folder's lock)."""
    shutil.rmtree(cache_dir / TMP_DIR, ignore_errors=True)


class _SealedBody:
    """The body of an entry, streamed through zstd into the file and into the HMAC as it is
    written, so that no copy of a large document's rows is held whole."""

    def __init__(self, key: str, fh):
        self.mac = hmac.new(_secret(), key.encode("ascii") + b"\x00", hashlib.sha256)
        self.compressed = pa.CompressedOutputStream(fh, "zstd")
        self.size = 0
        self.closed = False

    def write(self, data) -> int:
        self.mac.update(data)
        self.compressed.write(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def seal(self) -> bytes:
        self.compressed.close()
        return self.mac.digest()


def _pack(entry: Entry, body: _SealedBody) -> None:
    """Per table an Arrow IPC stream and the JSON lines; then the header and its length. A
    spilled table is copied a piece at a time from its files, which hold the same two parts."""
    tables = {}
    for table in TABLES:
        if table in entry.spilled:
            spilled = entry.spilled[table]
            spilled.copy_to(body)
            tables[table] = [spilled.arrow_bytes, spilled.lines_bytes]
            continue
        if table not in entry.batches:
            continue
        batch = entry.batches[table]
        started = body.size
        with pa.ipc.new_stream(body, batch.schema) as writer:
            writer.write_batch(batch)
        lines = entry.lines[table]
        tables[table] = [body.size - started, len(lines)]
        body.write(lines)
    header = json.dumps({"meta": entry.meta, "tables": tables}, ensure_ascii=True).encode()
    body.write(header + len(header).to_bytes(8, "little"))


def _unpack(body: bytes) -> Entry:
    size = int.from_bytes(body[-8:], "little")
    header = json.loads(body[len(body) - 8 - size : len(body) - 8])
    at, batches, lines = 0, {}, {}
    view = pa.py_buffer(body)
    for table, (n_ipc, n_lines) in header["tables"].items():
        if table not in TABLES:
            raise KeyError(table)
        parts = list(pa.ipc.open_stream(view.slice(at, n_ipc)))  # of a spilled table, one per slice
        if not parts:
            raise ValueError(f"{table}: no rows")
        batch = parts[0] if len(parts) == 1 else pa.concat_batches(parts)
        if not batch.schema.equals(arrow_schema(TABLES[table]), check_metadata=True):
            raise ValueError(f"{table}: not the table's schema")
        batches[table] = batch
        lines[table] = body[at + n_ipc : at + n_ipc + n_lines]
        at += n_ipc + n_lines
    if at != len(body) - 8 - size:
        raise ValueError("entry lengths do not add up")
    return Entry(header["meta"], batches, lines)


def _mac(key: str, body: bytes) -> bytes:
    return hmac.new(_secret(), key.encode("ascii") + b"\x00" + body, hashlib.sha256).digest()


@cache
def _secret() -> bytes:
    """The user's cache secret, created on first use; without a place to keep one, a fixed
    secret still detects corrupt and misplaced entries."""
    path = Path(os.environ.get(SECRET_ENV) or Path.home() / ".cache" / "zhenggai" / "cache-key")
    try:
        return _read_secret(path)
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        try:
            os.link(tmp, path)  # fails when another process made one first: theirs is kept
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        return _read_secret(path)
    except OSError:
        return b"zhenggai row cache"


def _read_secret(path: Path) -> bytes:
    secret = path.read_bytes()
    if len(secret) < 16:
        raise OSError("cache secret too short")
    return secret
