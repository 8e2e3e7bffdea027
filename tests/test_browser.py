"""The review site in a real browser: headless Chromium, driven by selenium through chromedriver.

Skipped when Chromium or its driver is not installed (``make test-browser`` installs them).
Screenshots go to a temporary folder; their paths are printed (pytest -s shows them).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import polars as pl
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

# make test-browser sets ZHENGGAI_REQUIRE_BROWSER: there a missing browser fails instead of skipping
REQUIRED = os.environ.get("ZHENGGAI_REQUIRE_BROWSER") == "1"
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER) and not REQUIRED, reason="no chromium/chromedriver installed (make test-browser installs them)")


@pytest.fixture(scope="module")
def site(dataset, tmp_path_factory) -> Path:
    from pipeline.review import build_site

    out = tmp_path_factory.mktemp("review")
    build_site(dataset, out)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1500,1000", f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(3)  # a document page draws its highlights once its rows are unpacked
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots() -> Path:
    return Path(tempfile.mkdtemp(prefix="zhenggai-screenshots-"))


def test_index_lists_every_document_with_charts(site, dataset, browser, shots):
    from selenium.webdriver.common.by import By

    browser.get((site / "index.html").as_uri())
    links = browser.find_elements(By.CSS_SELECTOR, "a.doc-link")
    assert len(links) == pl.read_parquet(dataset / "documents.parquet").height
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    assert len(charts) >= 5 and all(c.size["height"] > 50 for c in charts)
    research = browser.find_elements(By.CSS_SELECTOR, "table.research tbody tr")
    assert len(research) == pl.read_parquet(dataset / "documents.parquet").height
    shot = shots / "index.png"
    browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")


def test_document_page_highlights_every_row(site, dataset, browser, shots):
    from selenium.webdriver.common.by import By

    from pipeline.review.markup import KIND_TABLE

    documents = pl.read_parquet(dataset / "documents.parquet").sort("source")
    doc_id = documents.filter(pl.col("n_problems") > 0)["doc_id"][-1]  # a rectification notice with every kind
    browser.get((site / f"{doc_id}.html").as_uri())
    for kind, table in KIND_TABLE.items():
        expected = pl.read_parquet(dataset / f"{table}.parquet").filter(pl.col("doc_id") == doc_id).height
        found = browser.find_elements(By.CSS_SELECTOR, f".hl.k-{kind}")
        assert len(found) == expected, f"{kind}: {len(found)} highlights, {expected} rows"
        assert len({el.get_attribute("data-id") for el in found}) == expected
    indicator = browser.find_elements(By.CSS_SELECTOR, ".hl.k-indicator")[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", indicator)
    indicator.click()
    panel = browser.find_element(By.ID, "detail")
    assert panel.get_attribute("data-shown") == indicator.get_attribute("data-id")
    assert "→" in panel.find_element(By.CSS_SELECTOR, ".summary").text
    assert "value_normalized" in panel.text
    organization = browser.find_elements(By.CSS_SELECTOR, ".hl.k-organization")[0]
    assert organization.get_attribute("data-kind") == "organization"
    assert " · " in organization.get_attribute("title") and "level" in organization.get_attribute("title")
    shot = shots / f"document-{doc_id}.png"
    browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")


def test_an_outcome_says_its_kind_on_hover(site, dataset, browser, shots):
    from selenium.webdriver.common.by import By

    outcome = pl.read_parquet(dataset / "outcomes.parquet").row(0, named=True)
    browser.get((site / f"{outcome['doc_id']}.html").as_uri())
    mark = browser.find_element(By.ID, f"r-{outcome['outcome_id']}")
    assert outcome["kind"] in mark.get_attribute("title")
    assert mark.value_of_css_property("background-color") != browser.find_element(By.CSS_SELECTOR, ".hl.k-indicator").value_of_css_property("background-color")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", mark)
    shot = shots / f"outcome-{outcome['doc_id']}.png"
    browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")


def test_outline_jumps_to_a_problem(site, dataset, browser):
    from selenium.webdriver.common.by import By

    doc_id = pl.read_parquet(dataset / "problems.parquet")["doc_id"][0]
    browser.get((site / f"{doc_id}.html").as_uri())
    link = browser.find_elements(By.CSS_SELECTOR, "nav.outline li.problem a")[-1]
    target_id = link.get_attribute("href").split("#", 1)[1]
    link.click()
    target = browser.find_element(By.ID, target_id)
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", target)
    assert 0 <= top < 200, "the problem is scrolled to the top of the window"


def test_pages_draw_what_the_reference_highlighting_gives(site, dataset, browser):
    """review.js draws each page's highlights from its packed rows; markup.highlight is the reference."""
    from selenium.webdriver.common.by import By

    from pipeline.review.markup import highlight
    from pipeline.review.page import marks
    from pipeline.review.site import locate_findings
    from pipeline.review.stream import by_document
    from pipeline.validate import validate

    located = locate_findings(validate(dataset).findings)
    for document, rows in by_document(dataset):
        browser.get((site / f"{document['doc_id']}.html").as_uri())
        browser.find_element(By.CSS_SELECTOR, "body[data-ready]")
        assert browser.execute_script("return window.zgHighlighted") == highlight(document["text"], marks(rows, located)), document["source"]


def test_index_filters_sorts_and_searches(site, dataset, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    documents = pl.read_parquet(dataset / "documents.parquet")
    browser.get((site / "index.html").as_uri())
    status = browser.find_element(By.ID, "status")
    assert status.text == f"{documents.height} of {documents.height} documents"
    doc_type = documents["doc_type"].mode().sort()[0]
    Select(browser.find_element(By.ID, "f-doc_type")).select_by_visible_text(f"{doc_type} ({(documents['doc_type'] == doc_type).sum()})")
    assert status.text.startswith(f"{(documents['doc_type'] == doc_type).sum()} of ")
    Select(browser.find_element(By.ID, "f-doc_type")).select_by_index(0)
    browser.find_element(By.CSS_SELECTOR, 'th[data-sort="n_problems"]').click()
    browser.find_element(By.CSS_SELECTOR, 'th[data-sort="n_problems"]').click()
    first = browser.find_element(By.CSS_SELECTOR, "#documents tbody tr a.doc-link").text
    assert first == documents.sort("n_problems", descending=True)["source"].map_elements(lambda s: s.rsplit("/", 1)[-1].rsplit(".", 1)[0], return_dtype=pl.String)[0]
    from pipeline.review.markup import clip

    browser.find_element(By.ID, "q").send_keys("企业")
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return document.body.dataset.problems"))
    problems = pl.read_parquet(dataset / "problems.parquet").iter_rows(named=True)
    with_phrase = {p["doc_id"] for p in problems if "企业" in clip(p["problem"] or p["title"] or p["text"], 40)}
    with_phrase |= set(documents.filter(pl.col("title").fill_null("").str.contains("企业"))["doc_id"])
    assert with_phrase and status.text.startswith(f"{len(with_phrase)} of ")
