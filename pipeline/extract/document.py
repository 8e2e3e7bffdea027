"""Stage 3: a decoded document → every row of every table.

Reads the outline (segment), the header and tail (metadata), then dates, citations and
figures, and ties each row to the problem and measure it stands in.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import time
from typing import Sequence

from pipeline.extract.dates import FoundDate, date_rules, find_dates, scan_dates
from pipeline.extract.deadlines import find_aims
from pipeline.extract.gazetteer import locate
from pipeline.extract.indicators import find_indicators
from pipeline.extract.metadata import classify, read_header, read_inspection
from pipeline.extract.outcomes import find_outcomes, find_status
from pipeline.extract.organizations import find_organizations
from pipeline.extract.policy_refs import find_policy_refs
from pipeline.extract.proposal import Proposal, read_proposal
from pipeline.fold import fold_traditional
from pipeline.mask import find_masks
from pipeline.models import Extraction
from pipeline.normalize import CanonicalText, DecodedDocument
from pipeline.segment import Outline, segment

_CLAUSE_BREAK = re.compile(r"[,。;:!?\n]")
_SENTENCE_BREAKS = "。;!?\n"  # the clause breaks that end a sentence


def row_id(doc_id: str, table: str, start: int, end: int) -> str:
    """Ids come from the document and the span, never from run order."""
    return f"{doc_id}-{table}{start}-{end}"


class _Containers:
    """Find the innermost problem and measure that contain a span."""

    def __init__(self, problems: Sequence[tuple[int, int, str]], measures: Sequence[tuple[int, int, str]]):
        self.problems, self.measures = problems, measures
        self.problem_starts = [s for s, _, _ in problems]
        self.measure_starts = [s for s, _, _ in measures]

    @staticmethod
    def _find(spans: Sequence[tuple[int, int, str]], starts: list[int], start: int, end: int) -> str | None:
        # Problems and measures do not overlap one another, so the last one starting at or
        # before the span is the only candidate.
        k = bisect.bisect_right(starts, start) - 1
        if k >= 0:
            s, e, ident = spans[k]
            if s <= start and end <= e:
                return ident
        return None

    def problem(self, start: int, end: int) -> str | None:
        return self._find(self.problems, self.problem_starts, start, end)

    def measure(self, start: int, end: int) -> str | None:
        return self._find(self.measures, self.measure_starts, start, end)


class StageClock:
    """Seconds spent per stage, summed over documents (for the benchmark); free when unused."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._last
        self._last = now


Rows = dict[str, list[dict]]  # table → rows as dicts, keys in the order of the table's model


def extract_document(decoded: DecodedDocument, canon: CanonicalText, clock: StageClock | None = None) -> Extraction:
    """Every row of every table, as validated models."""
    return Extraction.from_rows(extract_rows(decoded, canon, clock))


