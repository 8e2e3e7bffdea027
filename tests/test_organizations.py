"""Organisation mentions (SPEC 11) and the proposal fields of documents (SPEC 1): case tables with
explicit offsets, a must-not-match list, one test per vocabulary entry, properties, and speed."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pipeline.extract.gazetteer import locate
from pipeline.extract.organizations import OrganizationRules, find_organizations, organization_rules
from pipeline.extract.policy_refs import find_policy_refs
from pipeline.extract.proposal import read_proposal
from pipeline.normalize import canonicalize

CASES = Path(__file__).parent / "cases"
PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "pages"
FIELDS = ("start", "end", "text", "name", "function", "kind", "level", "place", "role")
RULES = organization_rules()


def _jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (CASES / name).read_text("utf-8").splitlines() if line.strip()]


def _found(text: str, issuer: str = "") -> list:
    refs = [(r.start, r.end) for r in find_policy_refs(text)]
    return find_organizations(text, locate(issuer), excluded=refs)


@pytest.mark.parametrize("case", _jsonl("organizations.jsonl"), ids=lambda c: c["text"][:24])
def test_organization_cases(case):
    got = [{f: getattr(o, f) for f in FIELDS} for o in _found(case["text"], case["issuer"])]
    assert [g["text"] for g in got] == [e["text"] for e in case["expected"]]
    for g, e in zip(got, case["expected"]):
        assert case["text"][e["start"] : e["end"]] == e["text"]
        assert g == e


@pytest.mark.parametrize("case", _jsonl("not_organizations.jsonl"), ids=lambda c: c["what"])
def test_not_organizations(case):
    assert case["text"][case["start"] : case["end"]]
    overlapping = [o.text for o in _found(case["text"]) if o.start < case["end"] and o.end > case["start"]]
    assert not overlapping


# --- the vocabulary, entry by entry -----------------------------------------------------

SUFFIX = {"government_department": "局", "party_organ": "部"}


@pytest.mark.parametrize("canonical", sorted(RULES.functions))
def test_every_function_and_alias_is_read_with_a_level_word(canonical):
    entry = RULES.functions[canonical]
    for form in (canonical, *entry.aliases):
        text = f"根据要求,市{form}{SUFFIX[entry.kind]}牵头办理。"
        found = _found(text, "广州市")
        assert [(o.text, o.function, o.level, o.role) for o in found] == [(f"市{form}{SUFFIX[entry.kind]}", canonical, "city", "lead")]


@pytest.mark.parametrize("suffix", sorted(RULES.department_suffixes))
def test_every_department_suffix_ends_a_department(suffix):
    found = _found(f"省财政{suffix}", "广东省")
    assert [(o.function, o.level, o.place) for o in found] == [("财政", "province", "广东省")]
    for refused in RULES.department_suffixes[suffix]:
        assert not [o for o in _found(f"推进财政{suffix}{refused}") if o.text.endswith(suffix)]


@pytest.mark.parametrize("word", sorted(w for w, level in RULES.levels.items() if level != "central"))
def test_every_level_word_gives_its_level(word):
    found = _found(f"{word}纪委监委", "")
    assert [(o.text, o.kind, o.level) for o in found] == [(f"{word}纪委监委", "discipline_inspection", RULES.levels[word])]


@pytest.mark.parametrize("word", RULES.central_bodies)
def test_every_central_body(word):
    assert [(o.text, o.level, o.place) for o in _found(f"根据{word}部署")] == [(word, "central", None)]


@pytest.mark.parametrize("word", sorted(w for w, level in RULES.levels.items() if level == "central" and w not in RULES.central_bodies))
def test_every_central_level_word(word):
    assert [(o.text, o.level) for o in _found(f"{word}财政局")] == [(f"{word}财政局", "central")]


@pytest.mark.parametrize("word", RULES.party_committees)
def test_every_party_committee_word_after_a_level_word(word):
    found = _found(f"根据县{word}部署", "")
    assert [(o.text, o.kind, o.function) for o in found] == [(f"县{word}", "party_organ", None)]


@pytest.mark.parametrize("word", [*RULES.discipline_bodies])
def test_every_discipline_body(word):
    assert [(o.text, o.kind) for o in _found(f"区{word}开展监督")] == [(f"区{word}", "discipline_inspection")]


@pytest.mark.parametrize("word", [*RULES.congress_cppcc, *RULES.judicial, *RULES.governments])
def test_every_congress_court_and_government_word(word):
    found = _found(f"向市{word}报告", "南京市")
    assert [(o.text, o.level, o.place) for o in found] == [(f"市{word}", "city", "南京市")]


@pytest.mark.parametrize("kind", ["public_institution", "enterprise", "state_owned_enterprise", "government_department", "association"])
def test_every_named_body_word(kind):
    for word in getattr(RULES.institutions, kind):
        text = f"支持清远市英德示范{word}发展。"
        found = _found(text)
        assert [o.text for o in found] == [f"清远市英德示范{word}"], word
        assert found[0].kind in (kind, "state_owned_enterprise")


@pytest.mark.parametrize("word", RULES.generic_names)
def test_every_generic_name_is_no_mention(word):
    assert not _found(f"推动{word}落实整改。")


@pytest.mark.parametrize("word", RULES.roles.partner_before)
def test_every_partner_word(word):
    found = _found(f"工作中{word}:市财政局做好保障。" if word.endswith("单位") else f"{word}市财政局做好保障。", "广州市")
    assert [(o.text, o.role) for o in found] == [("市财政局", "partner")]


@pytest.mark.parametrize("word", RULES.roles.lead_after)
def test_every_lead_word(word):
    assert [(o.text, o.role) for o in _found(f"由市财政局{word}实施。")] == [("市财政局", "lead")]


def test_lead_word_is_no_role_in_a_position():
    assert [o.role for o in _found("市财政局负责人出席会议。")] == [None]


def test_rule_file_rejects_unknown_keys():
    raw = RULES.model_dump()
    raw["function_words"] = ["财政"]
    with pytest.raises(ValidationError):
        OrganizationRules.model_validate(raw)


def test_aliases_name_one_function_each():
    seen: dict[str, str] = {}
    for canonical, entry in RULES.functions.items():
        for form in entry.aliases:
            assert seen.setdefault(form, canonical) == canonical, f"{form} names {seen[form]} and {canonical}"


# --- properties --------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("市区县省委局厅办部组党纪监巡察第一二中共广州发展和改革财政公司学院中心、,。(qū)会同牵头等各 \n")), max_size=120))
def test_any_text_gives_spans_in_bounds(text):
    for o in find_organizations(text):
        assert 0 <= o.start < o.end <= len(text)
        assert text[o.start : o.end] == o.text


def test_traditional_text_reads_like_simplified():
    simplified = _found("市发展和改革局会同区纪委监委开展检查。", "广州市")
    traditional = _found("市發展和改革局會同區紀委監委開展檢查。", "广州市")
    assert [(o.start, o.end, o.function, o.kind, o.level, o.role) for o in simplified] == [
        (o.start, o.end, o.function, o.kind, o.level, o.role) for o in traditional
    ]


def test_linear_time_on_a_long_line():
    """A generous bound that only a quadratic scan breaks (half a million characters take about a
    second; a scan quadratic in the line would take minutes). CPU time of this process, so a busy
    machine cannot fail it."""
    unit = "市发展和改革局、区纪委监委会同市委第一巡察组,"
    started = time.process_time()
    assert len(find_organizations(unit * 20_000)) == 3 * 20_000
    assert time.process_time() - started < 10


# --- real pages ------------------------------------------------------------------------


@pytest.mark.skipif(not PAGES.exists(), reason="the shared pages are not here")
def test_every_page_reads_without_error_and_spans_hold():
    for path in sorted(PAGES.glob("d*.txt")):
        canon = canonicalize(path.read_text("utf-8"))
        for o in find_organizations(canon.text, match_text=canon.match):
            assert canon.text[o.start : o.end] == o.text, path.name


# --- proposals -------------------------------------------------------------------------

PROPOSALS = [
    (
        "某局关于对市八届政协二次会议第20230425号提案答复的函",
        "张三委员:\n  您在会议中提出《关于支持中小企业的建议》(第20230425号)收悉。",
        ("20230425", "张三", "委员", "市八届政协二次会议", "关于支持中小企业的建议"),
    ),
    (
        "某市卫生健康委员会关于印发市政协五届四次会议第271号提案办理工作方案的通知",
        "李四等委员提出的第271号《建议加强社区急救能力建设》的提案被列为重点提案。",
        ("271", "李四", "委员", "市政协五届四次会议", "建议加强社区急救能力建设"),
    ),
    (
        "关于市十七届人大三次会议第85号建议的答复",
        "王五代表:\n  您提出的关于改善交通的建议收悉。",
        ("85", "王五", "代表", "市十七届人大三次会议", None),
    ),
    ("某局工作总结", "今年以来,我局扎实推进各项工作。", (None, None, None, None, None)),
]


@pytest.mark.parametrize("title, text, expected", PROPOSALS, ids=lambda v: v[:12] if isinstance(v, str) else "")
def test_proposal_fields(title, text, expected):
    p = read_proposal(title, text)
    assert (p.number, p.proposer, p.proposer_role, p.session, p.title) == expected


def test_proposal_number_needs_a_proposal_nearby():
    assert read_proposal("某局关于印发工作规则的通知", "依据第12号令执行。").number is None


def test_no_number_in_a_plain_document():
    assert re.fullmatch(r"\d+", read_proposal(None, "市政协十三届二次会议第123号提案").number)
