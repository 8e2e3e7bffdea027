"""Organisations named in a notice (SPEC 11): party organs, departments, teams, courts, bodies.

A Chinese unit name is read from its right end. An organ word (局, 委, 党组, 巡察组, 公司 …)
is found first; before it stands the department's function (发展和改革, 工信) or a free name
(广州民营经济学院), and before that place names and level words (中共, 广州市, 市). A unit
written straight after another is part of it (市委 + 组织部, 市工信局 + 党组), and the items of
a list share the level word of the first (市发展和改革局、自然资源局).

>>> [(o.text, o.name, o.function, o.kind, o.level) for o in find_organizations(
...     "我局会同市发展和改革局、自然资源局研究。", Place("广东省", "广州市", None, "440100"))]
[('市发展和改革局', '广州市发展和改革局', '发展和改革', 'government_department', 'city'), ('自然资源局', '广州市自然资源局', '自然资源', 'government_department', 'city')]

Words are matched on the folded text (``match_text``); values quote the document's characters.
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Iterable, Literal, NamedTuple, Sequence

from pipeline import rules
from pipeline.extract.gazetteer import Division, Place, common_name, gazetteer, locate
from pipeline.models import OrgKind as Kind
from pipeline.models import OrgLevel as Level
from pipeline.models import OrgRole as Role
from pipeline.fold import fold_traditional
from pipeline.mask import RuleScan


class FunctionEntry(rules.RuleFile):
    aliases: tuple[str, ...]
    kind: Kind


class Inspection(rules.RuleFile):
    heads: tuple[str, ...]
    modifiers: tuple[str, ...]


class Institutions(rules.RuleFile):
    public_institution: tuple[str, ...]
    enterprise: tuple[str, ...]
    state_owned_enterprise: tuple[str, ...]
    government_department: tuple[str, ...]
    association: tuple[str, ...]
    other: tuple[str, ...]  # bodies set up for a task (整改工作领导小组, 整改办)
    zone: tuple[str, ...]  # zones acting as units (立山经济开发区), kind other


class EnterpriseLists(rules.RuleFile):
    nouns: tuple[str, ...]
    modifiers: tuple[str, ...]
    not_endings: tuple[str, ...]
    firm_modifiers: tuple[str, ...]
    company_verbs: tuple[str, ...]


class RoleWords(rules.RuleFile):
    partner_before: tuple[str, ...]
    lead_before: tuple[str, ...]
    lead_after: tuple[str, ...]
    partner_after: tuple[str, ...]
    not_after_lead: tuple[str, ...]


class OrganizationRules(rules.RuleFile):
    """Schema of ``organizations.yaml``."""

    functions: dict[str, FunctionEntry]
    department_suffixes: dict[str, tuple[str, ...]]
    party_committees: tuple[str, ...]
    offices: tuple[str, ...]
    discipline_bodies: tuple[str, ...]
    inspection: Inspection
    governments: tuple[str, ...]
    congress_cppcc: tuple[str, ...]
    judicial: tuple[str, ...]
    institutions: Institutions
    state_owned_markers: tuple[str, ...]
    levels: dict[str, Level]
    central_bodies: tuple[str, ...]
    name_openers: tuple[str, ...]
    back_references: tuple[str, ...]
    unit_nouns: tuple[str, ...]
    issuer_unit_nouns: tuple[str, ...]
    name_stops: tuple[str, ...]
    generic_names: tuple[str, ...]
    generic_openers: tuple[str, ...]
    furniture_lines: rules.ScannedPatterns  # lines of page furniture: no mention is read on them
    source_labels: tuple[str, ...]
    not_level_words: tuple[str, ...]
    not_places: tuple[str, ...]
    refused_after: dict[str, tuple[str, ...]]
    not_after: dict[str, tuple[str, ...]]
    other_parties: tuple[str, ...]
    generic_endings: tuple[str, ...]
    byline_after: tuple[str, ...]
    joint_after: tuple[str, ...]
    group_name_words: tuple[str, ...]
    government_markers: tuple[str, ...]
    central_openers: tuple[str, ...]
    centre_alone_before: tuple[str, ...]
    weak_institutions: tuple[str, ...]
    enterprise_lists: EnterpriseLists
    roles: RoleWords


@cache
def organization_rules() -> OrganizationRules:
    return rules.load("organizations", OrganizationRules)


class FoundOrganization(NamedTuple):
    """One mention (a named tuple: made for every mention of every notice, it is built several
    times faster than a frozen dataclass)."""

    start: int
    end: int
    text: str
    name: str | None
    function: str | None
    kind: Kind
    level: Level | None
    place: str | None
    adcode: str | None
    role: Role | None = None


# --- the grammar, compiled once ---------------------------------------------------------

# What an organ word is: the category decides what must stand before it.
Category = Literal["department", "committee", "office", "discipline", "inspection", "government", "congress", "judicial", "institution", "central", "centre", "function", "other_party"]


@dataclass(frozen=True)
class _Head:
    category: Category
    kind: Kind
    refused_before: str  # characters that may not follow the word (局长, 部署)


@dataclass(frozen=True)
class _Grammar:
    heads: dict[str, _Head]
    head_pattern: re.Pattern[str]
    quick_refusals: frozenset[str]  # the organ words _plainly_no_unit may refuse at once
    aliases: dict[str, str]  # written form → canonical function
    function_kind: dict[str, Kind]
    max_alias: int
    alias_lengths: dict[str, tuple[int, ...]]  # last character → lengths of written functions ending with it, longest first
    alias_starts: dict[str, tuple[int, ...]]  # first character → lengths of written functions starting with it
    department_suffixes: tuple[str, ...]
    suffix_lengths: dict[str, tuple[int, ...]]  # organ word → lengths of the department suffixes it ends with, in the order of the rules
    levels: dict[str, Level]
    level_lengths: dict[str, tuple[int, ...]]  # the same for level words
    places: dict[str, tuple[Division, ...]]
    not_level_words: frozenset[str]
    not_places: frozenset[str]  # short place names that are also words (会同, 平安)
    place_ends: frozenset[str]  # last characters of place names, to skip most positions at once
    place_lengths: dict[str, tuple[int, ...]]  # last two characters → lengths of place names ending with them, longest first
    place_starts: dict[str, tuple[int, ...]]  # first two characters → lengths of place names starting with them, longest first
    place_words: frozenset[str]  # the place names that are no words (not in not_places)
    level_lengths_by_two: dict[str, tuple[int, ...]]  # last two characters → lengths of level words of two or more characters ending so
    name_openers: tuple[str, ...]  # 中共, 中国共产党
    prefix_ends: frozenset[str]  # last characters of place names, level words, 届 and 中共: where a prefix may end
    unit_noun_lengths: dict[str, tuple[int, ...]]  # last character → lengths of the unit nouns ending with it, longest first
    unit_noun_words: frozenset[str]
    name_openings: tuple[str, ...]  # level words and state-owned markers, which may open a weak institution's name
    # first or last characters of word lists tested with str.startswith/endswith: a tuple of words
    # costs a test per word, a character outside these sets rules them all out in one step
    name_opening_firsts: frozenset[str]
    generic_opener_firsts: frozenset[str]
    generic_ending_lasts: frozenset[str]
    byline_firsts: frozenset[str]
    joint_after_firsts: frozenset[str]
    stop_pattern: re.Pattern[str]
    group_stop_pattern: re.Pattern[str]
    generic_openers: tuple[str, ...]
    generic_names: frozenset[str]  # a free name that is only a common noun (有关企业, 该公司)
    generic_endings: tuple[str, ...]
    weak_institutions: frozenset[str]
    zones: frozenset[str]
    generic_opener_ends: frozenset[str]  # their last characters: most units have none of them before
    inspection_tail: re.Pattern[str]
    furniture: RuleScan
    source_label: re.Pattern[str]
    role_label: re.Pattern[str]  # 牵头单位: / 责任单位:
    source_label_ends: frozenset[str]  # the last characters of the words of source_label
    role_label_ends: frozenset[str]  # and of role_label
    longest_label: int  # the longest word of either label
    outside_party_ends: frozenset[str]  # last characters of 民进, 政协 …
    role_before: re.Pattern[str]  # either of the two below: most units have neither
    role_before_ends: frozenset[str]  # the last characters of its matches
    partner_before: re.Pattern[str]
    lead_before: re.Pattern[str]
    lead_after: re.Pattern[str]
    partner_after: re.Pattern[str]
    role_after_firsts: frozenset[str]  # first characters of the words of lead_after and partner_after
    function_list: re.Pattern[str]  # 统计、市场监督管理等部门
    enterprise_list_end: re.Pattern[str]  # 等一大批重点项目
    enterprise_list_openers: tuple[str, ...]  # what every match of enterprise_list_end opens with
    enterprise_list_followers: dict[str, frozenset[str]]  # 等 → the first characters of the modifiers and nouns after it


def _heads(r: OrganizationRules) -> dict[str, _Head]:
    """Every organ word and what it ends: a department, a committee, a team, a named body …"""
    heads: dict[str, _Head] = {}

    def add(words, category: Category, kind: Kind, refused: str = "") -> None:
        for w in words:
            heads.setdefault(w, _Head(category, kind, refused))

    add(r.central_bodies, "central", "party_organ")
    heads["中央"] = _Head("centre", "party_organ", "")
    heads["国务院"] = _Head("central", "government_department", "")
    add(r.discipline_bodies, "discipline", "discipline_inspection")
    add(r.inspection.heads, "inspection", "inspection_team")
    add(r.congress_cppcc, "congress", "congress_cppcc", "员")
    add(r.judicial, "judicial", "judicial")
    add(r.governments, "government", "government_department")
    for kind in ("state_owned_enterprise", "government_department", "public_institution", "enterprise", "association", "other"):
        add(getattr(r.institutions, kind), "institution", kind)
    add(r.institutions.zone, "institution", "zone")
    add(r.other_parties, "other_party", "other")  # 省民进
    add((c for c in r.party_committees if c != "委"), "committee", "party_organ", "员")
    for office in r.offices:
        add([office], "office", "other", "".join(r.department_suffixes.get(office, ())))
    for suffix, refused in r.department_suffixes.items():
        add([suffix], "department", "government_department", "".join(refused))
    return {w: (replace(h, refused_before=h.refused_before + "".join(r.refused_after.get(w, ()))) if w in r.refused_after else h) for w, h in heads.items()}


def _inspection_tail(r: OrganizationRules) -> str:
    """第一巡察组, 第七轮巡察扶贫领域专项巡察组, 巡察三组: a team's own words, ending the text searched."""
    return (
        r"(?:第[一二三四五六七八九十\d]+轮)?(?:[\u4e00-\u9fff]{2,8}?(?:专项|巡[察视]))?(?:第[一二三四五六七八九十\d]+)?"
        + r"(?:" + rules.alt(r.inspection.modifiers)[3:] + r"?"
        + r"(?:巡[察视](?:第?[一二三四五六七八九十\d]+)?组)\Z"
    )


