"""End-to-end speed on the real notices, validation included, against another commit in the same run.

The five reference notices (``corpus/``) are repeated to ``--n`` documents. Each copy is made
unique by trailing spaces on its first lines (the index in binary): the canonical text strips them,
so every copy is extracted in full (no cache or duplicate shortcut applies) and gives the same rows.

Each round builds the corpus with ``zhenggai run --jobs 1 --full`` (validation included) from every
checkout named, one after the other, so that a shared, noisy machine affects them alike. Speed is
documents per CPU-second of the whole process (user + system, from the kernel's accounting of
the child); peak memory is the child's maximum resident set.

    python benchmarks/core_speed.py --n 10000 --baseline 96ad268 --rounds 2

``--baseline REV`` (repeatable) checks REV out beside the work folder (``git worktree``) and installs its
pinned environment once; later runs reuse it. ``--sizes 10000,100000`` measures peak memory at
several corpus sizes (the current checkout only).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_corpus(folder: Path, n: int) -> Path:
    """``n`` copies of the reference notices in folders of 500, each unique by trailing spaces."""
    marker = folder / f".complete-{n}"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    notices = sorted((ROOT / "corpus").glob("*.txt"))
    texts = [p.read_text("utf-8").split("\n") for p in notices]
    for i in range(n):
        lines = list(texts[i % len(texts)])
        for bit in range(min(len(lines), 20)):  # the index in binary, one trailing space per set bit
            if i >> bit & 1:
                lines[bit] += " "
        path = folder / f"{i // 500:04d}" / f"{i:07d}_{notices[i % len(notices)].name}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), "utf-8")
    marker.touch()
    return folder


def checkout(rev: str, work: Path) -> Path:
    """A checkout of ``rev`` with its pinned environment installed (reused when present)."""
    commit = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    target = work / f"baseline-{commit}"
    if not (target / ".venv" / ".installed-stamp").exists():
        if not target.exists():
            subprocess.run(["git", "worktree", "add", "--detach", "-f", str(target), commit], cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["make", "-s", ".venv/.installed-stamp"], cwd=target, check=True)
    return target


def build(root: Path, corpus: Path, out: Path) -> dict:
    """One full build with validation, in a child process: CPU seconds, wall seconds, peak RSS."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(root / ".venv" / "bin" / "zhenggai"), "run", str(corpus), "--out", str(out), "--jobs", "1", "-q", "--full"]
    started = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=root)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"build failed with exit code {code}: {' '.join(cmd)}")
    shutil.rmtree(out, ignore_errors=True)
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024}


def speed(args: argparse.Namespace) -> list[dict]:
    corpus = write_corpus(args.work / "corpus", args.n)
    roots = {"current": ROOT}
    for rev in args.baseline or []:
        roots[f"baseline {rev}"] = checkout(rev, args.work)
    results = []
    for round_ in range(1, args.rounds + 1):
        for name, root in roots.items():
            figures = build(root, corpus, args.work / "out")
            figures |= {"round": round_, "checkout": name, "documents": args.n, "docs_per_cpu_s": args.n / figures["cpu_s"]}
            results.append(figures)
            print(f"round {round_}  {name:<22} {figures['docs_per_cpu_s']:7.1f} docs/s per core   "
                  f"cpu {figures['cpu_s']:7.1f} s   wall {figures['wall_s']:7.1f} s   peak {figures['peak_rss_mb']:6.0f} MB", flush=True)
    return results


def memory(args: argparse.Namespace) -> list[dict]:
    results = []
    for n in sorted(int(s) for s in args.sizes.split(",")):
        corpus = write_corpus(args.work / f"corpus-{n}", n)
        figures = build(ROOT, corpus, args.work / "out") | {"documents": n}
        results.append(figures)
        print(f"{n:>8} documents   peak {figures['peak_rss_mb']:6.0f} MB   {n / figures['cpu_s']:7.1f} docs/s per core", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="documents in the corpus (default 10 000)")
    parser.add_argument("--rounds", type=int, default=2, help="builds per checkout, interleaved (default 2)")
    parser.add_argument("--baseline", action="append", help="a commit to measure beside the current checkout in the same run (repeatable)")
    parser.add_argument("--sizes", help="comma-separated corpus sizes: peak memory of the current checkout at each")
    parser.add_argument("--work", type=Path, default=ROOT / "output" / "bench-core", help="folder for corpora, checkouts and builds")
    parser.add_argument("--report", type=Path, default=ROOT / "output" / "bench-core.json", help="where the figures are written as JSON")
    args = parser.parse_args()
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    results = memory(args) if args.sizes else speed(args)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(results, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    sys.exit(main())
