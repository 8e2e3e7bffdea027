"""End to end: the dataset's files, provenance, determinism, and every input in exactly one place."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import polars as pl
import pytest

from pipeline.build import run
from pipeline.models import REGISTRY, TABLES
from pipeline.normalize import canonicalize, decode
from pipeline.publish import leftovers
from pipeline.validate import validate

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SPAN_TABLES = [t.name for t in REGISTRY.values() if t.span]
LOCATED_TABLES = [t.name for t in REGISTRY.values() if t.located]


def test_every_table_in_both_formats(dataset):
    for table in TABLES:
        assert (dataset / f"{table}.parquet").is_file()
        assert (dataset / f"{table}.jsonl").is_file()
    assert (dataset / "manifest.json").is_file()
    assert not leftovers(dataset)


def test_dataset_validates(dataset):
    report = validate(dataset)
    assert report.errors == []


def test_parquet_and_jsonl_hold_the_same_rows(dataset):
    for table in TABLES:
        parquet = pl.read_parquet(dataset / f"{table}.parquet")
        jsonl = pl.read_ndjson(dataset / f"{table}.jsonl", schema=parquet.schema) if parquet.height else parquet
        assert parquet.height == jsonl.height
        assert parquet.equals(jsonl)


@pytest.mark.parametrize("table", SPAN_TABLES)
def test_spans_select_their_text(dataset, table):
    texts = dict(pl.read_parquet(dataset / "documents.parquet").select("doc_id", "text").iter_rows())
    for row in pl.read_parquet(dataset / f"{table}.parquet").iter_rows(named=True):
        assert texts[row["doc_id"]][row["char_start"] : row["char_end"]] == row["text"]


def test_sections_hold_offsets_not_text(dataset):
    """Sections nest, so their text is not stored: the offsets select a non-empty body."""
    sections = pl.read_parquet(dataset / "sections.parquet")
    assert "text" not in sections.columns and sections.height
    texts = dict(pl.read_parquet(dataset / "documents.parquet").select("doc_id", "text").iter_rows())
    for row in sections.iter_rows(named=True):
        body = texts[row["doc_id"]][row["char_start"] : row["char_end"]]
        assert body.strip() and body.startswith(row["marker"]), row["section_id"]


@pytest.mark.parametrize("table", LOCATED_TABLES)
def test_raw_spans_select_the_same_characters(dataset, table):
    documents = pl.read_parquet(dataset / "documents.parquet")
    raws, texts = {}, {}
    for row in documents.iter_rows(named=True):
        path = Path(row["source"])
        raws[row["doc_id"]] = decode(path.read_bytes(), row["source"]).raw_text
        texts[row["doc_id"]] = row["text"]
    for row in pl.read_parquet(dataset / f"{table}.parquet").iter_rows(named=True):
        piece = raws[row["doc_id"]][row["raw_char_start"] : row["raw_char_end"]]
        expected = texts[row["doc_id"]][row["char_start"] : row["char_end"]]
        assert canonicalize(piece).text == expected.strip(), (table, expected[:40])


def test_counts(dataset):
    problems = pl.read_parquet(dataset / "problems.parquet")
    documents = pl.read_parquet(dataset / "documents.parquet")
    by_doc = {s.split("/")[-1][:3]: n for s, n in documents.select("source", "n_problems").iter_rows()}
    assert by_doc == {"000": 29, "001": 14, "002": 11, "003": 0, "004": 25}
    assert problems.filter(pl.col("inferred")).height == 1


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_two_runs_are_byte_identical(dataset, tmp_path):
    run([CORPUS], tmp_path)
    assert _digests(tmp_path) == _digests(dataset)


@pytest.fixture()
def messy_inputs(tmp_path) -> Path:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    good = Path(__file__).resolve().parent.parent / "corpus" / "004_3abdaab26dae4b3a.txt"
    (root / "good.txt").write_bytes(good.read_bytes())
    (root / "copy.txt").write_bytes(good.read_bytes())
    (root / "gbk.txt").write_bytes(good.read_text("utf-8").encode("gb18030"))
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_bytes(b" \n\t \n")
    (root / "binary.bin").write_bytes(bytes(range(256)) * 16)
    (root / "sub" / "furniture.html").write_text("<html><body><p>扫一扫在手机打开当前页</p></body></html>", "utf-8")
    (root / "sub" / "notice.html").write_text("<html><body><p>一、整改任务落实情况</p><p>1.某问题的整改</p><p>一是已于2024年6月26日完成。</p></body></html>", "utf-8")
    (root / "big.txt").write_bytes("巡察".encode() * 20000)
    os.symlink(root, root / "sub" / "loop")
    return root


def test_every_input_in_exactly_one_table(messy_inputs, tmp_path):
    out = tmp_path / "out"
    summary = run([messy_inputs], out, max_bytes=100_000)
    documents = pl.read_parquet(out / "documents.parquet")
    rejects = pl.read_parquet(out / "rejects.parquet")
    sources = documents["source"].to_list() + rejects["source"].to_list()
    files = [p for p in messy_inputs.rglob("*") if p.is_file() and not p.is_symlink() and "loop" not in p.parts]
    assert sorted(sources) == sorted(p.as_posix() for p in files)
    assert len(sources) == len(set(sources))
    reasons = dict(rejects.select("source", "reason").iter_rows())
    by_name = {Path(s).name: r for s, r in reasons.items()}
    assert by_name == {"good.txt": "duplicate", "empty.txt": "empty", "blank.txt": "empty", "binary.bin": "binary", "furniture.html": "empty", "big.txt": "too_large"}
    assert summary.documents == 3
    assert validate(out).errors == []


def test_a_failed_run_leaves_the_previous_dataset(dataset, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run([CORPUS], out)
    before = _digests(out)

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("pipeline.build.manifest", explode)
    with pytest.raises(RuntimeError):
        run([CORPUS], out, incremental=False)
    assert _digests(out) == before
    assert not leftovers(out)


def test_jobs_do_not_change_the_output(dataset, tmp_path):
    run([CORPUS], tmp_path / "one", jobs=1, incremental=False)
    run([CORPUS], tmp_path / "two", jobs=2, incremental=False)
    assert _digests(tmp_path / "one") == _digests(tmp_path / "two") == _digests(dataset)


def test_incremental_rebuild_equals_a_clean_build(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(CORPUS.glob("*.txt")):
        (corpus / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "out"
    first = run([corpus], out)
    assert first.reused == 0
    again = run([corpus], out)
    assert again.up_to_date
    changed = sorted(corpus.glob("*.txt"))[2]
    changed.write_text(changed.read_text("utf-8").replace("2024年5月20日", "2024年5月21日"), "utf-8")
    (corpus / "new.txt").write_text("一、整改任务落实情况\n1.某问题的整改\n一是于2024年6月26日完成。", "utf-8")
    partial = run([corpus], out)
    assert not partial.up_to_date
    assert partial.reused == 4
    run([corpus], tmp_path / "clean", incremental=False)
    assert _digests(out) == _digests(tmp_path / "clean")


def test_a_file_that_differs_from_the_manifest_is_an_error(tmp_path):
    out = tmp_path / "out"
    run([CORPUS], out)
    (out / "problems.jsonl").write_text("", "utf-8")
    codes = {f.code for f in validate(out).errors}
    assert "ZG015" in codes
    again = run([CORPUS], out)
    assert not again.up_to_date
    assert validate(out).n_errors == 0


def test_a_rerun_with_nothing_changed_reads_no_file_again(tmp_path, monkeypatch):
    """Digests are remembered with sizes and modification times; files whose record is older
    than the racy window are not read again, and a changed size is always noticed."""
    import pipeline.build as build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(CORPUS.glob("*.txt")):
        (corpus / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "out"
    run([corpus], out)
    old = 1_000_000_000_000_000_000  # 2001: well before the record was made
    for path in [*corpus.iterdir(), *(p for p in out.iterdir() if p.is_file())]:
        os.utime(path, ns=(old, old))
    run([corpus], out)  # records the files at their new times
    reads: list[str] = []
    digest = build.file_digest
    monkeypatch.setattr(build, "file_digest", lambda path: reads.append(Path(path).name) or digest(path))
    assert run([corpus], out).up_to_date
    assert reads == []
    first = sorted(corpus.glob("*.txt"))[0]
    first.write_bytes(first.read_bytes() + "\n补充。".encode())
    os.utime(first, ns=(old, old))
    assert not run([corpus], out).up_to_date
    assert first.name in reads