@cache
def _grammar() -> _Grammar:
    r = organization_rules()
    heads = _heads(r)
    aliases: dict[str, str] = {}
    for canonical, entry in r.functions.items():
        for form in (canonical, *entry.aliases):
            aliases.setdefault(form, canonical)
    g = gazetteer()
    # short place names that are also words (会同, 平安), unless a division is called just so
    not_places = frozenset(w for w in (*r.name_stops, *r.roles.partner_before, *r.roles.lead_after, *r.roles.partner_after, *r.not_places) if w in g.by_name and all(d.name != w for d in g.by_name[w]))
    return _Grammar(
        heads=heads,
        head_pattern=re.compile(_head_pattern(heads, r.not_after)),
        quick_refusals=frozenset(w for w, h in heads.items() if h.category in ("government", "judicial", "office") or w == "局"
                                 or h.category == "institution" and h.kind != "other"),
        aliases=aliases,
        function_kind={c: e.kind for c, e in r.functions.items()},
        max_alias=max(map(len, aliases)),
        alias_lengths=_lengths_by_end(aliases),
        alias_starts=_lengths_by_start(aliases, 1),
        department_suffixes=tuple(r.department_suffixes),
        suffix_lengths={w: tuple(len(x) for x in r.department_suffixes if w.endswith(x)) for w in heads},
        levels=dict(r.levels),
        level_lengths=_lengths_by_end(r.levels),
        places=g.by_name,
        not_level_words=frozenset(r.not_level_words),
        place_ends=frozenset(name[-1] for name in g.by_name),
        place_lengths=_lengths_by_end(g.by_name, 2),
        place_starts=_lengths_by_start(g.by_name, 2),
        place_words=frozenset(g.by_name) - not_places,
        level_lengths_by_two=_lengths_by_end((w for w in r.levels if len(w) > 1), 2),
        name_openers=tuple(r.name_openers),
        prefix_ends=frozenset(w[-1] for w in (*g.by_name, *r.levels, *r.name_openers, "届")),
        unit_noun_lengths=_lengths_by_end(r.unit_nouns),
        unit_noun_words=frozenset(r.unit_nouns),
        name_openings=(*r.levels, *r.state_owned_markers),
        # as tries: what rules.alt of the words matches, a tenth faster where a stop word may open
        stop_pattern=re.compile(rules.literal_trie(r.name_stops)),
        group_stop_pattern=re.compile(rules.literal_trie(sorted(set(r.name_stops) - set(r.group_name_words)))),
        not_places=not_places,
        generic_openers=tuple(r.generic_openers),
        inspection_tail=re.compile(_inspection_tail(r)),
        furniture=RuleScan(r.furniture_lines.scan_rules("furniture")),
        source_label=re.compile(rules.alt(r.source_labels) + r"[ \t]*[:：]"),
        function_list=re.compile(_function_list_pattern(aliases)),
        enterprise_list_end=re.compile("|".join(["等" + rules.alt(r.enterprise_lists.modifiers) + "*" + rules.alt(r.enterprise_lists.nouns), *_longest_first(r.enterprise_lists.company_verbs)])),
        enterprise_list_openers=("等", *r.enterprise_lists.company_verbs),
        outside_party_ends=frozenset(w[-1] for w in (*r.other_parties, "政协")),
        role_before=re.compile(rules.alt([*r.roles.partner_before, *r.roles.lead_before]) + r"[ \t]*[:：]?[ \t]*\Z"),
        role_before_ends=frozenset([*(w[-1] for w in (*r.roles.partner_before, *r.roles.lead_before)), " ", "\t", ":", "："]),
        partner_before=re.compile(rules.alt(r.roles.partner_before) + r"[ \t]*[:：]?[ \t]*\Z"),
        lead_before=re.compile(rules.alt(r.roles.lead_before) + r"[ \t]*[:：]?[ \t]*\Z"),
        lead_after=re.compile(rules.alt(r.roles.lead_after) + "(?!" + rules.alt(r.roles.not_after_lead) + ")"),
        partner_after=re.compile(rules.alt(r.roles.partner_after)),
        role_after_firsts=frozenset(w[0] for w in (*r.roles.partner_after, *r.roles.lead_after)),
        role_label=re.compile("(" + rules.alt(_role_labels(r)) + r")[ \t]*[:：]"),
        longest_label=max(map(len, (*r.source_labels, *_role_labels(r)))),
        **_word_sets(r),
    )


def _word_sets(r: OrganizationRules) -> dict:
    """Words of the rules and their first or last characters as sets: tested in one step each."""
    return dict(
        generic_names=frozenset(r.generic_names),
        generic_endings=tuple(r.generic_endings),
        weak_institutions=frozenset(r.weak_institutions),
        zones=frozenset(r.institutions.zone),
        generic_opener_ends=frozenset(w[-1] for w in r.generic_openers),
        name_opening_firsts=frozenset(w[0] for w in (*r.levels, *r.state_owned_markers)),
        generic_opener_firsts=frozenset(w[0] for w in r.generic_openers),
        generic_ending_lasts=frozenset(w[-1] for w in r.generic_endings),
        byline_firsts=frozenset(w[0] for w in r.byline_after),
        joint_after_firsts=frozenset(w[0] for w in r.joint_after),
        enterprise_list_followers={"等": frozenset(w[0] for w in (*r.enterprise_lists.modifiers, *r.enterprise_lists.nouns))},
        source_label_ends=frozenset(w[-1] for w in r.source_labels),
        role_label_ends=frozenset(w[-1] for w in _role_labels(r)),
    )


def _role_labels(r: OrganizationRules) -> list[str]:
    return [w for w in (*r.roles.lead_before, *r.roles.partner_before) if w.endswith(("单位", "部门"))]


def _longest_first(words: Sequence[str]) -> list[str]:
    """The words as escaped branches in the order of ``rules.alt``; written as top-level branches
    that each open with a literal, they let the engine skip to the characters that start one."""
    return [re.escape(w) for w in sorted({w for w in words if w}, key=lambda w: (-len(w), w))]


def _lengths_by_end(words: Iterable[str], ending: int = 1) -> dict[str, tuple[int, ...]]:
    """The last ``ending`` characters of the words → the lengths of the words that end so, longest first."""
    lengths: dict[str, set[int]] = {}
    for w in words:
        lengths.setdefault(w[-ending:], set()).add(len(w))
    return {end: tuple(sorted(ks, reverse=True)) for end, ks in lengths.items()}


def _lengths_by_start(words: Iterable[str], opening: int) -> dict[str, tuple[int, ...]]:
    """The first ``opening`` characters of the words → the lengths of the words that open so, longest first."""
    lengths: dict[str, set[int]] = {}
    for w in words:
        lengths.setdefault(w[:opening], set()).add(len(w))
    return {start: tuple(sorted(ks, reverse=True)) for start, ks in lengths.items()}


def _head_pattern(heads: dict[str, _Head], not_after: dict[str, tuple[str, ...]]) -> str:
    """The organ words, longest first, each refused where a character that may not follow it does
    (部署, 办理) or one that may not precede it does (部署 for 署, 干部 for 部)."""
    if not heads:
        raise ValueError("empty alternation")
    trie: dict = {}
    for w in heads:
        before = "".join(not_after.get(w, ()))
        after = heads[w].refused_before
        # the look-behind comes after the word, so every branch opens with a literal and the
        # engine can skip to the characters that start an organ word
        node = trie
        for c in w:
            node = node.setdefault(c, {})
        node[""] = (f"(?<![{re.escape(before)}]{re.escape(w)})" if before else "") + (f"(?![{re.escape(after)}])" if after else "")
    return "(?:" + "|".join([*_trie_branches(trie), _NUMBERED_TEAM]) + ")"