def extract_rows(decoded: DecodedDocument, canon: CanonicalText, clock: StageClock | None = None) -> Rows:
    """Every row of every table, as plain dicts shaped like ``model_dump()`` of the row models.

    The dataset is written from these directly: building and then dumping a pydantic model
    for each of a notice's few hundred rows cost more than a millisecond. The Arrow schema
    checks their types when they are written, ``check_document`` the rules of SPEC 9, and
    ``extract_document`` validates them as models.
    """
    text, doc_id = canon.text, decoded.doc_id
    lap = clock.lap if clock else (lambda stage: None)

    def span(start: int, end: int) -> dict:
        raw_start, raw_end = canon.raw_span(start, end)
        return {"doc_id": doc_id, "text": text[start:end], "char_start": start, "char_end": end, "raw_char_start": raw_start, "raw_char_end": raw_end}

    masks = find_masks(canon.match)
    lap("mask")
    doc_type = classify(canon.match, 0)
    outline = segment(text, doc_type, match_text=canon.match)
    lap("segment")
    header = read_header(text, outline.body_start, outline.body_end, match_text=canon.match)

    published = _date_at(text, header.published_span)
    signed = _date_at(text, header.signed_span)
    date_scan = scan_dates(text, match_text=canon.match, masks=masks)  # one scan: the reference year only changes resolution
    aims = find_aims(canon.match, ((e.start, e.end) for e in date_scan.expressions))
    latest_year_month, common_year = date_scan.year_hints(not_latest=aims.deadlines | aims.targets)
    given = decoded.reference_date  # the record's date, else the user's --reference-date
    reference_year = (signed or published).year if (signed or published) else (given.year if given else (latest_year_month or common_year))
    not_after = max(d for d in (published, signed) if d) if (published or signed) else None
    found_dates = date_scan.dates(reference_year=reference_year, not_after=not_after)
    lap("dates")
    refs = find_policy_refs(text, match_text=canon.match, masks=masks)
    lap("policy_refs")
    excluded = [(d.start, d.end) for d in found_dates] + [(r.start, r.end) for r in refs]
    found_indicators = find_indicators(text, match_text=canon.match, masks=masks, excluded=sorted(excluded))
    lap("indicators")

    inspection = read_inspection(text, (0, outline.body_start), match_text=canon.match) if doc_type.endswith("rectification") else None
    roles = _date_roles(canon.match, found_dates, header, inspection, outline)
    for d in found_dates:
        if d.start in aims.deadlines or d.start in aims.targets:
            roles.setdefault(d.start, "deadline")
    lap("metadata")

    sections = _sections(outline, doc_id, span)
    unit_ids = [s["section_id"] for s in sections]
    problems = [
        {
            **span(p.start, p.end),
            "problem_id": row_id(doc_id, "p", p.start, p.end),
            "section_id": unit_ids[p.unit] if p.unit is not None else None,
            "number": p.number,
            "category": p.category,
            "title": p.title,
            "problem": p.problem,
            "inferred": p.inferred,
            **_status_fields(canon.match, p.start, p.end),
        }
        for p in outline.problems
    ]
    ref_starts = [r.start for r in refs]
    measures = [
        {
            **span(m.start, m.end),
            "measure_id": row_id(doc_id, "m", m.start, m.end),
            "problem_id": problems[m.problem]["problem_id"] if m.problem is not None else None,
            "section_id": unit_ids[m.unit] if m.unit is not None else None,
            "role": m.role,
            "seq": m.seq,
            "marker": m.marker,
            "title": m.title,
            "section_path": list(m.section_path),
            "policy_refs": [r.title for r in refs[bisect.bisect_left(ref_starts, m.start) : bisect.bisect_left(ref_starts, m.end)] if r.end <= m.end],
        }
        for m in outline.measures
    ]
    containers = _Containers(
        sorted((p["char_start"], p["char_end"], p["problem_id"]) for p in problems),
        sorted((m["char_start"], m["char_end"], m["measure_id"]) for m in measures),
    )

    def placed(table: str, id_field: str, start: int, end: int) -> dict:
        """Span fields, the row's id, and the problem and measure the span stands in."""
        return {**span(start, end), id_field: row_id(doc_id, table, start, end),
                "problem_id": containers.problem(start, end), "measure_id": containers.measure(start, end)}

    dates = [
        {
            **placed("d", "date_id", d.start, d.end),
            "date_start": d.date_start,
            "date_end": d.date_end,
            "granularity": d.granularity,
            "year_inferred": d.year_inferred,
            "as_of": d.as_of,
            "open_end": d.open_end,
            "broken": d.broken,
            "role": roles.get(d.start, "mention"),
        }
        for d in found_dates
    ]
    date_words = date_rules()
    periods = Periods(canon.match, dates if found_indicators else [], date_words.base_before, date_words.comparison_after)
    indicators = [
        {
            **placed("i", "indicator_id", i.start, i.end),
            "value": float(i.value),
            "multiplier": float(i.multiplier),
            "value_normalized": float(i.value_normalized),
            "unit": i.unit,
            "kind": i.kind,
            "qualifier": i.qualifier,
            "change": i.change,
            "comparison": i.comparison,
            "subject": i.subject,
            "date_id": periods.measured(i.start, i.end),
        }
        for i in found_indicators
    ]
    policy_refs = [
        {
            **placed("r", "ref_id", r.start, r.end),
            "title": r.title,
            "doc_number": r.doc_number,
            "alias": r.alias,
        }
        for r in refs
    ]
    outcomes = _outcomes(canon.match, found_indicators, indicators, placed)
    lap("outcomes")
    by_role = {d["role"]: d for d in reversed(dates)}
    place = locate(*(fold_traditional(t) if t else t for t in (header.issuer, header.title)))  # the gazetteer is simplified
    organizations = [
        {
            **placed("o", "org_id", o.start, o.end),
            "name": o.name,
            "function": o.function,
            "kind": o.kind,
            "level": o.level,
            "place": o.place,
            "adcode": o.adcode,
            "role": o.role,
        }
        for o in find_organizations(text, place, match_text=canon.match, excluded=[(r.start, r.end) for r in refs])
    ]
    lap("organizations")
    proposal = read_proposal(header.title, text, match_text=canon.match) if doc_type == "proposal_reply" else Proposal()
    document = {
        "doc_id": doc_id,
        "source": decoded.source,
        "url": decoded.url,
        "fetched_at": decoded.fetched_at,
        "encoding": decoded.encoding,
        "doc_type": doc_type,
        "title": header.title,
        "issuer": header.issuer,
        "province": place.province,
        "city": place.city,
        "district": place.district,
        "adcode": place.adcode,
        "published_date": published,
        "signed_date": signed,
        "reference_year": reference_year,
        "inspection_body": inspection.body if inspection else None,
        "inspection_kind": inspection.kind if inspection else None,
        "inspection_topic": inspection.topic if inspection else None,
        "inspection_start": by_role["inspection"]["date_start"] if "inspection" in by_role else None,
        "inspection_end": by_role["inspection"]["date_end"] if "inspection" in by_role else None,
        "feedback_date": by_role["feedback"]["date_start"] if "feedback" in by_role else None,
        "contact_phones": list(header.contact_phones),
        "contact_emails": list(header.contact_emails),
        "contact_address": header.contact_address,
        "postcode": header.postcode,
        "proposal_number": proposal.number,
        "proposer": proposal.proposer,
        "proposer_role": proposal.proposer_role,
        "proposal_session": proposal.session,
        "proposal_title": proposal.title,
        "n_sections": len(sections),
        "n_problems": len(problems),
        "n_measures": len(measures),
        "n_dates": len(dates),
        "n_indicators": len(indicators),
        "n_policy_refs": len(policy_refs),
        "n_outcomes": len(outcomes),
        "n_organizations": len(organizations),
        "text": text,
    }
    lap("rows")
    return {
        "documents": [document],
        "sections": sections,
        "problems": problems,
        "measures": measures,
        "dates": dates,
        "indicators": indicators,
        "policy_refs": policy_refs,
        "outcomes": outcomes,
        "organizations": organizations,
    }


