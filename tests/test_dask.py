"""The distributed engine writes the same dataset as the local one, byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipeline.build import run

distributed = pytest.importorskip("distributed")
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_dask_local_cluster_matches_the_local_engine(dataset, tmp_path):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert len(cluster.workers) == 2
        summary = run([CORPUS], tmp_path / "dask", engine="dask", scheduler=cluster.scheduler_address, incremental=False)
    assert summary.documents == 5
    assert _digests(tmp_path / "dask") == _digests(dataset)


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    import os
    import subprocess
    import sys

    env = os.environ | {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", str(CORPUS), "--out", str(tmp_path / "o"), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "-q"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("zhenggai: ")