def _trie_branches(node: dict) -> list[str]:
    """The words of a trie as one branch per first character: at each character the engine tries
    one branch instead of every word, and longer words before the word that ends there (as the
    longest-first alternation of the words would)."""
    branches = [re.escape(c) + _trie_pattern(child) for c, child in sorted(node.items()) if c]
    return branches + ([node[""]] if "" in node else [])


def _trie_pattern(node: dict) -> str:
    branches = _trie_branches(node)
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


_NUMBERED_TEAM = r"巡[察视][一二三四五六七八九十\d]{1,3}组"  # 市委巡察三组


def _function_list_pattern(aliases: dict[str, str]) -> str:
    item = rules.trie_alt(list(aliases))  # what rules.alt matches, one branch tried per character
    return rf"{item}(?:[、,]{item})*((?:等(?:有关|相关)?(?:职能)?)?部门)"


def _is_unit_or_list(match: str, listing: re.Match, prefix: "_Prefix") -> bool:
    """财政部门 alone names a kind of body; 区财政部门 and 税务、统计部门 name units."""
    return bool(prefix.tokens) or _CONNECTORS.search(match, listing.start(), listing.start(1)) is not None


# --- reading one name -------------------------------------------------------------------


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    body_start: int  # where the unit's own words start, after place and level words
    kind: Kind
    function: str | None
    level: Level | None = None
    division: Division | None = None  # the most specific place written
    bare_level: str | None = None  # a leading level word with no place before it (市, 区)
    inherited: bool = False
    function_only: bool = False  # 统计、市场监督管理等部门: a function named without a unit
    category: str = ""
    issuers_own: bool = False  # 局党组, 机关党委, 整改办: a body of the issuing unit, at its level
    zone: bool = False  # 广州开发区: a zone at district level, placed where the issuer's district is
    prefix_span: tuple[int, int] = (0, 0)  # a list item: the words it shares with the first item
    tail_start: int = 0  # where the last sub-unit's own words start (市委 | 宣传部)


class _Prefix(NamedTuple):
    start: int
    tokens: tuple[tuple[str, str], ...]  # ("place" | "level" | "opener", word), left to right


def _prefix(match: str, pos: int, lo: int, g: _Grammar | None = None) -> _Prefix:
    """Place names, level words and 中共 written right before ``pos`` (reading leftwards)."""
    g = g or _grammar()
    ends = g.prefix_ends
    if pos <= lo or match[pos - 1] not in ends:
        return tuple.__new__(_Prefix, (pos, ()))  # most positions: no token ends there
    tokens: list[tuple[str, str]] = []  # right to left
    while pos > lo and match[pos - 1] in ends:
        token = _token_before(g, match, pos, lo)
        if token is None:
            break
        if tokens and token[0] == "level" and tokens[-1][0] == "level" and len(token[1]) == len(tokens[-1][1]) == 1:
            break  # 省市委: two committees, 省 and 市委
        tokens.append(token)
        pos -= len(token[1])
    tokens.reverse()
    # tuple.__new__ makes the named tuple without the Python-level __new__ of namedtuple
    return tuple.__new__(_Prefix, (pos, tuple(tokens)))


def _token_before(g: _Grammar, match: str, pos: int, lo: int) -> tuple[str, str] | None:
    """The place name, else level word, else term, else 中共 that ends at ``pos`` (``_place_before``,
    ``_level_before``, ``_term_before`` in one call, with their tables keyed by the last two
    characters so that most positions cost a dictionary probe or two)."""
    two = match[pos - 2 : pos] if pos >= 2 else ""
    if pos > lo + 1 and (lengths := g.place_lengths.get(two)) is not None:
        longest = min(10, pos - lo)
        for k in lengths:
            if 2 <= k <= longest and (word := match[pos - k : pos]) in g.place_words:
                return ("place", word)
    if (lengths := g.level_lengths_by_two.get(two)) is not None:
        for k in lengths:
            if k <= pos - lo and (word := match[pos - k : pos]) in g.levels:
                return ("level", word)
    last = match[pos - 1]
    if last in g.levels:
        return None if two in g.not_level_words else ("level", last)
    if last == "届":
        return _term_before(match, pos, lo)
    if not match.endswith(g.name_openers, lo, pos):
        return None
    return ("opener", next(w for w in g.name_openers if match.endswith(w, lo, pos)))


_TERM = re.compile(r"第?[一二三四五六七八九十\d]{1,3}届\Z")


def _without_terms(prefix: "_Prefix") -> "_Prefix":
    """十二届湘潭市委: a term belongs to a congress's name only; elsewhere it dates the committee."""
    if not prefix.tokens or prefix.tokens[0][0] != "term":
        return prefix
    start, tokens = prefix.start, list(prefix.tokens)
    while tokens and tokens[0][0] == "term":
        start += len(tokens.pop(0)[1])
    return _Prefix(start, tuple(tokens))


def _term_before(match: str, pos: int, lo: int) -> tuple[str, str] | None:
    """市八届政协, 市十六届人大常委会: the term of a congress stands between level word and body."""
    if pos <= lo or match[pos - 1] != "届":
        return None
    m = _TERM.search(match, max(lo, pos - 5), pos)
    return ("term", m.group()) if m else None


def _place_before(match: str, pos: int, lo: int) -> tuple[str, str] | None:
    g = _grammar()
    if pos <= lo + 1 or match[pos - 1] not in g.place_ends or (lengths := g.place_lengths.get(match[pos - 2 : pos])) is None:
        return None
    longest = min(10, pos - lo)
    for k in lengths:
        if not 2 <= k <= longest:
            continue
        word = match[pos - k : pos]
        if word in g.places and word not in g.not_places:
            return ("place", word)
    return None


def _level_before(match: str, pos: int, lo: int, after_token: bool) -> tuple[str, str] | None:
    g = _grammar()
    if pos <= lo or (lengths := g.level_lengths.get(match[pos - 1])) is None:
        return None
    for k in lengths:
        if k > pos - lo or (word := match[pos - k : pos]) not in g.levels:
            continue
        if k == 1 and match[pos - 2 : pos] in g.not_level_words:
            return None
        return ("level", word)
    return None


def _function_before(match: str, pos: int, lo: int) -> str | None:
    """The longest written function that ends at ``pos`` (and starts at or after ``lo``)."""
    return _function_before_in(_grammar(), match, pos, lo)


def _function_before_in(g: _Grammar, match: str, pos: int, lo: int) -> str | None:
    if pos <= lo or (lengths := g.alias_lengths.get(match[pos - 1])) is None:
        return None
    for k in lengths:
        if k <= pos - lo and (word := match[pos - k : pos]) in g.aliases:
            return word
    return None


_TEAM_OF_PARTY = re.compile(r"巡[察视](?:工作)?领导小组")
_NUMERALS = frozenset("0123456789一二三四五六七八九十两几多数百千")
_CLAUSE_BREAKS = "。;;:!?\n"


def _opens_with_unit(match: str, start: int, end: int) -> bool:
    """市经信局巡察反馈问题整改工作领导小组, 区落实…领导小组: the group's name opens with its unit."""
    g = _grammar()
    if _level_before(match, start + 1, start, False) or any(match[start : start + k] in g.places for k in range(2, 7)):
        return True
    head = g.head_pattern.search(match, start, end)
    return head is not None and _read(match, head.group(), head.start(), head.end(), start, False) is not None


def _clause_start(match: str, pos: int) -> int:
    start = max(match.rfind(c, max(0, pos - 40), pos) for c in _CLAUSE_BREAKS)
    return max(start + 1, pos - 40, 0)


def _body_kind(match: str, name: str, start: int, head_start: int, kind: Kind) -> Kind:
    """A named body's kind from its name: 人民银行 branches govern, 市/区 companies and 中国… groups
    belong to the state."""
    r = organization_rules()
    if name.startswith(r.government_markers):
        return "government_department"
    if kind == "enterprise":
        own = match[start:head_start]
        owned = name.startswith(r.state_owned_markers) or any(w in own for w in r.state_owned_markers)
        if owned or (match[start] in "省市区县" and match[start : start + 2] not in _grammar().not_level_words):
            return "state_owned_enterprise"
    return kind


def _proper_name(match: str, start: int, head_start: int, end: int, word: str, g: _Grammar | None = None) -> bool:
    """A free name that names one body: not a common noun (有关企业, 国企子公司), and for weak organ
    words (学校, 中心) one that opens with a place or level word (清远市家政服务中心)."""
    g = g or _grammar()
    name, own = match[start:end], match[start:head_start]
    if start == head_start or name in g.generic_names or own in g.generic_names:
        return False
    if name[0] in g.generic_opener_firsts and name.startswith(g.generic_openers) or name[-1] in g.generic_ending_lasts and name.endswith(g.generic_endings):
        return False
    if word in g.weak_institutions:
        longest = min(10, head_start - start)
        opens = match[start] in g.name_opening_firsts and match.startswith(g.name_openings, start) or any(
            k <= longest and match[start : start + k] in g.places for k in g.place_starts.get(match[start : start + 2], ()))
        return opens and head_start - start >= (2 if word in g.zones else 3)
    return True


