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
KIND_TABLE = {"problem": "problems", "measure": "measures", "date": "dates", "indicator": "indicators", "policy_ref": "policy_refs", "outcome": "outcomes", "organization": "organizations"}

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
    assert len(charts) == 5 and all(c.size["height"] > 50 for c in charts)
    research = browser.find_elements(By.CSS_SELECTOR, "table.research tbody tr")
    assert len(research) == pl.read_parquet(dataset / "documents.parquet").height
    shot = shots / "index.png"
    browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")


def test_document_page_highlights_every_row(site, dataset, browser, shots):
    from selenium.webdriver.common.by import By

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
