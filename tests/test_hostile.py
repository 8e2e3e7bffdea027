"""Hostile input: every file of the bad-input set ends in documents or rejects, the run exits 0,
and a run killed mid-way leaves the previous dataset as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inputs.make_bad import write_bad_inputs
from pipeline.build import collect_inputs

ROOT = Path(__file__).resolve().parent.parent


def _zhenggai(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    expected = write_bad_inputs(folder)
    out = tmp_path_factory.mktemp("bad-out")
    started = time.perf_counter()
    process = _zhenggai("run", str(folder), "--out", str(out))
    _, stderr = process.communicate(timeout=300)
    return folder, expected, out, process.returncode, stderr.decode(errors="replace"), time.perf_counter() - started


def test_bad_run_exits_0(bad_run):
    *_, returncode, stderr, _ = bad_run
    assert returncode == 0, stderr[-2000:]


def test_every_bad_file_is_accounted_for(bad_run):
    folder, expected, out, *_ = bad_run
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    outcome = {Path(i["source"]).relative_to(folder).as_posix(): i.get("reason") if i["status"] == "rejected" else None for i in manifest["inputs"]}
    listed = {item.path.relative_to(folder).as_posix() for item in collect_inputs([folder])}
    assert set(outcome) == listed == set(expected)
    assert outcome == expected
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text("utf-8").splitlines()]
    assert all(r["reason"] and r["message"] for r in rejects)
    documents = (out / "documents.jsonl").read_text("utf-8").splitlines()
    assert len(documents) + len(rejects) == len(listed)


def test_bad_run_takes_seconds(bad_run):
    assert bad_run[-1] < 60


def test_killed_run_leaves_the_previous_dataset(tmp_path):
    out = tmp_path / "out"
    first = _zhenggai("run", str(ROOT / "corpus"), "--out", str(out))
    assert first.wait(timeout=300) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    # Enough distinct documents that the second run is still going when it is killed.
    inputs = tmp_path / "many"
    inputs.mkdir()
    text = (ROOT / "corpus" / "000_b34043a502c411eb.txt").read_text("utf-8")
    for n in range(200):
        (inputs / f"{n:03d}.txt").write_text(f"{text}\n{n}", "utf-8")
    # Its own session, so that the kill takes its worker processes too, as a killed job would.
    second = _zhenggai("run", str(inputs), "--out", str(out), start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob(".generation-*"))) < 2 and time.monotonic() < deadline and second.poll() is None:
        time.sleep(0.05)
    time.sleep(0.5)
    assert second.poll() is None, "the run ended before it could be killed"
    os.killpg(second.pid, signal.SIGKILL)
    second.wait()
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    # The rerun of the interrupted job completes (reusing whatever the killed run had cached).
    third = _zhenggai("run", str(inputs), "--out", str(out))
    assert third.wait(timeout=300) == 0, third.stderr.read().decode(errors="replace")[-2000:]
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["row_counts"]["documents"] == len(list(inputs.iterdir()))