def _department_function(g: _Grammar, match: str, word: str, s: int, e: int, lo: int) -> tuple[str | None, int]:
    """The longest function before the organ word, which may end inside it (政务服务数据管理 + 局)."""
    best, best_at = None, s
    aliases, alias_lengths = g.aliases, g.alias_lengths
    for k in g.suffix_lengths[word]:
        at = e - k
        # written = _function_before_in(g, match, at, lo), written out: every department word reads this
        if at <= lo or (lengths := alias_lengths.get(match[at - 1])) is None:
            continue
        for n in lengths:
            if n <= at - lo and (written := match[at - n : at]) in aliases:
                if best is None or at - n < best_at - len(best):
                    best, best_at = written, at
                break
    return best, best_at


def _ends_with_word(match: str, pos: int, lo: int, words: tuple[str, ...]) -> bool:
    """Whether one of ``words`` ends at ``pos`` (and starts at or after ``lo``)."""
    return match.endswith(words, max(lo, pos - _LONGEST_WORD), pos)


_LONGEST_WORD = 4  # stop words and generic openers are at most this long (checked by a test)


def _free_name_start(match: str, pos: int, lo: int, group: bool = False, g: _Grammar | None = None) -> int:
    """Where a free name ending at ``pos`` starts: back over ideographs to a stop word (a group
    set up for a task keeps 推进, 落实, 巡察 … in its name), at most 16 characters."""
    g = g or _grammar()
    window = max(lo, pos - 16)
    last = _LAST_NOT_IN_NAME.match(match, window, pos)
    start = last.end() if last else window  # 两个学院: a count; punctuation and digits end a name
    stop = None
    for stop in (g.group_stop_pattern if group else g.stop_pattern).finditer(match, start, pos):
        pass
    if stop is not None:
        start = stop.end()  # the last stop word (the matches end further on one after another)
    opened = match.rfind("(", start, pos)
    if opened >= 0 and match.find(")", opened, pos) < 0:
        start = opened + 1  # 舒荟荟(市红十字会: the name starts inside the bracket
    while start < pos and match[start] in ")":
        start += 1
    return start


# what a free name never holds: anything but ideographs and brackets, and a counted 个/家
_NOT_IN_NAME = r"[^\u4e00-\u9fff()]|[0-9一二三四五六七八九十两几多数百千][个家]"
# its last match (the greedy .* backs off from the end): where the last match of a left-to-right
# scan ends, in one call (no match of it starts inside another: 个 and 家 are no numerals)
_LAST_NOT_IN_NAME = re.compile(f"(?s:.*)(?:{_NOT_IN_NAME})")


def _read(match: str, word: str, s: int, e: int, lo: int, joined: bool, listed: bool = False, g: _Grammar | None = None) -> _Mention | None:
    """The mention ending with the organ word ``word`` at ``s``..``e`` (``joined``: another unit
    ends right before it; ``listed``: it follows another unit and a list separator, 县纪委、监委;
    ``g``: the grammar, passed by the scan that calls this for every organ word)."""
    g = g or _grammar()
    head = g.heads.get(word) or g.heads["巡察组"]
    if e < len(match) and match[e] in head.refused_before:
        return None
    if not joined and word in g.quick_refusals and _plainly_no_unit(g, match, word, head, s, lo, listed):
        return None
    if head.category == "department":  # the commonest organ words: what _body does for them, without its tests
        read = _department_body(g, match, word, s, e, lo, joined, _department_function(g, match, word, s, e, lo))
    else:
        read = _body(g, match, word, head, s, e, lo, joined)
    if read is None:
        return None
    category, kind, function, body = read
    if kind == "zone":
        kind = "other"  # zones acting as units (立山经济开发区)
    if category == "institution" and not joined:
        (start, tokens), body = _institution_prefix(match, body, s, g)
    elif joined or body <= lo or match[body - 1] not in g.prefix_ends:
        start, tokens = body, ()  # most units: no place or level word ends before them
    else:
        start, tokens = _prefix(match, body, lo, g)
    if tokens and tokens[0][0] == "term" and category != "congress":
        start, tokens = _without_terms(_Prefix(start, tokens))
    # every field given in order: keywords cost the generated __init__ more than a tenth of a microsecond
    mention = _Mention(start, e, body, kind, function, None, None, None, False, False, category, False, False, (0, 0), body)
    if tokens:
        _place_fields(mention, tokens, g)
    if category == "institution" and not joined:
        _institution_place(match, mention, word, g)
    if category == "central":
        mention.level = "central"
    if not (_stands_alone(g, match, mention, category, tokens, joined, lo) or (listed and category in _LISTABLE)):
        return None
    if mention.kind == "party_organ" and mention.start > 0 and match[mention.start - 1] in g.outside_party_ends:
        _outside_party(match, mention, lo)
    return mention


def _plainly_no_unit(g: _Grammar, match: str, word: str, head: _Head, s: int, lo: int, listed: bool) -> bool:
    """The commonest organ words read as no unit, told by the character before them alone (what
    ``_read`` would conclude, without its calls): 政府 or 法院 with no place or level word before
    (and not in a list), 局 after a character that ends no function and is no ideograph (。局党组),
    办 or 办公室 after a character that ends no function (所办: an office is named by its function),
    a named body (产业园区, 基地) after one that no free name holds (。产业园区: a name is needed)."""
    before = match[s - 1] if s > lo else ""
    if head.category in ("government", "judicial"):
        return not listed and before not in g.prefix_ends
    if head.category == "office":
        return before not in g.alias_lengths
    if head.category == "institution" and head.kind != "other":  # a named body: its free name ends at the first character that no name holds
        return not before or not ("\u4e00" <= before <= "\u9fff" or before in "()")
    if word == "局":
        return before not in g.alias_lengths and (s - 2 <= lo or not "\u4e00" <= before <= "\u9fff")
    return False


_LISTABLE = ("committee", "discipline", "congress", "judicial", "government")  # 县纪委、监委: 监委 stands in the list
_Body = tuple[str, Kind, "str | None", int]  # category, kind, function, where the unit's own words start


def _body(g: _Grammar, match: str, word: str, head: _Head, s: int, e: int, lo: int, joined: bool) -> _Body | None:
    """What stands before the organ word: a function, a free name, an ordinal, or nothing."""
    category, kind = head.category, head.kind
    if category == "centre":
        return ("central", kind, None, s) if match.startswith(organization_rules().centre_alone_before, e) else None
    if category == "department" or category == "committee" and g.suffix_lengths[word] and word in g.department_suffixes:
        found = _department_function(g, match, word, s, e, lo)
        if category == "department" or found[0]:
            return _department_body(g, match, word, s, e, lo, joined, found)
    if category == "office":
        written = _function_before_in(g, match, s, lo)
        if written is None:
            return (category, kind, None, s) if joined else None
        return category, g.function_kind[g.aliases[written]], g.aliases[written], s - len(written)
    if category == "inspection":
        tail = g.inspection_tail.search(match, max(lo, s - 24), e)
        return category, kind, None, tail.start() if tail else s
    if category == "institution" and kind == "other":
        return _group_body(match, word, s, e, joined)
    if category == "institution":
        body = s if joined else _free_name_start(match, s, lo, False, g)
        if not joined and not _proper_name(match, body, s, e, word, g):
            return None
        return category, _body_kind(match, match[body:e], body, s, kind), None, body
    return category, kind, None, s


def _department_body(g: _Grammar, match: str, word: str, s: int, e: int, lo: int, joined: bool, found: tuple[str | None, int]) -> _Body | None:
    """发改委, 市场监管局: a function from the vocabulary (``found``, by ``_department_function``);
    else 县科教体局 after a level word; 省厅."""
    written, suffix_start = found
    if written is not None:
        function = g.aliases[written]
        return "department", g.function_kind[function], function, suffix_start - len(written)
    if word == "委":
        return "committee", "party_organ", None, s
    if word == "厅" and _level_before(match, s, lo, False) and match[s - 2 : s] not in g.not_level_words:
        return "department", "government_department", None, s  # 省厅: the province's department
    if word.endswith("局"):
        body = _fallback_function(match, e - 1, lo)
        return None if body is None else ("department", "government_department", match[body : e - 1], body)
    if joined and word in organization_rules().offices:
        return "office", "other", None, s
    return None


def _group_body(match: str, word: str, s: int, e: int, joined: bool) -> _Body | None:
    """整改工作领导小组, 整改办: a group set up for a task, named back to its clause's start."""
    body = _free_name_start(match, s, _clause_start(match, s), group=True)
    if body == s and not joined:
        return None
    if _TEAM_OF_PARTY.search(match, body, e):
        return "institution", "party_organ", None, body  # 巡察工作领导小组: the committee's inspection group
    if word.endswith("领导小组") and not match.startswith("办公室", e) and not joined and not _opens_with_unit(match, body, s):
        return None  # 整改工作领导小组 alone: a group, but no unit is named
    return "institution", "other", None, body


def _outside_party(match: str, mention: _Mention, lo: int) -> None:
    """民进广东省委, 政协丽水市委员会: committees that are no organ of the Communist Party."""
    r = organization_rules()
    for word, kind in (*((w, "other") for w in r.other_parties), ("政协", "congress_cppcc")):
        if match.startswith(word, mention.start - len(word)) and mention.start - len(word) >= lo:
            mention.start -= len(word)
            mention.kind = kind
            mention.bare_level = None
            return


