"""The command line: help for every command, one-line errors, and extract from standard input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.models import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ["run", "validate", "schemas", "extract", "eval", "synth", "bench"]


def zhenggai(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.parametrize("command", COMMANDS)
def test_help(command):
    result = zhenggai(command, "--help")
    assert result.returncode == 0
    assert "Usage" in result.stdout


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    for command in COMMANDS:
        assert f"zhenggai {command}" in readme


@pytest.mark.parametrize(
    "args",
    [
        ["run", "no/such/folder", "--out", "{tmp}/out"],
        ["run", "corpus", "--out", "{tmp}/file.txt/out"],
        ["run", "corpus", "--bogus"],
        ["run", "corpus", "--max-bytes", "zero"],
        ["validate", "{tmp}/nothing"],
        ["extract", "no/such/file.txt"],
        ["extract", "corpus"],
        ["eval", "--gold", "{tmp}/none", "--pred", "{tmp}/none"],
        ["frobnicate"],
    ],
)
def test_bad_input_is_one_line(args, tmp_path):
    (tmp_path / "file.txt").write_text("x")
    result = zhenggai(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("zhenggai: ")


def test_extract_from_stdin():
    text = "截至2024年12月底,全市累计兑现奖励资金2740万元,同比增长16%。"
    result = zhenggai("extract", "-", stdin=text)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"document", *(t.name for t in REGISTRY.values() if t.per_document)}
    assert payload["dates"][0]["date_start"] == "2024-12-31"
    assert {i["value_normalized"] for i in payload["indicators"]} >= {27400000.0, 16.0}


def test_extract_prints_outcomes_on_their_indicators():
    text = "巡察反馈25个问题,已完成整改19个,诫勉谈话3人,追回资金66.57万元。"
    result = zhenggai("extract", "-", stdin=text)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    got = [(o["kind"], o["value"], o["unit"], o["action"]) for o in payload["outcomes"]]
    assert got == [("problems_reported", 25.0, "个", None), ("problems_completed", 19.0, "个", None), ("people_handled", 3.0, "人", "诫勉"), ("funds_recovered", 665700.0, "CNY", "追回")]
    indicators = {i["indicator_id"]: i for i in payload["indicators"]}
    assert all(indicators[o["indicator_id"]]["char_end"] <= o["char_end"] for o in payload["outcomes"])
    assert payload["document"]["n_outcomes"] == 4


def test_run_and_validate(tmp_path):
    result = zhenggai("run", "corpus", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "5 documents" in result.stderr
    assert zhenggai("validate", str(tmp_path / "out")).returncode == 0
