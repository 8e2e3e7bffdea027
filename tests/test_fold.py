"""The fold to simplified characters: a text t2s would give back as it is is not converted, and
whatever is returned is what OpenCC's t2s returns."""

from __future__ import annotations

import doctest
import json
import subprocess
from pathlib import Path

import pytest

from pipeline import fold
from pipeline.fold import PROBED, Folding, fold_traditional
from pipeline.rules import load

PHRASES = load("folding", Folding).phrases


def _t2s(text: str) -> str:
    return fold._t2s().convert(text)


def test_doctests_hold():
    assert doctest.testmod(fold).failed == 0


@pytest.mark.parametrize("phrase", PHRASES)
def test_every_listed_phrase_is_rewritten_though_its_characters_alone_stay(phrase):
    assert _t2s(phrase) != phrase
    assert all(_t2s(c) == c for c in phrase)
    for text in (phrase, f"整改{phrase}情况", f"{phrase}\n覆盖", "甲" * 9 + phrase):
        assert fold_traditional(text) == _t2s(text)
        assert not fold._unchanged(text)


@pytest.mark.parametrize("text", ["覆盖全面", "破坏", "沈阳市", "瞭望", "藉", "整改答", "覆", "中\n覆", "𠀀中文", "發佈時間",
                                  "乾隆", "关于问题的整改", "ＡＢＣ", "", "abc"])
def test_folding_is_t2s(text):
    assert fold_traditional(text) == _t2s(text)


def test_a_lone_surrogate_is_refused_as_t2s_refuses_it():
    with pytest.raises(UnicodeEncodeError):
        fold_traditional("中\ud800")


def test_notices_and_pages_fold_as_t2s_folds_them(corpus_files):
    from tests.conftest import PAGES

    texts = [p.read_text("utf-8") for p in corpus_files] + [p.read_text("utf-8") for p in sorted(PAGES.glob("*.txt"))]
    for text in texts:
        assert fold_traditional(text) == _t2s(text)
        for line in text.splitlines():
            assert fold_traditional(line) == _t2s(line)


def _t2s_dictionaries(tmp_path: Path) -> dict[str, str]:
    """Every entry of the dictionaries t2s reads, key → first value, dumped by the tool beside the
    installed OpenCC (the test is skipped where it is not)."""
    import opencc

    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    tool = Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict"
    if not tool.is_file() or not (share / "t2s.json").is_file():
        pytest.skip("the installed OpenCC has no opencc_dict tool beside its dictionaries")
    config = json.loads((share / "t2s.json").read_text("utf-8"))
    files = [d["dict"]["file"] for d in config.get("normalization", [])]
    files += [d["file"] for step in config["conversion_chain"] for d in step["dict"].get("dicts", [step["dict"]])]
    entries: dict[str, str] = {}
    for name in files:
        out = tmp_path / f"{name}.txt"
        subprocess.run([str(tool), "-i", str(share / name), "-o", str(out), "-f", "ocd2", "-t", "text"], check=True,
                       capture_output=True)
        for line in out.read_text("utf-8").splitlines():
            key, values = line.split("\t")
            entries.setdefault(key, values.split(" ")[0])
    return entries


def test_the_list_holds_every_phrase_of_the_dictionaries_that_needs_it(tmp_path):
    """Every dictionary entry that changes its key holds a character t2s rewrites on its own, or a
    listed phrase; every character of an entry lies in the probed ranges or beyond the BMP."""
    entries = _t2s_dictionaries(tmp_path)
    assert len(entries) > 1000
    assert all(any(first <= ord(c) < stop for first, stop in PROBED) or ord(c) > 0xFFFF for key in entries for c in key)
    missing = [key for key, value in entries.items()
               if value != key and all(_t2s(c) == c for c in key) and not any(p in key for p in PHRASES)]
    assert missing == []
