"""Shared fixtures: the embedded corpus, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.normalize import canonicalize, decode

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLD = ROOT / "tests" / "gold"
PEER = ROOT.parent / "shared" / "peer"


@pytest.fixture(scope="session")
def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def canonical_texts(corpus_files) -> dict[str, str]:
    """File stem prefix (000 … 004) → canonical text."""
    return {p.name[:3]: canonicalize(decode(p.read_bytes(), p.name).raw_text).text for p in corpus_files}


@pytest.fixture(scope="session")
def dataset(tmp_path_factory) -> Path:
    from pipeline.build import run

    out = tmp_path_factory.mktemp("dataset")
    run([CORPUS], out)
    return out

PAGES = ROOT.parent / "shared" / "pages"
PAGES_GOLD = ROOT / "tests" / "gold" / "pages"


@pytest.fixture(scope="session")
def pages_dataset(tmp_path_factory) -> Path:
    """The real page excerpts beside the project, built once; skipped when they are absent."""
    from pipeline.build import run

    if not PAGES.is_dir():
        pytest.skip("the page excerpts (../shared/pages) are not beside this checkout")
    out = tmp_path_factory.mktemp("pages")
    run(sorted(PAGES.glob("d*.txt")), out)
    return out
