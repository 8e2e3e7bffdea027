"""The subject of a figure: the grammar on constructed sentences (``cases/subjects.jsonl``, one
per pattern) and every word of the ``subject`` vocabulary in the role it is listed for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.extract.indicators import _subject_grammar, find_indicators, indicator_rules

CASES = Path(__file__).parent / "cases"
WORDS = indicator_rules().subject


def _subjects(text: str) -> list[str | None]:
    return [f.subject for f in find_indicators(text)]


def _cases() -> list[dict]:
    return [json.loads(line) for line in (CASES / "subjects.jsonl").read_text("utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["what"])
def test_subject_cases(case):
    assert _subjects(case["text"]) == case["subjects"]


def test_every_pattern_has_a_case():
    kinds = {c["what"].split(":")[0] for c in _cases()}
    assert {"count", "phrase", "verb", "verb after the figure", "duration", "date", "shared", "list"} <= kinds


@pytest.mark.parametrize("word", WORDS.leading)
def test_leading_word_is_trimmed(word):
    assert _subjects(f"{word}软件业务收入598.27亿元。") == ["软件业务收入"]


@pytest.mark.parametrize("word", _subject_grammar().tails)
def test_trailing_word_is_trimmed(word):
    assert _subjects(f"软件业务收入{word}598.27亿元。")[-1] == "软件业务收入"


@pytest.mark.parametrize("verb", WORDS.verbs)
def test_phrase_begins_after_a_predicate_verb(verb):
    assert _subjects(f"全市软件业{verb}主营业务收入598.27亿元。") == ["主营业务收入"]


@pytest.mark.parametrize("verb", WORDS.verbs)
def test_a_bare_predicate_verb_hands_the_figure_to_its_object(verb):
    assert _subjects(f"每年{verb}15万元生活补助。") == ["生活补助"]


@pytest.mark.parametrize("word", WORDS.modals)
def test_phrase_begins_after_a_modal(word):
    assert _subjects(f"推进成果{word}少填31.03%。") == ["少填"]


@pytest.mark.parametrize("word", WORDS.copulas)
def test_copula_after_the_measure_word(word):
    assert _subjects(f"入围7家独角兽企业,其中4家{word}民营企业。") == ["独角兽企业", "民营企业"]


@pytest.mark.parametrize("word", WORDS.naming_verbs)
def test_naming_verb_after_the_noun(word):
    assert _subjects(f"今年有158家企业{word}创新型中小企业。") == ["创新型中小企业"]


@pytest.mark.parametrize("word", WORDS.enumeration_ends)
def test_enumeration_end_gives_way_to_the_head(word):
    listed = "、".join(["“早餐汇”", "“有梦想、到武汉、一起创”", "“企业开放日”"])
    assert _subjects(f"举办{listed}{word}中小企业服务活动百余场。") == ["中小企业服务活动"]


@pytest.mark.parametrize("word", WORDS.comparison_bases)
def test_comparison_base_is_no_subject(word):
    text = f"高技术制造业增加值同比增长30.6%,{word}全国平均水平21.5个百分点。"
    assert _subjects(text) == ["高技术制造业增加值", "高技术制造业增加值"]


@pytest.mark.parametrize("word", WORDS.rank_scopes)
def test_rank_scope_is_no_subject(word):
    assert _subjects(f"规上工业增加值同比增长6.5%,同类{word}排名第6位。") == ["规上工业增加值"] * 2


@pytest.mark.parametrize("word", WORDS.from_words)
def test_from_word_before_a_date(word):
    assert _subjects(f"试点中小企业数量{word}2023年增长了5%。") == ["试点中小企业数量"]


@pytest.mark.parametrize("link", WORDS.from_links)
def test_from_link_after_a_date(link):
    assert _subjects(f"试点中小企业从3月底{link}300家增加至817家。") == ["试点中小企业"] * 2


@pytest.mark.parametrize("word", WORDS.respectively)
def test_respectively_answers_in_turn(word):
    text = f"全市市场主体297715户,其中企业63092户,同比{word}增长5.1%和8.3%。"
    assert _subjects(text) == ["市场主体", "企业", "市场主体", "企业"]


@pytest.mark.parametrize("word", WORDS.noun_ends)
def test_noun_end_ends_the_counted_noun(word):
    assert _subjects(f"全市10家高新企业{word}推进。") == ["高新企业"]


@pytest.mark.parametrize("word,before", [(w, c) for w, cs in WORDS.not_after.items() for c in cs])
def test_not_after_keeps_the_longer_word(word, before):
    g = _subject_grammar()
    assert not g.is_word(before + word, 1, word)
    assert g.is_word("。" + word, 1, word)


@pytest.mark.parametrize("word,after", [(w, c) for w, cs in WORDS.not_before.items() for c in cs])
def test_not_before_keeps_the_longer_word(word, after):
    g = _subject_grammar()
    assert not g.is_word(word + after, 0, word)
    assert g.is_word(word + "。", 0, word)


def test_max_length():
    phrase = "高" * (WORDS.max_length - 2) + "新企业"
    assert _subjects(f"{phrase[1:]}120家。") == [phrase[1:]]
    assert _subjects(f"{phrase}120家。") == [None]


def test_traditional_characters_read_through_the_match_text():
    text, match = "成為第5個破百萬的副省級城市。", "成为第5个破百万的副省级城市。"
    (f,) = find_indicators(text, match_text=match)
    assert f.subject == "副省級城市"
