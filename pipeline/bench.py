"""The benchmark behind ``make bench``: speed and memory of the whole pipeline at scale.

It builds a synthetic corpus (``pipeline.synth``), then times full builds in fresh
processes while sampling the memory of the whole process tree:

- documents/s and characters/s with ``--jobs 1`` and ``--jobs 2``, and per stage;
- peak RSS (the process and its workers together) at N/10 and at N documents;
- a rerun with nothing changed, against the full build;
- time against document length, 1 KB … 1 MB, which must grow linearly.

Results are printed as a table and written to ``output/bench.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pipeline.synth import _parts, document, write_corpus


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def timed_build(corpus: Path, out: Path, *, jobs: int, full: bool) -> dict:
    """One `zhenggai run` in a fresh process: wall time, peak RSS of its tree, stage seconds."""
    timings = out.parent / f"{out.name}.timings.json"
    cmd = [sys.executable, "-m", "pipeline", "run", str(corpus), "--out", str(out), "--jobs", str(jobs), "--no-validate", "-q", "--timings", str(timings)]
    if full:
        cmd.append("--full")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"build failed: {' '.join(cmd)}")
    result = json.loads(timings.read_text("utf-8"))
    timings.unlink()
    return {"seconds": wall, "peak_rss_mib": round(peak / 2**20, 1), **result}


def length_curve(seed_dir: Path, sizes=(1_000, 10_000, 100_000, 1_000_000)) -> list[dict]:
    """Seconds per document of each length (one process, warm), and per character."""
    from pipeline.build import rows_of_bytes

    parts = _parts(str(seed_dir))
    base = "".join(document(parts, 7, i) for i in range(8))
    rows = []
    for size in sizes:
        text = (base * (size // len(base.encode()) + 1)).encode()[:size].decode("utf-8", "ignore")
        data = text.encode()
        repeats = max(1, 2_000_000 // size)
        rows_of_bytes(data, "bench.txt")
        started = time.perf_counter()
        for _ in range(repeats):
            rows_of_bytes(data, "bench.txt")
        seconds = (time.perf_counter() - started) / repeats
        rows.append({"bytes": size, "chars": len(text), "seconds": seconds, "us_per_char": seconds / len(text) * 1e6})
    return rows


def run_memory(n: int, work: Path, seed_dir: Path, report_path: Path) -> dict:
    """Only the memory figures: peak RSS of --jobs 2 builds of N/10 and N documents."""
    corpus, small = work / "corpus", work / "corpus-small"
    total_bytes = write_corpus(corpus, n, seed_dir=seed_dir)
    write_corpus(small, max(1, n // 10), seed_dir=seed_dir)
    report: dict = {"documents": n, "bytes": total_bytes, "cores": os.cpu_count()}
    for key, folder in (("small", small), ("jobs2", corpus)):
        shutil.rmtree(work / "out", ignore_errors=True)
        report[key] = timed_build(folder, work / "out", jobs=2, full=True)
    report["summary"] = {"peak_rss_mib_at_n": report["jobs2"]["peak_rss_mib"], "peak_rss_mib_at_n_over_10": report["small"]["peak_rss_mib"],
                         "docs_per_s_jobs2": round(n / report["jobs2"]["seconds"], 1)}
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def format_memory(report: dict) -> str:
    s, n = report["summary"], report["documents"]
    return (f"corpus: {n} synthetic documents ({report['bytes'] / 2**20:.0f} MiB) on {report['cores']} cores\n"
            f"peak RSS of the process tree, --jobs 2: {s['peak_rss_mib_at_n_over_10']} MiB at {max(1, n // 10)} documents, "
            f"{s['peak_rss_mib_at_n']} MiB at {n} ({s['docs_per_s_jobs2']} docs/s)")


def run_bench(n: int, work: Path, seed_dir: Path, report_path: Path) -> dict:
    corpus = work / "corpus"
    small = work / "corpus-small"
    started = time.perf_counter()
    total_bytes = write_corpus(corpus, n, seed_dir=seed_dir)
    write_corpus(small, max(1, n // 10), seed_dir=seed_dir)
    chars = sum(len(p.read_text("utf-8")) for p in corpus.rglob("*.txt"))
    synth_seconds = time.perf_counter() - started
    out = work / "out"
    report: dict = {"documents": n, "bytes": total_bytes, "chars": chars, "synth_seconds": round(synth_seconds, 1), "cores": os.cpu_count()}
    for jobs in (1, 2):
        shutil.rmtree(out, ignore_errors=True)
        report[f"jobs{jobs}"] = timed_build(corpus, out, jobs=jobs, full=True)
    report["rerun_unchanged"] = timed_build(corpus, out, jobs=2, full=False)
    shutil.rmtree(work / "out-small", ignore_errors=True)
    report["small"] = timed_build(small, work / "out-small", jobs=2, full=True)
    report["length_curve"] = length_curve(seed_dir)
    j1, j2 = report["jobs1"]["seconds"], report["jobs2"]["seconds"]
    report["summary"] = {
        "docs_per_s_jobs1": round(n / j1, 1),
        "chars_per_s_jobs1": round(chars / j1),
        "docs_per_s_jobs2": round(n / j2, 1),
        "scaling_jobs2_over_jobs1": round(j1 / j2, 2),
        "rerun_speedup": round(j2 / report["rerun_unchanged"]["seconds"], 1),
        "peak_rss_mib_at_n": report["jobs2"]["peak_rss_mib"],
        "peak_rss_mib_at_n_over_10": report["small"]["peak_rss_mib"],
        "length_linearity": round(report["length_curve"][-1]["us_per_char"] / report["length_curve"][1]["us_per_char"], 2),
    }
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def format_report(report: dict) -> str:
    s = report["summary"]
    n = report["documents"]
    lines = [
        f"corpus: {n} synthetic documents, {report['chars'] / 1e6:.1f} M characters ({report['bytes'] / 2**20:.0f} MiB) on {report['cores']} cores",
        "",
        f"{'build':28} {'seconds':>9} {'docs/s':>9} {'M chars/s':>10} {'peak RSS MiB':>13}",
    ]
    for key, label in (("jobs1", "full, --jobs 1"), ("jobs2", "full, --jobs 2"), ("rerun_unchanged", "rerun, nothing changed"), ("small", f"full, --jobs 2, {max(1, n // 10)} docs")):
        r = report[key]
        docs = n if key != "small" else max(1, n // 10)
        chars = report["chars"] if key != "small" else report["chars"] / 10
        lines.append(f"{label:28} {r['seconds']:9.1f} {docs / r['seconds']:9.1f} {chars / r['seconds'] / 1e6:10.2f} {r['peak_rss_mib']:13.0f}")
    lines += ["", "stage seconds per document (--jobs 1, summed over the workers' documents):"]
    stages = report["jobs1"].get("stages", {})
    for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {stage:12} {seconds / n * 1000:8.2f} ms   {n / seconds if seconds else float('inf'):10.0f} docs/s")
    lines += ["", "time against document length:"]
    for row in report["length_curve"]:
        lines.append(f"  {row['bytes']:>9} bytes  {row['seconds'] * 1000:9.2f} ms  {row['us_per_char']:6.2f} µs/char")
    lines += [
        "",
        f"scaling --jobs 2 / --jobs 1: {s['scaling_jobs2_over_jobs1']}×   rerun speed-up: {s['rerun_speedup']}×   "
        f"µs/char at 1 MB over 10 KB: {s['length_linearity']}   peak RSS at N/10 → N: {s['peak_rss_mib_at_n_over_10']} → {s['peak_rss_mib_at_n']} MiB",
    ]
    return "\n".join(lines)
