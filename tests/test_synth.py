"""The synthetic corpus: deterministic, within its size bounds, and valid input for the pipeline."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.build import run
from pipeline.synth import MAX_BYTES, MIN_BYTES, write_corpus
from pipeline.validate import validate

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.txt")):
        digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def test_same_seed_same_corpus(tmp_path):
    write_corpus(tmp_path / "a", 30, seed=3, seed_dir=CORPUS)
    write_corpus(tmp_path / "b", 30, seed=3, seed_dir=CORPUS)
    write_corpus(tmp_path / "c", 30, seed=4, seed_dir=CORPUS)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")


def test_sizes_and_a_valid_dataset(tmp_path):
    write_corpus(tmp_path / "corpus", 40, seed=0, seed_dir=CORPUS)
    sizes = [p.stat().st_size for p in (tmp_path / "corpus").rglob("*.txt")]
    assert len(sizes) == 40
    assert all(MIN_BYTES * 0.5 <= s <= MAX_BYTES * 1.1 for s in sizes)
    summary = run([tmp_path / "corpus"], tmp_path / "out", jobs=1)
    assert summary.documents == 40
    report = validate(tmp_path / "out")
    assert report.n_errors == 0
    assert report.rows["problems"] > 40


def test_memory_benchmark_measures_both_sizes(tmp_path: Path) -> None:
    from pipeline.bench import format_memory, run_memory

    report = run_memory(20, tmp_path / "work", CORPUS, tmp_path / "memory.json")
    summary = report["summary"]
    assert summary["peak_rss_mib_at_n_over_10"] > 0 and summary["peak_rss_mib_at_n"] > 0
    assert report["jobs2"]["documents"] + report["jobs2"]["rejects"] == 20
    assert (tmp_path / "memory.json").exists()
    assert "at 20" in format_memory(report)