def _place_in_name(name: str, i: int, k: int) -> bool:
    """清远市… anywhere, 清远… at the start, (英德) in brackets; not 资源 inside 人力资源."""
    g = _grammar()
    word = name[i : i + k]
    if word not in g.places or word in g.not_places:
        return False
    if any(d.name == word for d in g.places[word]):
        return True
    return i == 0 or name[i - 1] == "(" and name[i + k : i + k + 1] == ")"


@lru_cache(maxsize=4096)
def _last_place_in_name(name: str) -> str | None:
    """The last place named in a body's name (the same names recur through a text)."""
    ends, places = _grammar().place_ends, _grammar().places
    for i in range(len(name) - 1, -1, -1):
        for k in range(min(6, len(name) - i), 1, -1):
            if name[i + k - 1] in ends and name[i : i + k] in places and _place_in_name(name, i, k):
                return name[i : i + k]
    return None


def _institution_place(match: str, mention: _Mention, word: str, g: _Grammar | None = None) -> None:
    """A named body sits where the last place of its name is (广州(清远)产业转移工业园 → 清远市); a
    zone's committee has no level, a body named 中国…/国家… is central."""
    r, g = organization_rules(), g or _grammar()
    name = match[mention.start : mention.end]
    found = _last_place_in_name(name)
    if found:
        mention.division = _pick(g.places[found], mention.division)
        mention.level = _LEVEL_OF_DIVISION[mention.division.level]
    if name.startswith(r.central_openers) and mention.division is None:
        mention.level = "central"
    if word in ("管委会", "管理委员会"):
        mention.level = None


def _institution_prefix(match: str, name_start: int, head_start: int, g: _Grammar | None = None) -> tuple[_Prefix, int]:
    """Place and level words of a free name (right before its organ word, else at its start),
    and where the name's own words start."""
    g = g or _grammar()
    inner = _prefix(match, head_start, name_start, g)
    if inner.tokens:
        return _Prefix(name_start, inner.tokens), head_start if inner.start == name_start else name_start
    longest = min(10, head_start - name_start)
    for k in g.place_starts.get(match[name_start : name_start + 2], ()):
        word = match[name_start : name_start + k]
        if k <= longest and word in g.places and word not in g.not_places:
            return _Prefix(name_start, (("place", word),)), name_start + k
    level = match[name_start]
    if level in g.levels and match[name_start : name_start + 2] not in g.not_level_words and head_start - name_start > 2:
        return _Prefix(name_start, (("level", level),)), name_start + 1
    return _Prefix(name_start, ()), name_start


def _fallback_function(match: str, s: int, lo: int) -> int | None:
    """A 局 or 厅 whose function is not in the vocabulary: two to six ideographs after a level word."""
    ends = _grammar().prefix_ends  # the last characters of every level word and place name
    for k in range(2, 7):
        start = s - k  # the function grows leftwards by one character each time: check the new one
        if start <= lo or not ("\u4e00" <= match[start] <= "\u9fff" and (k > 2 or "\u4e00" <= match[s - 1] <= "\u9fff")):
            return None
        if match[start - 1] in ends and (_level_before(match, start, lo, False) or _place_before(match, start, lo)):
            if match[start:s] not in _grammar().not_level_words and match[s - 1 : s + 1] not in _NOT_BUREAUS and not _STOP_CHARS.intersection(match[start:s]):
                return start
    return None


# a function written out never holds these (区建设我局 is 区建设 + 我局)
_STOP_CHARS = frozenset("我本该各全总分的了和与及等对向在")

# two-character words ending in 局 or 厅 that are no bureau (布局, 大局, 客厅)
_NOT_BUREAUS = frozenset("布局 格局 大局 全局 开局 结局 当局 僵局 骗局 时局 战局 败局 变局 新局 破局 定局 终局 残局 赌局 棋局 饭局 客厅 大厅 餐厅 展厅 舞厅 门厅".split())


def _place_fields(mention: _Mention, tokens: tuple[tuple[str, str], ...], g: _Grammar | None = None) -> None:
    """The place and level of a mention from the tokens of its prefix."""
    g = g or _grammar()
    for kind, word in tokens:
        if kind == "place":
            mention.division = _pick(g.places[word], mention.division)
            mention.level = _LEVEL_OF_DIVISION[mention.division.level]
            mention.bare_level = None
        elif kind == "level":
            level = g.levels[word]
            mention.zone = len(word) > 1 and level == "district"
            if mention.division is None or word not in mention.division.name[-len(word):]:
                mention.bare_level = word if mention.division is None else None
            mention.level = level
    if mention.kind == "party_organ" and mention.level is None and any(t[1] in ("中共中央", "党中央") for t in tokens):
        mention.level = "central"


_LEVEL_OF_DIVISION: dict[int, Level] = {1: "province", 2: "city", 3: "district"}


def _pick(divisions: tuple[Division, ...], within: Division | None) -> Division:
    if within is not None:
        for d in divisions:
            if d.code.startswith(within.code.rstrip("0")[:4] if within.level == 2 else within.code[:2]):
                return d
    return divisions[0]


def _stands_alone(g: _Grammar, match: str, mention: _Mention, category: Category, tokens: tuple[tuple[str, str], ...], joined: bool, lo: int) -> bool:
    """Whether the words read name one unit, not a kind of unit (各部门, 上级巡察组, 3个巡察组);
    ``tokens``: the place and level words before it."""
    if mention.start > 0:
        before = match[mention.start - 1]
        if before in g.generic_opener_ends and _ends_with_word(match, mention.start, 0, g.generic_openers):
            return False
        if before in "个家" or before.isdigit():
            return False
    if category == "department":
        if not tokens:
            if mention.kind == "government_department" and (match[mention.end - 1] == "部" or match.endswith(("总局", "总署"), 0, mention.end)):
                mention.level = "central"  # 财政部, 海关总署: a ministry
            else:
                mention.issuers_own = True  # 住建局 in a county's notice is the county's
        return True
    if category == "institution":
        if mention.kind == "other" and mention.division is None:
            mention.issuers_own = True  # 整改办, 整改工作领导小组: set up by the issuing unit
        return True
    if mention.bare_level and category in ("committee", "discipline", "inspection") and _back_reference_before(match, mention, lo):
        return True
    if joined or category == "central" or mention.function is not None:
        return True
    has_place = any(kind in ("place", "level") for kind, _ in tokens)
    if category == "congress" and (any(kind == "term" for kind, _ in tokens) or _TERM_AFTER.match(match, mention.end) or _CONGRESS_COMMITTEE.match(match, mention.end) and not has_place):
        mention.issuers_own = not has_place
        return True  # 八届政协, 政协三届四次会议: a congress named by its term
    if category == "inspection":
        return has_place or mention.body_start < mention.end - 3 or _unit_noun_before(match, mention, lo)
    if category in ("committee", "discipline", "other_party"):
        if has_place:
            return True
        return _unit_noun_before(match, mention, lo) or _department_follows(match, mention.end)
    return has_place


def _department_follows(match: str, pos: int) -> bool:
    """党委组织部, 纪委办公室: a committee named by the department written straight after it."""
    r, g = organization_rules(), _grammar()
    if match.startswith(r.offices, pos):
        return True
    for k in g.alias_starts.get(match[pos : pos + 1], ()):
        if pos + k <= len(match) and match[pos : pos + k] in g.aliases and match.startswith(g.department_suffixes, pos + k):
            return True
    return False


_TERM_AFTER = re.compile(r"第?[一二三四五六七八九十\d]{1,3}届")


def _back_reference_before(match: str, mention: _Mention, lo: int) -> bool:
    """该镇党委: a back-reference to a unit named before; 该 is part of the mention."""
    if not mention.bare_level:
        return False
    for word in organization_rules().back_references:
        if match.startswith(word, mention.start - len(word)) and mention.start - len(word) >= lo:
            mention.start -= len(word)
            mention.bare_level = None
            return True
    return False


def _unit_noun_before(match: str, mention: _Mention, lo: int) -> bool:
    """校党委, 集团党委, 局党组: a unit noun opens the name; 局 and 机关 are the issuing unit's own
    (at its level and place)."""
    r, g = organization_rules(), _grammar()
    if mention.start <= lo:
        return False
    # the longest unit noun that ends at the mention's start: a probe per length of the nouns
    # that end with the character before it, instead of a test of every noun
    for k in g.unit_noun_lengths.get(match[mention.start - 1], ()):
        if mention.start - k >= lo and match[mention.start - k : mention.start] in g.unit_noun_words:
            noun = match[mention.start - k : mention.start]
            mention.start -= len(noun)
            mention.issuers_own = noun in r.issuer_unit_nouns
            counted = match[mention.start - 1 : mention.start] in "个家" and match[mention.start - 2 : mention.start - 1] in _NUMERALS
            return not (mention.start >= 2 and counted)  # 两个学院党委: a count of units
    return False


# --- the whole text ---------------------------------------------------------------------

CONTEXT_CHARS = 200
# 中新网北京12月3日电, 央广网北京11月10日消息: where the reporter wrote, not where the story is
_DATELINE = re.compile(r"[^\n。]{0,40}?\d{1,2}月\d{1,2}日(?:电|讯|消息)")
_JOINERS = ("派驻", "驻")


