"""The review site of a large synthetic build in headless Chromium: the index pages, filters,
sorts and searches; a document opens and its highlights work.  Load and filter times are
printed (pytest -s), not asserted; the index data and the whole site have size budgets.

Runs on the dataset named by ZHENGGAI_SCALE_DATASET (``make test-browser-scale`` builds one of
10 000 synthetic documents); skipped without it.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import polars as pl
import pytest

from test_browser import CHROMEDRIVER, CHROMIUM, REQUIRED, browser, shots  # noqa: F401  (shared fixtures)

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
def site(dataset, tmp_path_factory) -> Path:
    from pipeline.review import build_site

    out = tmp_path_factory.mktemp("scale-site")
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
    from pipeline.validate import validate

    browser.get((site / "index.html").as_uri())
    _wait(browser, "ready")
    link = browser.find_element(By.CSS_SELECTOR, "a.doc-link")
    doc_id = re.search(r"([0-9a-f]{16})\.html", link.get_attribute("href")).group(1)
    link.click()
    _wait(browser, "ready")
    document, rows = next((d, r) for d, r in by_document(dataset) if d["doc_id"] == doc_id)
    expected = highlight(document["text"], marks(rows, locate_findings(validate(dataset).findings)))
    assert browser.execute_script("return window.zgHighlighted") == expected  # the browser draws what the Python reference does
    mark = browser.find_elements(By.CSS_SELECTOR, ".hl.k-problem, .hl.k-measure")[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", mark)
    mark.click()
    assert browser.find_element(By.ID, "detail").get_attribute("data-shown") == mark.get_attribute("data-id")
    browser.save_screenshot(str(shots / "scale-document.png"))
    print(f"screenshot: {shots / 'scale-document.png'}")
