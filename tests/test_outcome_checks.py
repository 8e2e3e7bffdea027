"""SPEC 9 on outcomes: the parts of a statement within its whole (ZG016), a stated completion rate
against its counts (ZG105), the problems a notice reports against those it itemises (ZG106)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import extract_text
from pipeline.validate import CATALOGUE, check_outcomes

ROOT = Path(__file__).resolve().parent.parent


def _codes(text: str) -> list[str]:
    result = extract_text(text)
    rows = [o.model_dump() for o in result.outcomes]
    return sorted(f.code for f in check_outcomes(result.document.model_dump(), rows))


@pytest.mark.parametrize(
    "text,codes",
    [
        ("巡察反馈问题10个,已完成整改8个,正在整改2个,整改完成率80%。", []),
        ("巡察反馈问题10个,已完成整改9个,正在整改3个。", ["ZG016"]),
        ("巡察反馈问题10个,已完成整改8个,整改完成率90%。", ["ZG105"]),
        ("巡察反馈问题3个,已完成整改2个,整改完成率66.67%。", []),
        ("巡察反馈问题10个。已完成整改12个。", []),  # two statements: nothing to compare
    ],
)
def test_statement_checks(text, codes):
    assert _codes(text) == codes


def test_codes_are_in_the_catalogue_with_their_severity():
    assert CATALOGUE["ZG016"][0] == "error"
    assert CATALOGUE["ZG105"][0] == "warning" and CATALOGUE["ZG106"][0] == "warning"


NOTICE = """中共示例市商务局党组关于巡察整改进展情况的通报
市委巡察组共反馈问题3个,已完成整改4个。
一、整改落实情况
1.关于学习不深入的问题
一是制定学习计划。
2.关于台账不规范的问题
一是全面清理台账。
"""


def test_validate_reports_outcome_findings_and_exits_1(tmp_path):
    notices = tmp_path / "in"
    notices.mkdir()
    (notices / "n.txt").write_text(NOTICE, encoding="utf-8")
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "pipeline", "run", str(notices), "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    result = subprocess.run([sys.executable, "-m", "pipeline", "validate", str(out), "--json"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["ZG016"] == 1 and report["counts"]["ZG106"] == 1
    (message,) = [f["message"] for f in report["findings"] if f["code"] == "ZG106"]
    assert "reports 3 problems" in message and "itemises 2" in message
