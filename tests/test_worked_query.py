"""The worked query of the dataset README (completion rate and people disciplined per city and
year), run in DuckDB and in polars on notices whose figures are known."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.build import run
from pipeline.describe import write_description

NOTICES = {
    "a.txt": "中共广州市工业和信息化局党组关于巡察整改进展情况的通报\n截至目前,巡察反馈25个问题,已完成整改19个,整改完成率76%。给予党纪处分2人、诫勉谈话3人。\n中共广州市工业和信息化局党组\n2024年3月1日\n",
    "b.txt": "中共广州市发展和改革局党组关于巡察整改进展情况的通报\n巡察反馈问题10个,完成整改10个,整改完成率100%。组织处理1人。\n中共广州市发展和改革局党组\n2024年5月8日\n",
    "c.txt": "武汉市经济和信息化局关于巡察整改进展情况的通报\n巡察发现问题4个,已整改2个。召开专题会议5次。\n武汉市经济和信息化局\n2023年9月1日\n",
}
EXPECTED = {
    ("广州市", 2024): (2, 82.86, 88.0, 6.0),
    ("武汉市", 2023): (1, 50.0, None, 0.0),
}


@pytest.fixture(scope="module")
def described(tmp_path_factory) -> Path:
    notices = tmp_path_factory.mktemp("notices")
    for name, text in NOTICES.items():
        (notices / name).write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("worked") / "output"
    run([notices], out)
    write_description(out, json.loads((out / "manifest.json").read_text("utf-8"))["row_counts"])
    return out


def _block(readme: str, language: str) -> str:
    (block,) = [b for b in re.findall(rf"```{language}\n(.*?)```", readme, flags=re.S) if "outcomes.parquet" in b]
    return block


def _as_expected(rows) -> dict:
    return {(city, year): (n, rate, stated, float(people)) for city, year, n, rate, stated, people in rows}


def test_duckdb_worked_query(described, monkeypatch):
    duckdb = pytest.importorskip("duckdb")
    monkeypatch.chdir(described)
    rows = duckdb.sql(_block((described / "README.md").read_text("utf-8"), "sql")).fetchall()
    assert _as_expected(rows) == EXPECTED


def test_polars_worked_query(described, monkeypatch, capsys):
    monkeypatch.chdir(described)
    namespace: dict = {}
    exec(compile(_block((described / "README.md").read_text("utf-8"), "python"), "README.md (worked query)", "exec"), namespace)
    assert "广州市" in capsys.readouterr().out
    assert _as_expected(namespace["by_city_year"].iter_rows()) == EXPECTED
