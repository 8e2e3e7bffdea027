"""The index charts of a collection larger than any built here, and a screenshot of them.

    python benchmarks/review_charts.py DATASET --documents 100000 --out DIR

The aggregates of DATASET (every document read once, as the review site does) are scaled to
``--documents``: each count multiplied by documents ÷ the dataset's documents, each per-document
distribution repeated as often.  That is a collection with the same make-up as DATASET, not one
that was built; what it shows is how the charts read at that size.  The charts are written to
DIR/charts.html beside the site's CSS, and screenshot in headless Chromium when selenium,
chromium and chromedriver are there (DIR/charts.png).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections import Counter
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.review.index import Aggregates, IndexData, chart_figures  # noqa: E402
from pipeline.review.shared import page  # noqa: E402
from pipeline.review.stream import by_document  # noqa: E402


def scaled(aggregates: Aggregates, factor: int) -> Aggregates:
    counters = {name: Counter({k: v * factor for k, v in getattr(aggregates, name).items()}) for name in ("provinces", "years", "indicators", "actions", "functions", "dates")}
    lists = {name: getattr(aggregates, name) * factor for name in ("problems", "stated", "computed")}
    return Aggregates(**counters, **lists)


def screenshot(html: Path, png: Path) -> bool:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        return False
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1500,2600"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    try:
        driver.get(html.resolve().as_uri())
        driver.save_screenshot(str(png))
    finally:
        driver.quit()
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with open(os.devnull, "w", encoding="utf-8") as search:  # the search data is not needed here
        data = IndexData(search)
        for document, rows in by_document(args.dataset):
            data.add(document, rows, 0, False)
    factor = max(1, round(args.documents / len(data.entries)))
    figures = chart_figures(scaled(data.aggregates, factor))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "review.css").write_text(resources.files("pipeline.review").joinpath("review.css").read_text("utf-8"), encoding="utf-8")
    body = "".join(f'<figure class="chart"><figcaption>{title}</figcaption>{svg}</figure>' for title, svg in figures)
    note = f"The aggregates of {len(data.entries)} documents, scaled ×{factor} to {len(data.entries) * factor} documents."
    (args.out / "charts.html").write_text(page("charts", f'<main class="index"><p class="meta">{note}</p><div class="charts">{body}</div></main>'), encoding="utf-8")
    shot = screenshot(args.out / "charts.html", args.out / "charts.png")
    print(note, f"→ {args.out / 'charts.html'}" + (f", {args.out / 'charts.png'}" if shot else ""))


if __name__ == "__main__":
    main()
