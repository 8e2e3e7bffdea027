"""Inputs beyond plain text and HTML files: containers of many pages (WARC, record files)
and binary document formats (PDF, DOCX), with the provenance of each page (SPEC 1, 8).

``formats`` tells a file's format from its first bytes, ``payload`` turns a PDF or DOCX into
text, ``containers`` walks a WARC or record file one record at a time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Provenance:
    """What an input says about the page besides its bytes."""

    url: str | None = None
    fetched_at: str | None = None  # ISO 8601, UTC when the input says the zone
    reference_date: dt.date | None = None  # resolves years a page does not write (SPEC 1 reference_year)
    title: str | None = None

    def key(self) -> str:
        """A stable text of the fields, for cache keys."""
        return "\x1f".join(str(v or "") for v in (self.url, self.fetched_at, self.reference_date, self.title))


@dataclass(frozen=True)
class Entry:
    """One record of a container: its bytes, or why it has none (a reason of SPEC 8)."""

    source: str
    data: bytes | None
    provenance: Provenance
    reason: str | None = None
    message: str | None = None