def _status_fields(match_text: str, start: int, end: int) -> dict:
    found = find_status(match_text, start, end)
    if found is None:
        return {"status": None, "status_char_start": None, "status_char_end": None}
    return {"status": found.status, "status_char_start": found.start, "status_char_end": found.end}


def _outcomes(match_text: str, found_indicators, indicators: list[dict], placed) -> list[dict]:
    """Outcome rows: figures of the indicators table that state what the rectification achieved."""
    return [
        {
            **placed("o", "outcome_id", o.start, o.end),
            "kind": o.kind,
            "action": o.action,
            "value": o.value,
            "unit": o.unit,
            "indicator_id": indicators[o.indicator]["indicator_id"],
        }
        for o in find_outcomes(match_text, found_indicators)
    ]


def _sections(outline: Outline, doc_id: str, span) -> list[dict]:
    ids = [row_id(doc_id, "s", u.start, u.end) for u in outline.units]
    return [
        {
            **_without_text(span(u.start, u.end)),
            "section_id": ids[i],
            "parent_id": ids[u.parent] if u.parent is not None else None,
            "level": u.level,
            "seq": u.seq,
            "marker": u.marker,
            "heading": u.heading,
            "role": u.role,
        }
        for i, u in enumerate(outline.units)
    ]


def _without_text(span: dict) -> dict:
    """A section's offsets: its text is documents.text[char_start:char_end] (sections nest, so
    storing it would repeat each character once per level)."""
    del span["text"]
    return span


