"""The pipeline: normalize → segment → extract → validate → write.

``extract_text`` runs the stages on one text; ``run`` builds a dataset from files and
folders.  Every input file ends in exactly one of ``documents`` or ``rejects``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline import __version__, rules
from pipeline.extract.document import extract_document
from pipeline.models import TABLES, Extraction, Reject
from pipeline.normalize import DEFAULT_MAX_BYTES, DecodedDocument, InputRejected, canonicalize, decode, doc_id_of
from pipeline.write import Staging


@dataclass(frozen=True)
class InputFile:
    path: Path
    source: str  # as the user gave it, relative to the input root, with / separators


@dataclass
class RunSummary:
    out_dir: Path
    documents: int = 0
    rejects: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    reject_reasons: dict[str, int] = field(default_factory=dict)


def extract_text(text: str, source: str = "<text>") -> Extraction:
    """Run every stage on one text and return the typed rows.

    >>> result = extract_text("一、整改任务落实情况\\n1.某问题的整改\\n一是于2024年6月26日完成。")
    >>> result.problems[0].problem, result.dates[0].date_start.isoformat()
    ('某', '2024-06-26')
    """
    data = text.encode("utf-8")
    decoded = DecodedDocument(source=source, doc_id=doc_id_of(data), size_bytes=len(data), encoding="utf-8", raw_text=text)
    return extract_document(decoded, canonicalize(text))


def extract_bytes(data: bytes, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Extraction:
    """Decode, then extract; raises InputRejected for input that is no document."""
    decoded = decode(data, source, max_bytes=max_bytes)
    canon = canonicalize(decoded.raw_text)
    if not canon.text.strip():
        raise InputRejected("empty", "nothing but web-page furniture and white space")
    return extract_document(decoded, canon)


def collect_inputs(paths: Iterable[Path]) -> list[InputFile]:
    """Files named directly, and every file below named folders (links to folders are not followed)."""
    found: dict[str, InputFile] = {}
    for given in paths:
        if given.is_dir():
            for root, dirs, files in os.walk(given, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    path = Path(root) / name
                    source = path.as_posix()
                    found.setdefault(source, InputFile(path, source))
        elif given.exists() or given.is_symlink():
            found.setdefault(given.as_posix(), InputFile(given, given.as_posix()))
        else:
            raise FileNotFoundError(str(given))
    return sorted(found.values(), key=lambda f: f.source)


def process(item: InputFile, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Extraction | Reject:
    """One input file → its rows, or its reject row; never raises."""
    size = None
    try:
        size = item.path.stat().st_size
        if size > max_bytes:
            return Reject(source=item.source, doc_id=None, size_bytes=size, reason="too_large", message=f"{size} bytes, more than the limit of {max_bytes}")
        if not item.path.is_file():
            return Reject(source=item.source, doc_id=None, size_bytes=None, reason="error", message="not a regular file")
        data = item.path.read_bytes()
    except OSError as exc:
        return Reject(source=item.source, doc_id=None, size_bytes=size, reason="error", message=f"cannot read the file: {exc.strerror or exc}")
    try:
        return extract_bytes(data, item.source, max_bytes=max_bytes)
    except InputRejected as exc:
        return Reject(source=item.source, doc_id=doc_id_of(data), size_bytes=len(data), reason=exc.reason, message=exc.message)
    except RecursionError:
        return Reject(source=item.source, doc_id=doc_id_of(data), size_bytes=len(data), reason="error", message="structure nested too deeply to process")
    except Exception as exc:  # one bad document must never stop the batch
        return Reject(source=item.source, doc_id=doc_id_of(data), size_bytes=len(data), reason="error", message=f"{type(exc).__name__}: {exc}")


def run(
    inputs: Iterable[Path | str],
    out_dir: Path | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Callable[[InputFile], None] | None = None,
) -> RunSummary:
    """Build a dataset from files and folders into ``out_dir`` (the previous one is replaced only on success)."""
    out_dir = Path(out_dir)
    items = collect_inputs(Path(p) for p in inputs)
    staging = Staging(out_dir)
    summary = RunSummary(out_dir)
    try:
        manifest_inputs = []
        seen: dict[str, str] = {}
        for item, result in zip(items, _results(items, max_bytes, progress)):
            if isinstance(result, Extraction) and result.document.doc_id in seen:
                first = seen[result.document.doc_id]
                result = Reject(source=item.source, doc_id=result.document.doc_id, size_bytes=None, reason="duplicate", message=f"same bytes as {first}")
            if isinstance(result, Reject):
                staging.writer("rejects").write([result])
                summary.rejects += 1
                summary.reject_reasons[result.reason] = summary.reject_reasons.get(result.reason, 0) + 1
                manifest_inputs.append({"source": item.source, "doc_id": result.doc_id, "status": "rejected", "reason": result.reason})
                continue
            seen[result.document.doc_id] = item.source
            for table in TABLES:
                if table != "rejects":
                    staging.writer(table).write(result.table(table))
            summary.documents += 1
            manifest_inputs.append({"source": item.source, "doc_id": result.document.doc_id, "status": "document"})
        summary.rows = {table: staging.writer(table).rows for table in TABLES}
        staging.write_json("manifest.json", manifest(manifest_inputs, summary.rows))
        staging.commit(["manifest.json"])
    except BaseException:
        staging.abandon()
        raise
    return summary


def _results(items: list[InputFile], max_bytes: int, progress) -> Iterator[Extraction | Reject]:
    for item in items:
        result = process(item, max_bytes=max_bytes)
        if progress:
            progress(item)
        yield result


def manifest(inputs: list[dict], rows: dict[str, int]) -> dict:
    return {
        "zhenggai_version": __version__,
        "rules_hash": rules.rules_hash(),
        "inputs": inputs,
        "row_counts": rows,
        "inputs_hash": hashlib.sha256("\n".join(f"{i['source']}\t{i['doc_id']}" for i in inputs).encode()).hexdigest()[:16],
    }
