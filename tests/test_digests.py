"""The record of input digests: kept on disk, replaced only when saved, and no input read twice."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.digests import KnownDigests

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
OLD_NS = 1_000_000_000_000_000_000  # 2001: well before any record is made


def _file(tmp_path: Path, name: str = "a.txt", text: str = "正文") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    os.utime(path, ns=(OLD_NS, OLD_NS))
    return path


def _digest_of(record: Path, key: str, path: Path, computed: list[str], reuse: bool = True) -> str:
    known = KnownDigests(record, reuse=reuse)
    try:
        return known.digest(key, path, lambda: computed.append(key) or f"digest-{path.read_text('utf-8')}")
    finally:
        known.save()


def test_a_saved_record_is_read_back_and_a_changed_file_is_read_again(tmp_path):
    record, path, computed = tmp_path / "digests.sqlite", _file(tmp_path), []
    assert _digest_of(record, "input:a", path, computed) == "digest-正文"
    assert _digest_of(record, "input:a", path, computed) == "digest-正文"
    assert computed == ["input:a"]
    path.write_text("改过的正文", "utf-8")
    os.utime(path, ns=(OLD_NS, OLD_NS))
    assert _digest_of(record, "input:a", path, computed) == "digest-改过的正文"
    assert computed == ["input:a", "input:a"]


def test_full_reads_every_file_and_an_unsaved_record_leaves_the_old_one(tmp_path):
    record, path, computed = tmp_path / "digests.sqlite", _file(tmp_path), []
    _digest_of(record, "input:a", path, computed)
    _digest_of(record, "input:a", path, computed, reuse=False)
    assert computed == ["input:a", "input:a"]
    stopped = KnownDigests(record)
    stopped.digest("input:b", path, lambda: "other")
    stopped.close()  # a build that stopped: nothing saved, nothing left behind
    assert not list(tmp_path.rglob("*.tmp"))
    again = KnownDigests(record)
    assert again.digest("input:a", path, lambda: "read again") == "digest-正文"
    again.close()


def test_a_damaged_record_counts_as_none(tmp_path):
    record, path, computed = tmp_path / "digests.sqlite", _file(tmp_path), []
    record.write_bytes(b"not a database at all")
    assert _digest_of(record, "input:a", path, computed) == "digest-正文"
    assert computed == ["input:a"]
    assert _digest_of(record, "input:a", path, computed) == "digest-正文"
    assert computed == ["input:a"]


def test_a_key_that_is_not_utf8_is_kept(tmp_path):
    record, path, computed = tmp_path / "digests.sqlite", _file(tmp_path), []
    key = "input:" + os.fsdecode(b"/in/\xd5\xfb\xb8\xc4.txt")
    _digest_of(record, key, path, computed)
    _digest_of(record, key, path, computed)
    assert computed == [key]


def test_a_build_reads_each_input_once(tmp_path, monkeypatch):
    """The tasks are made twice (once to key the build, once as they are processed); the second
    time takes the digests recorded the first time."""
    import pipeline.build as build

    reads: list[str] = []
    digest = build.file_digest
    monkeypatch.setattr(build, "file_digest", lambda path: reads.append(Path(path).name) or digest(path))
    build.run([CORPUS], tmp_path / "out", incremental=False, jobs=1)
    inputs = sorted(p.name for p in CORPUS.iterdir() if p.is_file() and not p.name.startswith("."))
    assert sorted(r for r in reads if r in inputs) == inputs