def _date_at(text: str, span: tuple[int, int] | None) -> dt.date | None:
    if not span:
        return None
    found = find_dates(text[span[0] : span[1]])
    return found[0].date_start if found and found[0].granularity == "day" else None


def _date_roles(text: str, dates: list[FoundDate], header, inspection, outline: Outline) -> dict[int, str]:
    roles: dict[int, str] = {}
    for d in dates:
        for role, where in (("published", header.published_span), ("signed", header.signed_span)):
            if where and where[0] <= d.start and d.end <= where[1]:
                roles[d.start] = role
    if inspection is None:
        return roles
    preamble = [d for d in dates if d.end <= outline.body_start and d.start not in roles and d.date_start]
    feedback_at = text.find("反馈", 0, outline.body_start)
    if feedback_at >= 0:
        sentence_start = max(text.rfind("。", 0, feedback_at), text.rfind("\n", 0, feedback_at)) + 1
        before = [d for d in preamble if sentence_start <= d.start and d.end <= feedback_at]
        if before:
            roles[before[-1].start] = "feedback"
    body_at = inspection.body_span[0] if inspection.body_span else None
    candidates = [d for d in preamble if d.start not in roles and (body_at is None or d.end <= body_at)]
    if candidates:
        roles[candidates[-1].start] = "inspection"
    return roles


CLAUSE_REACH = 200  # characters a sentence is looked for on each side of a figure


class Periods:
    """The period a figure measures: the date nearest before it in its sentence (截至2024年底,全市
    累计投资30亿元,同比增长5% links both figures to 2024年底), else the first after it in its clause;
    never a comparison base (较2023年增长43%, 与上年同期相比) nor a date inside the figure itself.

    Breaks are found once per document and each figure costs a few binary searches, so a
    document of any length stays linear."""

    def __init__(self, match_text: str, dates: list[dict], comparison_before: tuple[str, ...], comparison_after: tuple[str, ...]):
        self.text = match_text
        self.clause_breaks = [m.start() for m in _CLAUSE_BREAK.finditer(match_text)] if dates else []
        self.sentence_breaks = [k for k in self.clause_breaks if match_text[k] in _SENTENCE_BREAKS]
        self.dates = [d for d in dates if not _is_base(match_text, d["char_start"], d["char_end"], comparison_before, comparison_after)]
        self.starts = [d["char_start"] for d in self.dates]

    def measured(self, start: int, end: int) -> str | None:
        left = self._before(self.sentence_breaks, start)
        k = bisect.bisect_right(self.starts, start) - 1
        while k >= 0 and self.dates[k]["char_end"] > start:
            k -= 1  # a date inside the figure (较2023年同期增长5%) is its comparison base
        if k >= 0 and self.dates[k]["char_start"] >= left:
            return self.dates[k]["date_id"]
        right = self._after(self.clause_breaks, end)
        k = bisect.bisect_left(self.starts, end)
        if k < len(self.dates) and self.dates[k]["char_end"] <= right:
            return self.dates[k]["date_id"]
        return None

    def _before(self, breaks: list[int], pos: int) -> int:
        k = bisect.bisect_left(breaks, pos) - 1
        return max(breaks[k] + 1 if k >= 0 else 0, pos - CLAUSE_REACH)

    def _after(self, breaks: list[int], pos: int) -> int:
        k = bisect.bisect_left(breaks, pos)
        return min(breaks[k] if k < len(breaks) else len(self.text), pos + CLAUSE_REACH)


def _is_base(text: str, start: int, end: int, before: tuple[str, ...], after: tuple[str, ...]) -> bool:
    """较2023年, 比上年, 与去年同期相比: a date that a figure is compared with."""
    return any(text.startswith(w, start - len(w)) for w in before) or any(text.startswith(w, end) for w in after)
