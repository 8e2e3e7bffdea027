"""Time each stage against input size, to show that none grows faster than linearly.

    python benchmarks/linear_time.py [--max-mb 10]

Inputs of 10 KB … 10 MB of several shapes: the corpus documents repeated (real notices), and
adversarial text (one line without punctuation, unmatched 《, 一是 repeated, a run of spaces,
markers nested on every line).  For each stage it prints the time in ms and µs per KB, and the
growth: time per KB at the largest size divided by time per KB at 1/10 of it (1.0 is linear; a
quadratic stage shows about 10).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.build import extract_bytes  # noqa: E402
from pipeline.extract.dates import find_dates  # noqa: E402
from pipeline.extract.document import extract_document  # noqa: E402
from pipeline.extract.indicators import find_indicators  # noqa: E402
from pipeline.extract.policy_refs import find_policy_refs  # noqa: E402
from pipeline.normalize import canonicalize, decode  # noqa: E402
from pipeline.segment import segment  # noqa: E402

KB = 1024


def _corpus_text() -> str:
    return "\n".join(p.read_text("utf-8") for p in sorted((ROOT / "corpus").glob("*.txt")))


SHAPES = {
    "corpus": lambda: _corpus_text(),
    "one_line": lambda: "整改落实情况推进有力成效明显持续巩固深化长效机制建设工作",
    "unmatched_《": lambda: "落实《",
    "一是×n": lambda: "一是",
    "spaces": lambda: "甲" + " " * 4000 + "乙\n",
    "nested": lambda: "".join(f"{' ' * (i % 8)}{m}整改落实2024年6月完成3项\n" for i, m in enumerate(("一、", "(一)", "1.", "一是", "(1)", "①"))),
}


def make(shape: str, size: int) -> bytes:
    unit = SHAPES[shape]().encode("utf-8")
    data = unit * (size // len(unit) + 1)
    return data[:size].decode("utf-8", errors="ignore").encode("utf-8")


def stages(data: bytes) -> dict[str, float]:
    times: dict[str, float] = {}

    def timed(name, fn, *args, **kwargs):
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        times[name] = time.perf_counter() - started
        return result

    decoded = timed("decode", decode, data, "x.txt", max_bytes=1 << 30)
    canon = timed("normalize", canonicalize, decoded.raw_text)
    timed("segment", segment, canon.text, "inspection_rectification", match_text=canon.match)
    timed("dates", find_dates, canon.text, match_text=canon.match)
    timed("indicators", find_indicators, canon.text, match_text=canon.match)
    timed("policy_refs", find_policy_refs, canon.text, match_text=canon.match)
    timed("extract (all)", extract_document, decoded, canon)
    started = time.perf_counter()
    extract_bytes(data, "x.txt", max_bytes=1 << 30)
    times["whole"] = time.perf_counter() - started
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-mb", type=float, default=10)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    args = parser.parse_args()
    sizes = [s for s in (10 * KB, 100 * KB, 1024 * KB, 10 * 1024 * KB) if s <= args.max_mb * 1024 * KB]
    worst = 0.0
    for shape in args.shapes.split(","):
        print(f"\n## {shape}")
        results: dict[int, dict[str, float]] = {}
        for size in sizes:
            results[size] = stages(make(shape, size))
            if results[size]["whole"] > 60 and size != sizes[-1]:
                print(f"(stopped after {size // KB} KB: the next size would take too long)")
                break
        sizes_done = list(results)
        if len(sizes_done) < len(sizes):
            worst = max(worst, 10.0)
        names = list(results[sizes[0]])
        print(f"{'stage':14}" + "".join(f"{s // KB:>10} KB" for s in sizes_done) + "   µs/KB at each size" + " " * 12 + "growth")
        for name in names:
            per_kb = [results[s][name] * 1e6 / (s / KB) for s in sizes_done]
            growth = per_kb[-1] / max(per_kb[-2], 1e-9) if len(sizes_done) > 1 else 1.0
            # Below a few milliseconds the clock, not the stage, decides: no growth is read there.
            if results[sizes_done[-1]][name] < 0.005:
                growth = 1.0
            worst = max(worst, growth)
            print(f"{name:14}" + "".join(f"{results[s][name] * 1000:11.1f}ms" for s in sizes_done) + "   " + " ".join(f"{x:8.1f}" for x in per_kb) + f"   {growth:6.2f}")
    verdict = "linear" if worst < 2.5 else "SUPERLINEAR"
    print(f"\nworst growth between the two largest sizes: {worst:.2f} → {verdict}")
    sys.exit(0 if verdict == "linear" else 1)


if __name__ == "__main__":
    main()
