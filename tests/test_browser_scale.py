"""The review site of a large synthetic build in headless Chromium: the index pages, filters,
sorts and searches; a document opens and its highlights work.  Load and filter times are
printed (pytest -s), not asserted; the index data and the whole site have size budgets.

Runs on the dataset named by ZHENGGAI_SCALE_DATASET (``make test-browser-scale`` builds one of
10 000 synthetic documents); skipped without it.  ZHENGGAI_SCALE_SITE names a folder for the
site (default a temporary one): a site already there (``zhenggai review DATASET --out FOLDER``) is
used as it is, else it is built there.  ZHENGGAI_SCALE_SHOTS names a folder for the screenshots.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import polars as pl
import pytest

from test_browser import CHROMEDRIVER, CHROMIUM, REQUIRED, browser  # noqa: F401  (shared fixtures)

SCALE = os.environ.get("ZHENGGAI_SCALE_DATASET")
pytestmark = [
    pytest.mark.skipif(not SCALE, reason="ZHENGGAI_SCALE_DATASET names no dataset (make test-browser-scale builds one)"),
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER) and not REQUIRED, reason="no chromium/chromedriver installed"),
]
INDEX_DATA_BUDGET = 2 * 2**20
SITE_BUDGET = 3  # × the Parquet files


@pytest.fixture(scope="module")
def dataset() -> Path:
    return Path(SCALE)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("ZHENGGAI_SCALE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder) if folder else tmp_path_factory.mktemp("scale-shots")


@pytest.fixture(scope="module")
def site(dataset, tmp_path_factory) -> Path:
    from pipeline.review import build_site

    out = Path(os.environ.get("ZHENGGAI_SCALE_SITE") or tmp_path_factory.mktemp("scale-site"))
    if (out / "index.html").is_file():
        return out
    started = time.perf_counter()
    build_site(dataset, out)
    print(f"\nsite of {pl.scan_parquet(dataset / 'documents.parquet').select(pl.len()).collect().item()} documents built in {time.perf_counter() - started:.1f} s")
    return out


def _wait(browser, attribute: str, seconds: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, seconds).until(lambda b: b.execute_script(f"return document.body.dataset.{attribute}"))


def _status(browser) -> int:
    from selenium.webdriver.common.by import By

    return int(browser.find_element(By.ID, "status").text.split(" of ")[0])


def test_sizes(site, dataset):
    index_data = (site / "index-data.js").stat().st_size
    site_bytes = sum(p.stat().st_size for p in site.iterdir())
    parquet = sum(p.stat().st_size for p in dataset.glob("*.parquet"))
    print(f"\nindex data {index_data / 2**20:.2f} MiB, search data {(site / 'search-data.js').stat().st_size / 2**20:.2f} MiB, "
          f"site {site_bytes / 2**20:.1f} MiB = {site_bytes / parquet:.2f} × the Parquet files ({parquet / 2**20:.1f} MiB)")
    assert index_data <= INDEX_DATA_BUDGET
    assert site_bytes <= SITE_BUDGET * parquet


def test_index_loads_and_filters(site, dataset, browser, shots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    documents = pl.read_parquet(dataset / "documents.parquet", columns=["doc_id", "province", "n_problems"])
    started = time.perf_counter()
    browser.get((site / "index.html").as_uri())
    _wait(browser, "ready")
    print(f"\nindex: page loaded and first table drawn in {time.perf_counter() - started:.2f} s (script {browser.execute_script('return document.body.dataset.loadMs')} ms)")
    assert _status(browser) == documents.height
    province = documents["province"].drop_nulls().mode().sort()[0]
    select = Select(browser.find_element(By.ID, "f-province"))
    started = time.perf_counter()
    select.select_by_visible_text(next(o.text for o in select.options if o.text.startswith(province + " (")))
    shown = _status(browser)
    print(f"filter province={province}: {shown} documents in {browser.execute_script('return document.body.dataset.filterMs')} ms (round trip {time.perf_counter() - started:.2f} s)")
    assert shown == documents.filter(pl.col("province") == province).height
    cells = browser.find_elements(By.CSS_SELECTOR, "#documents tbody tr td:nth-child(4)")
    assert cells and all(c.text == province for c in cells)
    browser.find_element(By.CSS_SELECTOR, 'th[data-sort="n_problems"]').click()
    browser.find_element(By.CSS_SELECTOR, 'th[data-sort="n_problems"]').click()  # descending
    top = int(browser.find_element(By.CSS_SELECTOR, "#documents tbody tr td:nth-child(8)").text)
    assert top == documents.filter(pl.col("province") == province)["n_problems"].max()
    browser.find_element(By.CSS_SELECTOR, 'nav.pager button[data-page="1"]').click()
    assert browser.find_element(By.ID, "page").text.startswith("page 2 of")
    browser.save_screenshot(str(shots / "scale-index.png"))
    print(f"screenshot: {shots / 'scale-index.png'}")


def test_search_finds_titles_and_problems(site, dataset, browser):
    from selenium.webdriver.common.by import By

    from pipeline.review.markup import clip

    problems = pl.read_parquet(dataset / "problems.parquet", columns=["doc_id", "problem", "title", "text"])
    phrase = next(p for p in problems["problem"].drop_nulls() if len(p) >= 6)[:4]
    documents = pl.read_parquet(dataset / "documents.parquet", columns=["doc_id", "title", "source"])
    in_problems = {
        row["doc_id"] for row in problems.iter_rows(named=True) if phrase in clip(row["problem"] or row["title"] or row["text"], 40)
    }
    expected = sum(
        1 for d in documents.iter_rows(named=True) if d["doc_id"] in in_problems or phrase in (d["title"] or "") or phrase in Path(d["source"]).stem
    )
    browser.get((site / "index.html").as_uri())
    _wait(browser, "ready")
    started = time.perf_counter()
    browser.find_element(By.ID, "q").send_keys(phrase)
    _wait(browser, "problems")
    print(f"\nsearch {phrase!r}: problems loaded and searched in {time.perf_counter() - started:.2f} s, {_status(browser)} documents")
    assert _status(browser) == expected > 0


def test_open_a_document_and_click_a_highlight(site, dataset, browser, shots):
    from selenium.webdriver.common.by import By

    from pipeline.review.markup import highlight
    from pipeline.review.page import marks
    from pipeline.review.site import locate_findings
    from pipeline.review.stream import by_document
    from pipeline.validate import check_document

    browser.get((site / "index.html").as_uri())
    _wait(browser, "ready")
    link = browser.find_element(By.CSS_SELECTOR, "a.doc-link")
    doc_id = re.search(r"([0-9a-f]{16})\.html", link.get_attribute("href")).group(1)
    link.click()
    _wait(browser, "ready")
    document, rows = next((d, r) for d, r in by_document(dataset) if d["doc_id"] == doc_id)
    expected = highlight(document["text"], marks(rows, locate_findings(check_document(document, rows))))
    assert browser.execute_script("return window.zgHighlighted") == expected  # the browser draws what the Python reference does
    mark = browser.find_elements(By.CSS_SELECTOR, ".hl.k-problem, .hl.k-measure")[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", mark)
    mark.click()
    assert browser.find_element(By.ID, "detail").get_attribute("data-shown") == mark.get_attribute("data-id")
    browser.save_screenshot(str(shots / "scale-document.png"))
    print(f"screenshot: {shots / 'scale-document.png'}")


# the boxes of two SVG text elements of one chart that overlap by more than a pixel each way
OVERLAPS = """
const boxes = [...arguments[0].querySelectorAll('text')].filter(t => t.textContent.trim())
  .map(t => [t.textContent, t.getBoundingClientRect()]);
const out = [];
for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
  const [a, r] = boxes[i], [b, q] = boxes[j];
  if (Math.min(r.right, q.right) - Math.max(r.left, q.left) > 1 && Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top) > 1) out.push(a + ' × ' + b);
}
return out;
"""


def test_charts_are_legible(site, browser, shots):
    """Every chart has its labels and no two of its texts overlap, whatever the collection's size."""
    from selenium.webdriver.common.by import By

    browser.get((site / "index.html").as_uri())
    _wait(browser, "ready")
    figures = browser.find_elements(By.CSS_SELECTOR, "figure.chart")
    assert len(figures) >= 8
    for figure in figures:
        svg = figure.find_element(By.TAG_NAME, "svg")
        browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", figure)
        name = svg.get_attribute("id") or figure.find_element(By.TAG_NAME, "figcaption").text
        figure.screenshot(str(shots / f"scale-{name}.png"))
        print(f"\nscreenshot: {shots / f'scale-{name}.png'}", end="")
        assert browser.execute_script(OVERLAPS, svg) == [], name
        assert "e+" not in svg.text and not re.search(r"1e\d", svg.text), f"{name}: numbers in scientific notation"