def find_organizations(
    text: str,
    issuer_place: Place = Place(),
    match_text: str | None = None,
    excluded: Sequence[tuple[int, int]] = (),
) -> list[FoundOrganization]:
    """Every organisation mention of ``text``, in order; ``excluded`` spans (《》 titles) hold none.

    ``issuer_place`` resolves a bare level word (市 → the issuer's city)."""
    match = fold_traditional(text) if match_text is None else match_text
    match, back = _without_pinyin(match)
    if back is not None:
        excluded = [(_view_position(back, s), _view_position(back, e)) for s, e in excluded]
    colons = _colons(match)
    blocked = _blocked_spans(match, excluded, colons)
    mentions = _scan(match, blocked)
    taken = _Taken([(m.start, m.end) for m in mentions] + blocked)
    mentions = sorted(mentions + _named_functions(match, taken) + _listed_enterprises(match, taken), key=lambda m: m.start)
    if not issuer_place.adcode:
        opening = _DATELINE.match(match)
        start = opening.end() if opening else 0
        issuer_place = _opening_place(match[start : start + CONTEXT_CHARS])  # a page with no issuer: where its opening says it is
    own = _context(issuer_place, [])
    context = _with_named_places(own, mentions)
    town = _town(match) if any(m.level == "township" and m.bare_level for m in mentions) else None
    _share_list_levels(match, mentions)
    roles = _roles(match, mentions, colons)
    if back is not None:
        mentions = [_to_text(m, back) for m in mentions]
    return [_found(text, m, context, own, roles.get(i), town) for i, m in enumerate(mentions)]


_TOWN = re.compile(r"([\u4e00-\u9fff]{2})(镇|乡|街道)")


def _opening_place(opening: str) -> Place:
    """Where a page's opening says it is, when it names places of one province only (a page that
    lists 广西、上海、青海 … is about none of them)."""
    g = gazetteer()
    names = _place_names_in(opening)
    found = [(name, d) for name in names for d in g.by_name[name]]
    full = {d.province_code for name, d in found if d.name == name}  # 新建 is also a district: full names first
    provinces = full or {d.province_code for _, d in found} | {code for short, code in _province_shorts().items() if short in opening}
    return locate(" ".join(names)) if len(provinces) == 1 else Place()


def _place_names_in(text: str) -> list[str]:
    """The gazetteer's names in a short text, longest at each place, left to right; a dictionary
    probe for the lengths of the names that open with the two characters at each place is much
    cheaper than the gazetteer's pattern."""
    g = _grammar()
    names, i = [], 0
    while i < len(text):
        longest = min(10, len(text) - i)
        found = next((text[i : i + k] for k in g.place_starts.get(text[i : i + 2], ()) if k <= longest and text[i : i + k] in g.places), None)
        if found:
            names.append(found)
            i += len(found)
        else:
            i += 1
    return names


@cache
def _province_shorts() -> dict[str, str]:
    """广西, 青海, 内蒙古: provinces as texts name them in passing (the gazetteer keeps full names)."""
    out = {}
    for division in gazetteer().by_code.values():
        if division.level == 1:
            short = re.sub(r"(?:壮族|回族|维吾尔)?自治区$|特别行政区$|省$|市$", "", division.name)
            if len(short) >= 2:
                out[short] = division.province_code
    return out


def _town(match: str) -> str | None:
    """The town a page is about, for a bare 镇 (徐行镇召开… then 镇党委): the first one it names."""
    not_towns = _grammar().not_level_words
    for m in _TOWN.finditer(match, 0, 400):
        if match[m.start(1) + 1 : m.end()] not in not_towns and m.group(1)[-1] not in "各全本该我乡城村集小重古":
            return m.group()
    return None


# Mirror sites write the reading after a character: 自治区(qū)公安厅. Names are read on the text
# without these, and their offsets mapped back.
_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)")


def _without_pinyin(match: str) -> tuple[str, list[int] | None]:
    """The text without inline readings, and the text position of each character kept (plus the end)."""
    if "(" not in match or not _PINYIN.search(match):
        return match, None
    kept: list[int] = []
    pos = 0
    for m in _PINYIN.finditer(match):
        kept.extend(range(pos, m.start()))
        pos = m.end()
    kept.extend(range(pos, len(match) + 1))
    return "".join(match[i] for i in kept[:-1]), kept


def _view_position(back: list[int], position: int) -> int:
    return bisect.bisect_left(back, position)


def _to_text(m: _Mention, back: list[int]) -> _Mention:
    def start(i: int) -> int:
        return back[i]

    def end(i: int) -> int:
        # a reading right after the last character is part of the name: 靜安區政協(xié)
        return back[i] if 0 < i < len(back) and back[i] > back[i - 1] + 1 else (back[i - 1] + 1 if i > 0 else 0)

    return replace(m, start=start(m.start), end=end(m.end), body_start=start(m.body_start), tail_start=start(m.tail_start),
                   prefix_span=(start(m.prefix_span[0]), start(m.prefix_span[1])))


def _scan(match: str, blocked: list[tuple[int, int]]) -> list[_Mention]:
    g, r = _grammar(), organization_rules()
    out: list[_Mention] = []
    blocked_iter = iter(blocked)
    block = next(blocked_iter, None)
    lo = 0  # nothing is read left of the last mention or block
    for m in g.head_pattern.finditer(match):
        s, e = m.span()
        while block is not None and block[1] <= s:
            if block[1] > lo:
                lo = block[1]
            block = next(blocked_iter, None)
        if block is not None and block[0] < e:
            continue
        word = m.group()
        previous = out[-1] if out and out[-1].end >= lo else None
        joined = previous is not None and previous.end == s
        listed = previous is not None and previous.end < s and match[previous.end] in _CONNECTOR_FIRSTS and _connects(match, previous.end, s)
        mention = _read(match, word, s, e, s if joined else lo, joined, listed, g)
        if mention is None:
            continue
        while out and out[-1].start >= mention.start:
            inner = out.pop()  # inside a task group's name (市经信局巡察反馈问题整改工作领导小组)
            if inner.start == mention.start and mention.level is None:
                mention.level, mention.division, mention.bare_level, mention.zone = inner.level, inner.division, inner.bare_level, inner.zone
                mention.issuers_own = False
        previous = out[-1] if out and out[-1].end >= lo else None
        if previous is not None and (joined or (mention.start == previous.end and mention.start == mention.body_start and g.heads[word].category != "institution")):
            out[-1] = _merge(previous, mention)
        elif match[mention.end : mention.end + 1] in g.byline_firsts and match.startswith(r.byline_after, mention.end):
            continue
        else:
            out.append(mention)
        if mention.end > lo:
            lo = mention.end
    # both functions return the mention itself unless it is of a kind that may hold a division
    finished = [_with_division(match, _with_committee(match, m)) if m.kind in _DIVISION_KINDS else m for m in out]
    return _coordinated_levels(match, _join_stationed(match, finished))


_CONGRESS_COMMITTEE = re.compile(r"[\u4e00-\u9fff]{1,6}?(?:委员会|工委|委)(?!员)")


_DIVISION = re.compile(r"[\u4e00-\u9fff]{2,6}?(?:处|科|室|部)(?=副?(?:处长|科长|主任|部长|负责人))")
_DIVISION_UNITS = frozenset("处科室部")  # what a match of _DIVISION ends with, before the title
_DIVISION_KINDS = frozenset(("government_department", "party_organ", "association", "congress_cppcc"))


def _with_division(match: str, m: _Mention) -> _Mention:
    """(市卫生健康委医政医管处处长): a division named before its head's title is part of the unit."""
    if m.kind not in _DIVISION_KINDS or _DIVISION_UNITS.isdisjoint(match[m.end + 2 : m.end + 7]):
        return m  # the division's own word (处, 科 …) ends two to six characters on, or none is named
    division = _DIVISION.match(match, m.end)
    if division is None or _STOP_CHARS.intersection(division.group()):
        return m
    return replace(m, end=division.end())


def _with_committee(match: str, m: _Mention) -> _Mention:
    """市人大常委会代表工委, 市政协提案委: a committee of a congress is part of its name."""
    if m.kind != "congress_cppcc":
        return m
    sub = _CONGRESS_COMMITTEE.match(match, m.end)
    if sub is None or _STOP_CHARS.intersection(sub.group()) or _grammar().head_pattern.search(match, m.end, sub.end() - 1):
        return m
    return replace(m, end=sub.end())


_SHARED_COMMITTEE = re.compile(r"(?:[省市县区州][、]?)+\Z")


def _coordinated_levels(match: str, mentions: list[_Mention]) -> list[_Mention]:
    """省、市、县委 and 省市委 name one committee per level word: 省, 市, 县委."""
    g = _grammar()
    out: list[_Mention] = []
    for m in mentions:
        if m.kind == "party_organ" and m.bare_level and m.body_start - m.start == len(m.bare_level) and match.startswith("委", m.body_start):
            lo = out[-1].end if out else 0
            shared = _SHARED_COMMITTEE.search(match, max(lo, m.start - 8), m.start)
            if shared and not _ends_with_word(match, shared.start(), 0, g.generic_openers):
                for level in re.finditer(r"[省市县区州]", match[shared.start() : shared.end()]):
                    at = shared.start() + level.start()
                    if match[at : at + 2] in g.not_level_words:
                        continue
                    part = _Mention(at, at + 1, at + 1, "party_organ", None, level=g.levels[level.group()], bare_level=level.group(), tail_start=at + 1, category="committee")
                    out.append(part)
        out.append(m)
    return out


