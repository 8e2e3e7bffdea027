"""Inputs are read, and files hashed, through their descriptors: the same bytes and digests as
the plain reading, whatever length the file was said to have."""

from __future__ import annotations

import hashlib
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.build import Task, _read
from pipeline.write import file_digest, read_file


@pytest.mark.parametrize("length", [0, 1, 4095, 65536, 65537, 3 * (1 << 20) + 5])
@pytest.mark.parametrize("said", ["exact", "short", "none"])
def test_read_file_is_read_bytes(tmp_path, length, said):
    path = tmp_path / "f.bin"
    path.write_bytes(os.urandom(length))
    size = {"exact": length, "short": length // 3, "none": 0}[said]  # "short": the file grew since it was measured
    assert read_file(path, size) == path.read_bytes()
    assert file_digest(path) == hashlib.sha256(path.read_bytes()).hexdigest()


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=3000), st.integers(min_value=0, max_value=4000))
def test_read_file_any_bytes(tmp_path_factory, data, size):
    path = tmp_path_factory.mktemp("r") / "f"
    path.write_bytes(data)
    assert read_file(str(path), size) == data


def test_read_rejects_as_before(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 100)
    folder = tmp_path / "folder"
    folder.mkdir()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    missing = tmp_path / "missing.txt"
    cases = {big: ("too_large", 100, 10), folder: ("error", None, 1 << 20), fifo: ("error", None, 10), missing: ("error", None, 10)}
    for path, (reason, size, limit) in cases.items():
        reject = _read(Task(path.name, str(path), "k"), max_bytes=limit)
        assert (reject.reason, reject.size_bytes) == (reason, size), path
    assert "not a regular file" in _read(Task("pipe", str(fifo), "k"), max_bytes=10).message
    assert "No such file" in _read(Task("m", str(missing), "k"), max_bytes=10).message
    assert _read(Task("big", str(big), "k"), max_bytes=1000) == b"x" * 100
