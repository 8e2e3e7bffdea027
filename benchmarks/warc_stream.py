"""Does a large WARC.gz stream through in bounded memory, and how fast?

1. Writes a WARC.gz of ``--mb`` megabytes (gzip per record, as wget and Heritrix write them):
   for each page a request record and an HTML response of a synthetic notice (``zhenggai synth``'s
   generator, median 24 KB of text), so a third of the records is skipped as it would be in a crawl.
2. Reads it whole with the container reader alone (records/s, MB/s, peak RSS of that process).
3. Builds the dataset (``zhenggai run FILE --full -j 2``) from WARC.gz files holding the first
   ``--pages`` and 3 × ``--pages`` pages, sampling the resident memory of the build and its
   workers: the peak must not grow with the file.

    python benchmarks/warc_stream.py --mb 1024 --pages 300

Results are printed and written to ``output/bench-warc.json``.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pipeline.inputs.containers import read_container  # noqa: E402
from pipeline.synth import _parts, document  # noqa: E402
from variants import http_response, warc_record  # noqa: E402


POOL = 1000


def _page(text: str) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(line)}</p>\n" for line in text.split("\n") if line.strip())
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><div id="zoom">\n{paragraphs}</div></body></html>'.encode()


def write_warc(path: Path, *, max_bytes: int | None = None, pages: int | None = None) -> int:
    """Pages until the file reaches ``max_bytes`` or holds ``pages`` pages; returns the count."""
    parts = _parts(str(ROOT / "corpus"))
    pool: dict[int, str] = {}  # each notice made once: generating every page would take longer than reading
    n = written = 0
    with open(path, "wb") as out:
        while (max_bytes is None or written < max_bytes) and (pages is None or n < pages):
            url = f"https://www.example.gov.cn/zwgk/{n}.html"
            if n % POOL not in pool:
                pool[n % POOL] = document(parts, 0, n % POOL)
            text = pool[n % POOL] if n < POOL else f"{pool[n % POOL]}\n(第{n}号)"  # distinct bytes for every page
            body = _page(text)
            record = warc_record("request", url, f"GET /zwgk/{n}.html HTTP/1.1\r\n\r\n".encode(), content_type="application/http; msgtype=request")
            record += warc_record("response", url, http_response(body))
            out.write(record)
            written += len(record)
            n += 1
    return n


def read_only(path: Path) -> dict:
    """Stream every record through the reader in a fresh process; its peak RSS and speed."""
    code = (
        "import json,resource,sys,time\n"
        f"sys.path[:0]={[str(ROOT)]!r}\n"
        "from collections import Counter\nfrom pathlib import Path\n"
        "from pipeline.inputs.containers import read_container\n"
        "t=time.perf_counter();c=Counter();n=b=0\n"
        f"for e in read_container(Path({str(path)!r}),'x',max_bytes=1<<24,skipped=c):\n"
        "    n+=1;b+=len(e.data or b'')\n"
        "s=time.perf_counter()-t\n"
        "print(json.dumps({'pages':n,'skipped':sum(c.values()),'seconds':s,'payload_mb':b/2**20,"
        "'peak_rss_mb':resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}))\n"
    )
    result = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    records = result["pages"] + result["skipped"]
    result.update(records=records, records_per_s=records / result["seconds"], mb_per_s=path.stat().st_size / 2**20 / result["seconds"])
    return result


def build(path: Path, out: Path) -> dict:
    """``zhenggai run`` on one WARC.gz, with the peak resident memory of the build and its workers."""
    import psutil

    started = time.perf_counter()
    process = psutil.Popen([sys.executable, "-m", "pipeline", "run", str(path), "--out", str(out), "--full", "-j", "2", "-q", "--no-validate"], cwd=ROOT)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"zhenggai run failed on {path}")
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    pages = len(manifest["inputs"])
    records = pages + sum(manifest["skipped_records"].values())
    return {"pages": pages, "records": records, "seconds": seconds, "pages_per_s": pages / seconds, "records_per_s": records / seconds, "peak_rss_mb": peak / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of the WARC.gz read by the reader alone")
    parser.add_argument("--pages", type=int, default=300, help="pages of the smaller WARC.gz built by the pipeline (the larger holds 3 ×)")
    parser.add_argument("--work", type=Path, default=ROOT / "output" / "bench-warc")
    parser.add_argument("--report", type=Path, default=ROOT / "output" / "bench-warc.json")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    big = args.work / "big.warc.gz"
    started = time.perf_counter()
    pages = write_warc(big, max_bytes=args.mb * 2**20)
    print(f"wrote {big.stat().st_size / 2**20:.0f} MB, {pages} pages, in {time.perf_counter() - started:.0f} s", flush=True)
    reader = read_only(big)
    print(f"reader: {reader['records']} records in {reader['seconds']:.1f} s = {reader['records_per_s']:.0f} records/s, "
          f"{reader['mb_per_s']:.0f} MB/s, peak RSS {reader['peak_rss_mb']:.0f} MB", flush=True)
    big.unlink()
    builds = {}
    for n in (args.pages, 3 * args.pages):
        path = args.work / f"pages-{n}.warc.gz"
        write_warc(path, pages=n)
        builds[n] = build(path, args.work / f"out-{n}")
        b = builds[n]
        print(f"build of {n} pages ({path.stat().st_size / 2**20:.1f} MB): {b['records_per_s']:.0f} records/s "
              f"({b['pages_per_s']:.1f} pages/s), peak RSS of build and workers {b['peak_rss_mb']:.0f} MB", flush=True)
    per_gb = reader["records"] / (args.mb / 1024)
    small, large = builds[args.pages], builds[3 * args.pages]
    report = {"reader": reader, "builds": {str(k): v for k, v in builds.items()},
              "records_per_gb": per_gb, "build_hours_per_gb": per_gb / large["records_per_s"] / 3600,
              "peak_rss_growth_mb": large["peak_rss_mb"] - small["peak_rss_mb"]}
    print(f"a 1 GB WARC.gz holds about {per_gb:.0f} records: the build would take {report['build_hours_per_gb']:.1f} h on 2 cores; "
          f"peak RSS grew by {report['peak_rss_growth_mb']:.0f} MB from {args.pages} to {3 * args.pages} pages")
    args.report.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