def _join_stationed(match: str, mentions: list[_Mention]) -> list[_Mention]:
    """市纪委监委驻市工信局纪检监察组 is one team: a body, 驻, and the team it keeps in a unit."""
    out: list[_Mention] = []
    for m in mentions:
        if out and m.kind == "discipline_inspection" and match[out[-1].end : m.start] in _JOINERS:
            out[-1] = replace(out[-1], end=m.end, kind="discipline_inspection", function=None)
        else:
            out.append(m)
    return out


def _merge(outer: _Mention, inner: _Mention) -> _Mention:
    """One mention of a unit and the sub-unit written after it; the sub-unit says what it is."""
    if inner.kind == "other" and outer.category == "institution" and outer.kind == "other":
        kind, function = "government_department", None  # 领导小组 + 办公室: the group's standing office
    elif inner.kind == "other" or outer.kind == "congress_cppcc":
        kind, function = outer.kind, outer.function if inner.kind == "other" else None
    elif outer.kind == "state_owned_enterprise" and inner.kind == "enterprise":
        kind, function = outer.kind, None  # 市水务投资集团 + 有限公司
    else:
        kind, function = inner.kind, inner.function
    if outer.kind == "party_organ" and outer.function is None and kind == "government_department" and function is not None:
        kind = "party_organ"  # 市委 + 组织部 / 教育工委 …: a working department of the committee
    # ``replace(outer, end=…, kind=…, function=…, tail_start=…, issuers_own=…)`` written out: a
    # generic replace costs several times a constructor call, and units are merged often
    return _Mention(outer.start, inner.end, outer.body_start, kind, function, outer.level, outer.division, outer.bare_level,
                    outer.inherited, outer.function_only, outer.category, outer.issuers_own and outer.division is None,
                    outer.zone, outer.prefix_span, inner.body_start)


class _Taken:
    """Spans already read, for overlap tests in two binary searches."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]
        self.reach = list(accumulate([e for _, e in self.spans], max))  # the furthest end among spans up to each one

    def overlaps(self, start: int, end: int) -> bool:
        k = bisect.bisect_left(self.starts, end) - 1
        return k >= 0 and self.reach[k] > start


def _function_lists(match: str):
    """Each 统计、…等部门, found from its 部门 so that texts without one cost a single scan."""
    pos = 0
    start = _next_bumen(match, 0)
    while start >= 0:
        end = start + 2
        # _LIST_WORDS opens with 等: where none stands in the six characters before, no search
        words = _LIST_WORDS.search(match, max(0, start - 6), start) if match.rfind("等", max(0, start - 6), start) >= 0 else None
        at = words.start() if words else start
        if at >= pos and _function_before(match, at, max(0, at - 12)) is not None:
            listing = _grammar().function_list.search(match, max(pos, at - 120), end)
            if listing is not None and listing.end() == end:
                pos = end
                yield listing
        start = _next_bumen(match, end)


def _next_bumen(match: str, pos: int) -> int:
    """``match.find("部门", pos)``, found by its 门: str.find of one character runs about twice
    as fast as that of two, and 门 stands in few other words (部 opens many: 部署, 部分)."""
    at = match.find("门", pos + 1)
    while at >= 0 and match[at - 1] != "部":
        at = match.find("门", at + 1)
    return at - 1 if at >= 0 else -1


_LIST_WORDS = re.compile(r"等(?:有关|相关)?(?:职能)?\Z")


def _named_functions(match: str, taken: _Taken) -> list[_Mention]:
    """统计、人力资源社会保障、市场监督管理等部门: one row per function named, with no unit word
    (``taken``: the units read and the blocked spans)."""
    g = _grammar()
    out = []
    for listing in _function_lists(match):
        if taken.overlaps(listing.start(), listing.end()):
            continue
        prefix = _prefix(match, listing.start(), max(0, listing.start() - 12))
        if not _is_unit_or_list(match, listing, prefix):
            continue
        if prefix.tokens and _CONNECTORS.search(match, listing.start(), listing.start(1)) is None:
            function = g.aliases[match[listing.start() : listing.start(1)]]
            unit = _Mention(prefix.start, listing.end(), listing.start(), g.function_kind[function], function, tail_start=listing.start(), category="department")
            _place_fields(unit, prefix.tokens)
            out.append(unit)  # 区财政部门: the district's finance department
            continue
        pos = listing.start()
        for item in re.finditer(r"[^、,]+", match[listing.start() : listing.start(1)]):
            start, end = pos + item.start(), pos + item.end()
            function = g.aliases[match[start:end]]
            out.append(_Mention(start, end, start, g.function_kind[function], function, tail_start=start, function_only=True, issuers_own=True))
    return out


_IDEOGRAPHS = re.compile(r"[\u4e00-\u9fff]{2,10}")


def _listed_enterprises(match: str, taken: _Taken) -> list[_Mention]:
    """华芯、珠海天成、迈为等一大批重点项目: companies named by a list that says they are companies."""
    g, words = _grammar(), organization_rules().enterprise_lists
    out = []
    for end in _matches_opening_with(g.enterprise_list_end, match, g.enterprise_list_openers, g.enterprise_list_followers):
        words_after = end.group()
        by_verb = not words_after.startswith("等")
        if not by_verb and not any(w in words_after for w in words.firm_modifiers):
            continue  # 钢铁、水泥等重点企业: trades, not companies
        items: list[tuple[int, int]] = []
        pos = end.start()
        while True:
            separator = match.rfind("、", max(0, pos - 11), pos)
            start = separator + 1 if separator >= 0 and _IDEOGRAPHS.fullmatch(match, separator + 1, pos) else _free_name_start(match, pos, max(0, pos - 10))
            if pos - start < 2 or match[start:pos].endswith(words.not_endings) or match[start:pos] in g.aliases:
                break
            items.insert(0, (start, pos))
            if start == 0 or match[start - 1] != "、":
                break
            pos = start - 1
        if by_verb and len(items) < 2:
            continue  # 推动企业上市: one word before the verb may be anything
        for start, stop in items:
            if not taken.overlaps(start, stop):
                out.append(_Mention(start, stop, start, "enterprise", None, tail_start=start, category="institution"))
    return out


def _blocked_spans(match: str, excluded: Sequence[tuple[int, int]], colons: list[int]) -> list[tuple[int, int]]:
    """Titles, page furniture and byline or source labels: no mention is read there."""
    g = _grammar()
    spans = list(excluded)
    for m_start, m_end, _ in g.furniture.spans(match):
        start = match.rfind("\n", 0, m_start) + 1
        end = match.find("\n", m_end)
        spans.append((start, len(match) if end < 0 else end))
    for label in _labels(g.source_label, match, colons, g.source_label_ends):
        stop = _LABEL_VALUE_END.search(match, label.end())
        spans.append((label.start(), stop.start() if stop else len(match)))
    return sorted(spans + _banners(match))


def _matches_opening_with(pattern: re.Pattern[str], match: str, openers: Iterable[str],
                          followers: dict[str, frozenset[str]] | None = None) -> list[re.Match[str]]:
    """``list(pattern.finditer(match))`` for a pattern every match of which opens with one of
    ``openers``: tried only where ``str.find`` finds one, many times faster than the pattern's own
    scan of every character. ``followers``: for an opener, every character that may follow it in
    a match (等 opens a match only before 一批, 重点 …), so that it is tried only before one."""
    starts = set()
    for opener in openers:
        after = followers.get(opener) if followers else None
        # found by its first character: str.find of one character runs several times faster than
        # that of two or more, and a character opens few words of a text
        first, n = opener[0], len(opener)
        at = match.find(first)
        while at >= 0:
            if (n == 1 or match.startswith(opener, at)) and (after is None or match[at + n : at + n + 1] in after):
                starts.add(at)
            at = match.find(first, at + 1)
    found: list[re.Match[str]] = []
    for at in sorted(starts):
        if (not found or at >= found[-1].end()) and (m := pattern.match(match, at)) is not None:
            found.append(m)
    return found


def _colons(match: str) -> list[int]:
    """Where the colons (: and ：) of a text stand."""
    found = []
    for colon in ":：":
        at = match.find(colon)
        while at >= 0:
            found.append(at)
            at = match.find(colon, at + 1)
    return sorted(found)


def _labels(pattern: re.Pattern[str], match: str, colons: list[int], ends: frozenset[str] | None = None) -> list[re.Match[str]]:
    """``list(pattern.finditer(match))`` for a label pattern (words, spaces, a colon), read back
    from each colon: ``str.find`` reaches the few colons of a text many times faster than the
    pattern's own scan tries every character for the first one of a word. A label holds one
    colon, its last character, so each match lies between the colon before it and its own.
    ``ends``, the last characters of the pattern's words: a colon after none of them is skipped
    without a search."""
    found = []
    previous = 0  # after the colon before
    longest = _grammar().longest_label
    for colon in colons:
        word_end = colon
        while word_end > previous and match[word_end - 1] in " \t":
            word_end -= 1
        if ends is not None and (word_end == previous or match[word_end - 1] not in ends):
            previous = colon + 1
            continue
        label = pattern.search(match, max(previous, word_end - longest), colon + 1)
        if label is not None:
            found.append(label)
        previous = colon + 1
    return found


HEADER_LINES = 6


def _banners(match: str) -> list[tuple[int, int]]:
    """A line among the first ones that only repeats the start of another (the site's banner
    清远市工业和信息化局 above its title 清远市工业和信息化局关于…的函)."""
    lines = _first_lines(match)
    texts = [match[s:e] for s, e in lines]
    return [
        span for span, line in zip(lines, texts)
        if 2 <= len(line) <= 30 and any(other != line and other.startswith(line) for other in texts)
    ]


def _first_lines(match: str) -> list[tuple[int, int]]:
    """The spans of the first ``HEADER_LINES`` lines without the spaces and tabs around them (the
    first spans of ``_LINE.finditer``, found with ``str.find`` instead of a lazy pattern that
    tries the end of the line at every character)."""
    lines = []
    start = 0
    for _ in range(HEADER_LINES):
        end = match.find("\n", start)
        stop = len(match) if end < 0 else end
        line = match[start:stop].lstrip(" \t")
        first = stop - len(line)
        lines.append((first, first + len(line.rstrip(" \t"))))
        if end < 0:
            break
        start = end + 1
    return lines


_LINE = re.compile(r"[ \t]*([^\n]*?)[ \t]*(?:\n|$)")  # what a line of _first_lines is


_LABEL_VALUE_END = re.compile(r"[ \t]{2,}|[\t\n。;]")


# between list items; a bracket after an item is its other name (党委组织部(人事处)、纪委办公室)
_CONNECTORS = re.compile(r"(?:\([^()\n]{1,12}\)|常委)?(?:[、,，]{1,2}|以及|和|及|与)[ \t]*")
_CONNECTOR_FIRSTS = frozenset("(常、,，以和及与")  # what _CONNECTORS opens with: a quick test before the pattern


def _connects(match: str, start: int, end: int) -> bool:
    """Whether the text from ``start`` to ``end`` is a list separator (、, 和, 以及 …)."""
    return start < end and match[start] in _CONNECTOR_FIRSTS and _CONNECTORS.fullmatch(match, start, end) is not None


def _connected(match: str, left: _Mention, right: _Mention) -> bool:
    return _connects(match, left.end, right.start)


def _share_list_levels(match: str, mentions: list[_Mention]) -> None:
    """List items without a place or level word take those of the item before (市发改局、自然资源局)."""
    for previous, m in zip(mentions, mentions[1:]):
        if m.start != m.body_start or m.level is not None or previous.level in (None, "central"):
            continue
        if not _connected(match, previous, m) or m.kind not in ("government_department", "party_organ", "discipline_inspection"):
            continue
        m.level, m.division, m.bare_level, m.inherited = previous.level, previous.division, previous.bare_level, True
        m.prefix_span = previous.prefix_span if previous.inherited else (previous.start, previous.tail_start)


def _runs(match: str, mentions: list[_Mention]) -> list[list[int]]:
    runs: list[list[int]] = []
    previous_end = -1
    for i, m in enumerate(mentions):
        # _connects(match, previous_end, m.start), its first-character test written out
        if previous_end >= 0 and previous_end < m.start and match[previous_end] in _CONNECTOR_FIRSTS and _CONNECTORS.fullmatch(match, previous_end, m.start):
            runs[-1].append(i)
        else:
            runs.append([i])
        previous_end = m.end
    return runs


_AFTER_LIST_FIRSTS = frozenset("、等 \t分共具")  # where _AFTER_LIST can match more than nothing
_AFTER_LIST = re.compile(r"(?:(?:、[\u4e00-\u9fff]{2,8}?)*等(?:有关|相关)?(?:部门|单位|[0-9一二三四五六七八九十]+个(?:部门|单位))?)?[ \t]*(?:分别|共同|具体)?")


def _roles(match: str, mentions: list[_Mention], colons: list[int]) -> dict[int, Role]:
    """lead or partner, from the words around a unit or a list of units (会同…, …牵头), else from
    a label earlier in the clause (牵头单位:…, 责任单位:…)."""
    roles: dict[int, Role] = {}
    labels = _labels(_grammar().role_label, match, colons, _grammar().role_label_ends)
    if labels:
        ends = [label.end() for label in labels]
        for i, m in enumerate(mentions):
            role = _label_role(match, m, labels, ends)
            if role is not None:
                roles[i] = role
    g, joint_after = _grammar(), organization_rules().joint_after
    for run in _runs(match, mentions):
        first, last = mentions[run[0]], mentions[run[-1]]
        role: Role | None = None
        start = first.start
        if start > 0 and match[start - 1] in g.role_before_ends and g.role_before.search(match, max(0, start - 12), start):
            if g.partner_before.search(match, max(0, start - 12), start):
                role = "partner"
            elif g.lead_before.search(match, max(0, start - 12), start):
                role = "lead"
        end = last.end
        after = _AFTER_LIST.match(match, end).end() if match[end : end + 1] in _AFTER_LIST_FIRSTS else end
        following = match[after : after + 1]
        if following in g.joint_after_firsts and match.startswith(joint_after, after):
            joined_from = next((k for k, i in enumerate(run) if mentions[i].start > 0 and match[mentions[i].start - 1] in "与同"), None)
            if joined_from is not None:
                roles.update({i: "partner" for i in run[joined_from:]})  # 市发改局与市商务局联合…: who joins
                continue
        if following not in g.role_after_firsts:
            pass
        elif g.partner_after.match(match, after):
            role = "partner"
        elif g.lead_after.match(match, after):
            role = "lead"
        if role is not None:
            roles.update({i: role for i in run})
    return roles


_CLAUSE_START = re.compile(r"[。;;\n(]")


def _label_role(match: str, m: _Mention, labels: list[re.Match], ends: list[int]) -> Role | None:
    """责任单位:立山经济开发区,各街道,区市场局 — every unit after a label in its clause (``ends``: where the labels end)."""
    k = bisect.bisect_right(ends, m.start) - 1
    if k < 0 or m.start - labels[k].end() > 80 or _CLAUSE_START.search(match, labels[k].end(), m.start):
        return None
    return "lead" if labels[k].group(1) in organization_rules().roles.lead_before else "partner"


def _context(issuer: Place, mentions: list[_Mention]) -> dict[Level, Division]:
    """The place a bare level word refers to: the issuer's, else the first one the text names."""
    g = _grammar()
    context: dict[Level, Division] = {}
    for level, name in (("province", issuer.province), ("city", issuer.city), ("district", issuer.district)):
        if name:
            divisions = [d for d in g.places.get(name, ()) if _LEVEL_OF_DIVISION[d.level] == level]
            if divisions:
                context[level] = _pick(tuple(divisions), context.get("province"))
    return _with_named_places(context, mentions)


