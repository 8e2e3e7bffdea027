"""The hand-off from finding to row building: what the finders saw in one document.

Spans and values in the canonical text, before any row, id or link exists
(``pipeline.extract.document`` fills it, ``pipeline.extract.rows`` turns it into rows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.extract.dates import FoundDate
from pipeline.extract.gazetteer import Place
from pipeline.extract.indicators import FoundIndicator
from pipeline.extract.metadata import Header, Inspection
from pipeline.extract.organizations import FoundOrganization
from pipeline.extract.outcomes import FoundOutcome, FoundStatus
from pipeline.extract.policy_refs import FoundRef
from pipeline.extract.proposal import Proposal
from pipeline.segment import Outline


@dataclass(frozen=True)
class Found:
    doc_type: str
    outline: Outline
    header: Header
    published: dt.date | None  # the web date, when the header has one
    signed: dt.date | None  # the date under the signature
    reference_year: int | None  # resolves 今年 and dates written without a year
    dates: list[FoundDate]
    date_roles: dict[int, str]  # start of a date → its role, for the dates that are no plain mention
    inspection: Inspection | None  # rectification notices only
    statuses: list[FoundStatus | None]  # of outline.problems, in their order
    policy_refs: list[FoundRef]
    indicators: list[FoundIndicator]
    outcomes: list[FoundOutcome]  # each on one of indicators
    place: Place  # where the issuer sits
    organizations: list[FoundOrganization]
    proposal: Proposal
