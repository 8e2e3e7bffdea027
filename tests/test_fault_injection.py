"""Fault injection (``make test-faults``): a rebuild killed at many instants, two runs at once, a
full disk, corrupt and hostile cache entries.  After each fault the output folder holds one
complete build (the old or the new, never a mix) that validates, the next run gives exactly a
clean build, and nothing is left behind.

The rebuild goes from dataset A (the corpus) to dataset B (one notice changed, one added).
Figures (kill count, how many kills landed in the publish, seconds) are printed with ``-s``.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.build import run
from pipeline.publish import PAUSE_ENV, current_generation, leftovers
from pipeline.validate import validate

ROOT = Path(__file__).resolve().parent.parent
KILLS = int(os.environ.get("ZHENGGAI_FAULT_KILLS", "20"))
PAUSE = "0.02"  # seconds between publish steps: widens the publish so that kills land inside it


def snapshot(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir()) if p.is_file()}


def layout(out: Path) -> list[str]:
    """What the folder holds, with the generation's random name left out."""
    names = [p.name for p in out.iterdir()]
    return sorted(".generation-" if n.startswith(".generation-") else n for n in names)


def start(inputs: Path, out: Path, *extra: str, pause: str | None = None) -> subprocess.Popen:
    env = dict(os.environ, **({PAUSE_ENV: pause} if pause else {}))
    return subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(inputs), "--out", str(out), "-q", "--jobs", "1", "--no-validate", *extra],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)


class Builds:
    """The input folder in state A or B, and clean builds of both to compare with."""

    def __init__(self, base: Path):
        self.inputs = base / "in"
        shutil.copytree(ROOT / "corpus", self.inputs)
        self.changed = sorted(self.inputs.glob("*.txt"))[1]
        self.original = self.changed.read_bytes()
        self.a = base / "clean-a"
        run([self.inputs], self.a, jobs=1)  # with its cache, as a user's folder has
        self.to_b()
        self.b = base / "clean-b"
        run([self.inputs], self.b, jobs=1, incremental=False)
        self.snap_a, self.snap_b = snapshot(self.a), snapshot(self.b)
        assert self.snap_a != self.snap_b

    def to_b(self) -> None:
        self.changed.write_bytes(self.original.replace("整改".encode(), "整治".encode(), 1))
        (self.inputs / "new.txt").write_text("一、整改任务落实情况\n1.某问题的整改\n一是于2024年6月26日完成。", "utf-8")

    def out_at_a(self, out: Path) -> Path:
        """An output folder holding build A (with its cache), as a user's would."""
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(self.a, out, symlinks=True)
        return out

    def assert_clean_b(self, out: Path) -> None:
        """The next run gives exactly build B, and nothing else is in the folder."""
        run([self.inputs], out, jobs=1)
        assert snapshot(out) == self.snap_b
        assert validate(out).n_errors == 0
        assert leftovers(out) == []
        assert layout(out) == layout(self.b)
        assert not [p for p in (out / ".cache").rglob("*") if p.name.endswith(".tmp")]


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> Builds:
    return Builds(tmp_path_factory.mktemp("faults"))


def phase(out: Path, old: Path) -> str:
    """Where a killed rebuild stopped, read from what it left."""
    current = current_generation(out)
    others = [g for g in out.glob(".generation-*") if g != old]
    if current != old:
        return "cleaning up" if old.exists() else "finished"
    if others and (others[0] / "manifest.json").exists():
        return "publishing"
    return "building"


def test_a_rebuild_killed_at_any_instant(builds, tmp_path):
    out = tmp_path / "out"
    builds.out_at_a(out)
    started = time.monotonic()
    for _ in range(2):  # the rebuild's length, on this machine now (the mean of two)
        builds.out_at_a(out)
        assert start(builds.inputs, out, pause=PAUSE).wait(timeout=120) == 0
    whole = (time.monotonic() - started) / 2
    rng = random.Random(11)
    phases: Counter = Counter()
    for i in range(KILLS):
        builds.out_at_a(out)
        old = current_generation(out)
        process = start(builds.inputs, out, pause=PAUSE)
        time.sleep(whole * (0.3 + 0.75 * (i + rng.random()) / KILLS))  # the last ones after it ended
        process.send_signal(signal.SIGKILL)
        process.wait()
        phases[phase(out, old)] += 1
        state = snapshot(out)
        assert state in (builds.snap_a, builds.snap_b), f"kill {i}: a mix of two builds"
        assert state == (builds.snap_a if current_generation(out) == old else builds.snap_b)
        assert validate(out).n_errors == 0
        builds.assert_clean_b(out)
    print(f"\n{KILLS} kills over a {whole:.2f} s rebuild ({PAUSE} s pauses in the publish): "
          + ", ".join(f"{n} {p}" for p, n in sorted(phases.items()))
          + f"; each left one whole build that validated and reran to a clean build ({time.monotonic() - started:.1f} s)")
    assert phases["publishing"] + phases["cleaning up"] >= 1, "no kill landed in the publish"


def test_two_runs_at_once(builds, tmp_path):
    out = builds.out_at_a(tmp_path / "out")
    first, second = start(builds.inputs, out, pause=PAUSE), start(builds.inputs, out)
    assert first.wait(timeout=120) == 0 and second.wait(timeout=120) == 0, first.stderr.read() + second.stderr.read()
    assert snapshot(out) == builds.snap_b
    builds.assert_clean_b(out)


def test_a_full_disk(builds, tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (tests/test_faults.py simulates ENOSPC instead)")
    try:
        out = builds.out_at_a(mount / "out")
        free = shutil.disk_usage(mount).free
        (mount / "filler").write_bytes(b"\0" * max(0, free - 64 * 1024))
        process = start(builds.inputs, out)
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 2
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "no space left" in lines[0], stderr
        assert snapshot(out) == builds.snap_a
        assert validate(out).n_errors == 0
        assert leftovers(out) == []
        assert not [p for p in (out / ".cache").rglob("*") if p.name.endswith(".tmp")]
        (mount / "filler").unlink()
        builds.assert_clean_b(out)
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


class _Planted:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_corrupt_and_hostile_cache_entries(builds, tmp_path):
    out = builds.out_at_a(tmp_path / "out")
    entries = sorted(p for p in (out / ".cache").rglob("*.zst"))
    assert len(entries) >= 4
    marker = tmp_path / "ran"
    planted = pickle.dumps(_Planted(marker))
    for n, entry in enumerate(entries):
        data = bytearray(entry.read_bytes())
        if n % 2:
            data[len(data) // 2] ^= 0xFF  # corrupt
        else:
            data = len(planted).to_bytes(8, "little") + pa.compress(planted, codec="zstd", asbytes=True)  # hostile
        entry.write_bytes(bytes(data))
    process = start(builds.inputs, out)
    assert process.wait(timeout=120) == 0, process.stderr.read()
    assert not marker.exists()
    assert snapshot(out) == builds.snap_b
    builds.assert_clean_b(out)
