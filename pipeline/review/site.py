"""Build the review site: ``index.html`` with its data files, one page per document, CSS and JS.

The dataset is read one document at a time (``pipeline.review.stream``): each page is written
as soon as its rows are read, and the index keeps a short entry per document, so memory does
not grow with the text of the collection.  ``docs`` or ``sample`` limit the pages to a subset;
the index still lists every document.

The findings shown are those of the rules within a document (SPEC 9, ``check_document``),
checked on each document's rows as they stream past: the site never reads the dataset twice.
The checks of the files themselves (digests, JSON Lines against Parquet, column types) are
``zhenggai validate``'s.
"""

from __future__ import annotations

import re
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.models import TABLES
from pipeline.review.index import IndexData, index_page
from pipeline.review.page import document_page
from pipeline.review.shared import doc_label, page_name
from pipeline.review.stream import TableOrderError, by_document, documents
from pipeline.validate import Finding, Report, check_document
from pipeline.write import table_files

ASSETS = ("review.css", "review.js", "index.js")
DOC_ID = re.compile(r"\b[0-9a-f]{16}\b")
PAGE = re.compile(r"[0-9a-f]{16}\.html")

__all__ = ["SiteError", "build_site", "doc_label", "page_name"]


class SiteError(Exception):
    """The dataset cannot be reviewed (a table file is missing or unreadable, an unknown document)."""


def build_site(dataset: Path | str, out: Path | str, *, docs: Iterable[str] | None = None, sample: int | None = None) -> list[Path]:
    """Write the review site for ``dataset`` into ``out``; return the files written.

    ``docs`` (doc_ids) or ``sample`` (how many documents, the same ones on every run) choose
    the documents that get a page; by default every document does.
    """
    dataset, out = Path(dataset), Path(out)
    for table in TABLES:
        if not (dataset / table_files(table)[0]).is_file():
            raise SiteError(f"no {table_files(table)[0]} in {dataset}")
    try:
        return _build(dataset, out, _chosen(dataset, docs, sample))
    except (OSError, pa.ArrowException, TableOrderError) as exc:
        raise SiteError(f"cannot read the dataset: {exc}") from None


def _build(dataset: Path, out: Path, chosen: set[str] | None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ASSETS:
        target = out / name
        target.write_text(resources.files("pipeline.review").joinpath(name).read_text("utf-8"), encoding="utf-8")
        written.append(target)
    report = Report()
    with open(out / "search-data.js", "w", encoding="utf-8") as search:
        data = IndexData(search)
        for document, rows in by_document(dataset):
            findings = check_document(document, rows)
            report.extend(findings)
            located = locate_findings(findings)
            has_page = chosen is None or document["doc_id"] in chosen
            if has_page:
                target = out / page_name(document)
                target.write_text(document_page(document, rows, located), encoding="utf-8")
                written.append(target)
            data.add(document, rows, len(located.get(document["doc_id"], [])), has_page)
        data.close_search()
    written.append(out / "search-data.js")
    _remove_stale_pages(out, written)
    totals = {table: pq.ParquetFile(dataset / table_files(table)[0]).metadata.num_rows for table in TABLES}
    rejects = pq.read_table(dataset / table_files("rejects")[0], columns=["source", "reason", "message"]).to_pylist()
    for name, text in (("index-data.js", data.data_script()), ("index.html", index_page(data, totals, report, rejects))):
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    return written


def _chosen(dataset: Path, docs: Iterable[str] | None, sample: int | None) -> set[str] | None:
    if docs is None and sample is None:
        return None
    doc_ids = sorted(row["doc_id"] for row in documents(dataset, ["doc_id"]))
    chosen = set(doc_ids[:sample]) if sample is not None else set()  # doc_ids are hashes: the smallest are a fair sample
    unknown = sorted(set(docs or ()) - set(doc_ids))
    if unknown:
        raise SiteError(f"no document {unknown[0]} in {dataset}" + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""))
    return chosen | set(docs or ())


def _remove_stale_pages(out: Path, written: list[Path]) -> None:
    """Pages of a previous build whose documents have no page now."""
    keep = {path.name for path in written}
    for path in out.glob("*.html"):
        if PAGE.fullmatch(path.name) and path.name not in keep:
            path.unlink()


def locate_findings(findings: list[Finding]) -> dict[str, list[Finding]]:
    """doc_id or row id → findings about it; a row's findings also go under its document.

    Row ids start with their document's id (``{doc_id}-p120-180``); document-wide findings name
    the document in their message.
    """
    located: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        doc = DOC_ID.match(finding.row_id or "") or DOC_ID.search(finding.message)
        if finding.row_id:
            located[finding.row_id].append(finding)
        if doc and doc.group(0) != finding.row_id:
            located[doc.group(0)].append(finding)
    return located
