"""The measurements behind the choice of the PDF and WARC libraries.

PDF: each corpus document printed to PDF by headless Chromium (with its running header and
footer, as ``tests/variants.py`` prints it); for each library

- text: similarity (difflib ratio, white space removed) of the extracted text to the original,
  which shows reading order and CJK characters at once; pdfminer.six is read through zhenggai's
  reader, which drops the running heads and page numbers that cost the others about 0.03;
- lines: share of the original's lines found whole in zhenggai's paragraphs (pdfminer.six only:
  the paragraphs are built from its line boxes);
- ms: mean time per document.

WARC: a WARC.gz of responses written in gzip per record, the same records gzip-compressed as one
member, and a copy with one damaged record; for each reader records/s, and whether it reads
each file (FastWARC, warcio).

    python benchmarks/input_libraries.py

Libraries that are not dependencies of zhenggai (pypdf, pypdfium2, pymupdf, warcio) are measured
only when installed.
"""

from __future__ import annotations

import difflib
import gzip
import importlib.util
import io
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from variants import chromium, http_response, to_pdf, warc_record  # noqa: E402


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdfminer(data: bytes) -> str:
    from pipeline.inputs.pdf import pdf_text

    return pdf_text(data)


def _pypdf(data: bytes) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _pypdfium2(data: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def _pymupdf(data: bytes) -> str:
    import pymupdf

    return "\n".join(page.get_text() for page in pymupdf.open(stream=data, filetype="pdf"))


PDF_LIBRARIES = {"pdfminer.six": ("pdfminer", _pdfminer), "pypdf": ("pypdf", _pypdf), "pypdfium2": ("pypdfium2", _pypdfium2), "pymupdf": ("pymupdf", _pymupdf)}


def measure_pdf() -> None:
    if chromium() is None:
        print("PDF: chromium is not installed (make test-browser installs it)")
        return
    corpus = sorted((ROOT / "corpus").glob("*.txt"))
    printed = [(path.read_text("utf-8"), to_pdf(path.read_bytes(), path.stem)[1]) for path in corpus]
    print(f"{'PDF library':14} {'text':>6} {'lines':>6} {'ms':>7}")
    for name, (module, read) in PDF_LIBRARIES.items():
        if importlib.util.find_spec(module) is None:
            print(f"{name:14} not installed")
            continue
        read(printed[0][1])  # imports and first-call set-up are not timed
        ratios, found, total, started = [], 0, 0, time.perf_counter()
        texts = [read(data) for _, data in printed]
        seconds = time.perf_counter() - started
        for (original, _), text in zip(printed, texts):
            ratios.append(difflib.SequenceMatcher(None, _plain(original), _plain(text), autojunk=False).ratio())
            lines = {line.strip() for line in text.split("\n")}
            wanted = [line.strip() for line in original.split("\n") if line.strip()]
            found, total = found + sum(line in lines for line in wanted), total + len(wanted)
        line_share = f"{found / total:6.3f}" if name == "pdfminer.six" else f"{'-':>6}"
        print(f"{name:14} {sum(ratios) / len(ratios):6.3f} {line_share} {1000 * seconds / len(printed):7.1f}")


def _fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator

    with open(path, "rb") as stream:
        return sum(len(record.reader.read()) >= 0 for record in ArchiveIterator(stream, parse_http=True))


def _warcio(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as stream:
        return sum(len(record.content_stream().read()) >= 0 for record in ArchiveIterator(stream))


WARC_READERS = {"fastwarc": ("fastwarc", _fastwarc), "warcio": ("warcio", _warcio)}


def measure_warc(n: int = 4000) -> None:
    pages = [path.read_bytes() for path in sorted((ROOT / "corpus").glob("*.txt"))]
    records = [warc_record("response", f"https://a.gov.cn/{i}", http_response(pages[i % len(pages)] + str(i).encode())) for i in range(n)]
    with tempfile.TemporaryDirectory() as folder:
        files = {"per-record": Path(folder) / "a.warc.gz", "one member": Path(folder) / "b.warc.gz", "damaged": Path(folder) / "c.warc.gz"}
        files["per-record"].write_bytes(b"".join(records))
        files["one member"].write_bytes(gzip.compress(b"".join(gzip.decompress(r) for r in records)))
        damaged = bytearray(records[n // 2])
        damaged[20:60] = bytes(40)
        files["damaged"].write_bytes(b"".join(records[: n // 2]) + bytes(damaged) + b"".join(records[n // 2 + 1 :]))
        print(f"{'WARC reader':12} {'records/s':>10} {'one member':>11} {'damaged':>22}")
        for name, (module, read) in WARC_READERS.items():
            if importlib.util.find_spec(module) is None:
                print(f"{name:12} not installed")
                continue
            started = time.perf_counter()
            read(files["per-record"])
            speed = n / (time.perf_counter() - started)
            outcome = {}
            for kind in ("one member", "damaged"):
                try:
                    outcome[kind] = f"{read(files[kind])} records"
                except Exception as exc:  # noqa: BLE001 - the reader's own error is the finding
                    outcome[kind] = type(exc).__name__
            print(f"{name:12} {speed:10.0f} {outcome['one member']:>11} {outcome['damaged']:>22}")


if __name__ == "__main__":
    measure_pdf()
    measure_warc()
