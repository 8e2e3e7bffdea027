"""Stage 3: a decoded document → every row of every table.

The orchestrator of one document: mask → segment → find → build rows.  Finding reads the
outline, the header and tail (metadata), dates, citations, figures, outcomes and
organisations on the masked text (``Found``); row building (``pipeline.extract.rows``) gives
them ids, ties each row to the problem and measure it stands in, and counts them.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Callable

from pipeline.extract.dates import FoundDate, find_dates, scan_dates
from pipeline.extract.deadlines import Aims, find_aims
from pipeline.extract.found import Found
from pipeline.extract.gazetteer import locate
from pipeline.extract.indicators import find_indicators
from pipeline.extract.metadata import Header, Inspection, classify, read_header, read_inspection
from pipeline.extract.outcomes import find_outcomes, find_status
from pipeline.extract.organizations import find_organizations
from pipeline.extract.policy_refs import find_policy_refs
from pipeline.extract.proposal import Proposal, read_proposal
from pipeline.extract.rows import Rows, build_rows
from pipeline.fold import fold_traditional
from pipeline.mask import Masks, find_masks
from pipeline.models import Extraction
from pipeline.normalize import CanonicalText, DecodedDocument
from pipeline.segment import Outline, segment

__all__ = ["Rows", "StageClock", "extract_document", "extract_rows"]


class StageClock:
    """Seconds spent per stage, summed over documents (for the benchmark); free when unused."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._last
        self._last = now


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
    lap = clock.lap if clock else (lambda stage: None)
    masks = find_masks(canon.match)
    lap("mask")
    doc_type = classify(canon.match, 0)
    outline = segment(canon.text, doc_type, match_text=canon.match)
    lap("segment")
    found = find(decoded, canon, masks, doc_type, outline, lap)
    rows = build_rows(decoded, canon, found)
    lap("rows")
    return rows


@dataclass(frozen=True)
class _Timeline:
    """The dates of a document and what fixes their years."""

    published: dt.date | None
    signed: dt.date | None
    reference_year: int | None
    dates: list[FoundDate]
    aims: Aims


def find(decoded: DecodedDocument, canon: CanonicalText, masks: Masks, doc_type: str, outline: Outline, lap: Callable[[str], None]) -> Found:
    """Every finder on the masked text of one segmented document, in the order their results feed each other."""
    text, match = canon.text, canon.match
    header = read_header(text, outline.body_start, outline.body_end, match_text=match)
    timeline = _timeline(decoded, canon, masks, header)
    lap("dates")
    refs = find_policy_refs(text, match_text=match, masks=masks)
    lap("policy_refs")
    excluded = [(d.start, d.end) for d in timeline.dates] + [(r.start, r.end) for r in refs]
    indicators = find_indicators(text, match_text=match, masks=masks, excluded=sorted(excluded))
    lap("indicators")
    inspection = read_inspection(text, (0, outline.body_start), match_text=match) if doc_type.endswith("rectification") else None
    roles = _date_roles(match, timeline, header, inspection, outline)
    lap("metadata")
    statuses = [find_status(match, p.start, p.end) for p in outline.problems]
    outcomes = find_outcomes(match, indicators)
    lap("outcomes")
    place = locate(*(fold_traditional(t) if t else t for t in (header.issuer, header.title)))  # the gazetteer is simplified
    organizations = find_organizations(text, place, match_text=match, excluded=[(r.start, r.end) for r in refs])
    lap("organizations")
    proposal = read_proposal(header.title, text, match_text=match) if doc_type == "proposal_reply" else Proposal()
    return Found(doc_type=doc_type, outline=outline, header=header, published=timeline.published, signed=timeline.signed,
                 reference_year=timeline.reference_year, dates=timeline.dates, date_roles=roles, inspection=inspection,
                 statuses=statuses, policy_refs=refs, indicators=indicators, outcomes=outcomes, place=place,
                 organizations=organizations, proposal=proposal)


def _timeline(decoded: DecodedDocument, canon: CanonicalText, masks: Masks, header: Header) -> _Timeline:
    """The dates, resolved against the reference year: the signature's or web date's year, else the
    record's date, else the year the text writes most recently with a month, else most often."""
    published = _date_at(canon.text, header.published_span)
    signed = _date_at(canon.text, header.signed_span)
    date_scan = scan_dates(canon.text, match_text=canon.match, masks=masks)  # one scan: the reference year only changes resolution
    aims = find_aims(canon.match, ((e.start, e.end) for e in date_scan.expressions))
    latest_year_month, common_year = date_scan.year_hints(not_latest=aims.deadlines | aims.targets)
    given = decoded.reference_date  # the record's date, else the user's --reference-date
    reference_year = (signed or published).year if (signed or published) else (given.year if given else (latest_year_month or common_year))
    not_after = max(d for d in (published, signed) if d) if (published or signed) else None
    dates = date_scan.dates(reference_year=reference_year, not_after=not_after)
    return _Timeline(published, signed, reference_year, dates, aims)


def _date_at(text: str, span: tuple[int, int] | None) -> dt.date | None:
    if not span:
        return None
    found = find_dates(text[span[0] : span[1]])
    return found[0].date_start if found and found[0].granularity == "day" else None


def _date_roles(text: str, timeline: _Timeline, header: Header, inspection: Inspection | None, outline: Outline) -> dict[int, str]:
    """Start of a date → its role: published, signed, feedback, inspection, else deadline (or mention)."""
    dates = timeline.dates
    roles = _preamble_roles(text, dates, header, inspection, outline)
    for d in dates:
        if d.start in timeline.aims.deadlines or d.start in timeline.aims.targets:
            roles.setdefault(d.start, "deadline")
    return roles


def _preamble_roles(text: str, dates: list[FoundDate], header: Header, inspection: Inspection | None, outline: Outline) -> dict[int, str]:
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


