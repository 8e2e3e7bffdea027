"""Datasette on the exported database: a real server on 127.0.0.1, its JSON API, and a screenshot.

The server runs under ``timeout`` so that it stops by itself even if the test run is killed.
Skipped when datasette (the ``explore`` extra) is not installed; the screenshot also needs
Chromium (``make test-browser`` installs it and requires it).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("datasette")

from test_browser import CHROMIUM, CHROMEDRIVER, REQUIRED, browser, shots  # noqa: E402,F401  (shared fixtures)

SERVER_SECONDS = 300  # the server's whole life, whatever happens to the test run


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(dataset, tmp_path_factory):
    from pipeline.export import export_sqlite
    from pipeline.review import build_site

    out = tmp_path_factory.mktemp("explore")
    database, metadata = export_sqlite(dataset, out / "sqlite")
    build_site(dataset, out / "review")
    port = _free_port()
    command = [
        "timeout", str(SERVER_SECONDS), sys.executable, "-m", "datasette", "serve", str(database),
        "--metadata", str(metadata), "--static", f"review:{out / 'review'}", "--host", "127.0.0.1", "--port", str(port),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, server)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_for(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"datasette exited with {server.returncode}: {server.stderr.read()[-2000:]}")
        try:
            urllib.request.urlopen(f"{base}/-/versions.json", timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"datasette did not answer within {seconds} s")


def get(base: str, path: str, **params) -> bytes:
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{base}{urllib.parse.quote(path)}{'?' + query if query else ''}", timeout=30) as response:
        return response.read()


def _containing(dataset: Path, table: str, columns: tuple[str, ...], phrase: str) -> list[str]:
    frame = pl.read_parquet(dataset / f"{table}.parquet")
    hit = pl.any_horizontal(pl.col(c).fill_null("").str.contains(phrase, literal=True) for c in columns)
    return sorted(frame.filter(hit)["problem_id" if table == "problems" else "doc_id"].to_list())


def test_facet_counts_documents_by_type(served, dataset):
    payload = json.loads(get(served, "/zhenggai/documents.json", _facet="doc_type", _size="0"))
    facet = {entry["value"]: entry["count"] for entry in payload["facet_results"]["doc_type"]["results"]}
    expected = dict(pl.read_parquet(dataset / "documents.parquet")["doc_type"].value_counts().iter_rows())
    assert facet == expected


def test_full_text_search_finds_its_problems(served, dataset):
    rows = json.loads(get(served, "/zhenggai/problems.json", _search="营商环境", _shape="array", _size="max"))
    expected = _containing(dataset, "problems", ("category", "title", "text"), "营商环境")
    assert expected and sorted(r["problem_id"] for r in rows) == expected


def test_two_character_search_through_the_canned_query(served, dataset):
    rows = json.loads(get(served, "/zhenggai/search_problems.json", q="整改", _shape="array", _size="max"))
    expected = _containing(dataset, "problems", ("category", "title", "text"), "整改")
    assert expected and sorted(r["problem_id"] for r in rows) == expected


def test_rows_link_to_their_highlight_in_the_review_site(served):
    page = get(served, "/zhenggai/problems", _search="营商环境").decode("utf-8")
    links = [link for link in page.split('class="review-link" href="')[1:]]
    assert links, "no review links on the problems page"
    target = links[0].split('"', 1)[0]
    assert "#r-" in target
    from pipeline.review.page import unpack_rows

    review = get(served, target.split("#")[0]).decode("utf-8")
    rows = unpack_rows(review.split('data-encoding="gzip+base64">')[1].split("</script>")[0])
    doc_id, row_id = rows["doc"], target.split("#r-")[1]
    assert target.split("#")[0].endswith(f"/{doc_id}.html")
    problems = rows["kinds"]["problem"]
    assert row_id.removeprefix(doc_id + "-") in {row[problems["fields"].index(problems["id"])] for row in problems["rows"]}


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER) and not REQUIRED, reason="no chromium/chromedriver installed (make test-browser installs them)")
def test_screenshot_of_a_search_with_a_facet(served, browser, shots):
    from selenium.webdriver.common.by import By

    browser.get(f"{served}/zhenggai/problems?_search={urllib.parse.quote('营商环境')}&_facet=category")
    assert browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert browser.find_elements(By.CSS_SELECTOR, ".facet-info")
    browser.execute_script("document.querySelector('h3').scrollIntoView()")  # past the column descriptions
    shot = shots / "datasette-search.png"
    browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")
    link = browser.find_element(By.CSS_SELECTOR, "a.review-link")
    target = link.get_attribute("href").split("#")[1]
    browser.get(link.get_attribute("href"))
    assert browser.find_element(By.ID, target).get_attribute("class").startswith("hl k-problem")  # the highlight it links to