def _with_named_places(issuers: dict[Level, Division], mentions: list[_Mention]) -> dict[Level, Division]:
    """``issuers`` (the issuer's places by level) completed by the first place of each level the mentions name."""
    context = dict(issuers)
    for m in mentions:
        if m.division is not None and not m.inherited and (level := _LEVEL_OF_DIVISION[m.division.level]) not in context:
            context[level] = m.division
            if len(context) == len(_LEVEL_OF_DIVISION):
                break  # every level has its place
    return context


@cache
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=4096)
def _folded(name: str) -> str:
    """A unit's name folded to simplified characters; the same names recur through a text (区委, 市政府)."""
    return fold_traditional(name)


def _in_script_of(written: str, place: str) -> str:
    """广东省 as 廣東省 in a name written in traditional characters (廣東省住建廳)."""
    return _s2t().convert(place) if _folded(written) != written else place


def _found(text: str, m: _Mention, context: dict[Level, Division], own: dict[Level, Division], role: Role | None, town: str | None = None) -> FoundOrganization:
    """The row of a mention; ``context`` resolves bare level words, ``own`` is where the issuer sits."""
    written = text[m.start : m.end]
    division, level = m.division, m.level
    if m.bare_level is not None:
        division = context.get(m.level) if m.level in ("province", "city", "district") else None
    elif m.zone and "district" in context and (division is None or context["district"].code.startswith(division.code[:4])):
        division = context["district"]  # 广州开发区: the district the issuer names
    if m.issuers_own and level is None and division is None and own:
        level = next(lv for lv in ("district", "city", "province") if lv in own)
        division = own[level]
    shared = text[m.prefix_span[0] : m.prefix_span[1]] if m.inherited else ""
    name: str | None = None if m.function_only else shared + written
    place = division.name if division else None
    if m.bare_level in ("镇", "乡", "街道") and town and town.endswith(m.bare_level):
        place = town
    if name and m.bare_level is not None and place is not None:
        name = _placed_name(name, m.bare_level, place)
    # tuple.__new__ makes the named tuple without the Python-level __new__ of namedtuple
    return tuple.__new__(FoundOrganization, (m.start, m.end, written, name, m.function, m.kind, level, place, division.code if division else None, role))


@lru_cache(maxsize=4096)
def _placed_name(name: str, bare_level: str, place: str) -> str:
    """市委 in Guangzhou is 广州市委: a bare level word opening a name becomes its place (the same
    names recur through a text)."""
    if not _folded(name).startswith(bare_level):
        return name
    rest = name[len(bare_level) :]
    reading = _PINYIN.match(rest)
    return _in_script_of(name, common_name(place)) + (rest[reading.end() :] if reading else rest)


def written_place_start(match: str, pos: int) -> int:
    """Where the place names and level words written right before ``pos`` start (市八届… → 市)."""
    prefix = _prefix(match, pos, max(0, pos - 20))
    return prefix.start if any(kind != "opener" for kind, _ in prefix.tokens) else pos
