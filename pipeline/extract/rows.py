"""What the finders found in one document → the rows of every table.

Row building gives each row its id (from the document, the table and the span), its offsets
in the raw input, the problem and measure it stands in, the period a figure measures, and
the document row its counts. It reads no text for meaning: that is the finders' work
(``pipeline.extract.document``).
"""

from __future__ import annotations

import bisect
import re
from typing import Iterator, Sequence

from pipeline.extract.dates import date_rules
from pipeline.extract.found import Found
from pipeline.models import REGISTRY
from pipeline.normalize import CanonicalText, DecodedDocument

Rows = dict[str, list[dict]]  # table → rows as dicts, keys in the order of the table's model

_CLAUSE_BREAK = re.compile(r"[,。;:!?\n]")
_SENTENCE_BREAKS = "。;!?\n"  # the clause breaks that end a sentence


def row_id(doc_id: str, prefix: str, start: int, end: int) -> str:
    """Ids come from the document, the table's prefix and the span, never from run order."""
    return f"{doc_id}-{prefix}{start}-{end}"


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


class _Spans:
    """The fields every span row shares: offsets in both texts, the id, the enclosing rows."""

    def __init__(self, decoded: DecodedDocument, canon: CanonicalText):
        self.doc_id, self.text, self.canon = decoded.doc_id, canon.text, canon
        self.raw_span = canon.chain.span  # what canon.raw_span calls, one call less per row
        self.containers = _Containers([], [])

    def span(self, start: int, end: int) -> dict:
        raw_start, raw_end = self.raw_span(start, end)
        return {"doc_id": self.doc_id, "text": self.text[start:end], "char_start": start, "char_end": end, "raw_char_start": raw_start, "raw_char_end": raw_end}

    def located(self, start: int, end: int) -> dict:
        """Offsets without the text: a section's text is documents.text[char_start:char_end]
        (sections nest, so storing it would repeat each character once per level)."""
        raw_start, raw_end = self.raw_span(start, end)
        return {"doc_id": self.doc_id, "char_start": start, "char_end": end, "raw_char_start": raw_start, "raw_char_end": raw_end}

    def ident(self, table: str, start: int, end: int) -> str:
        return row_id(self.doc_id, REGISTRY[table].id_prefix, start, end)

    def placed(self, table: str, start: int, end: int) -> dict:
        """Span fields, the row's id, and the problem and measure the span stands in (one dict
        made at once: rows are made by the hundred per document)."""
        raw_start, raw_end = self.raw_span(start, end)
        spec, containers = REGISTRY[table], self.containers
        return {"doc_id": self.doc_id, "text": self.text[start:end], "char_start": start, "char_end": end, "raw_char_start": raw_start,
                "raw_char_end": raw_end, spec.id_field: row_id(self.doc_id, spec.id_prefix, start, end),
                "problem_id": containers.problem(start, end), "measure_id": containers.measure(start, end)}


def build_rows(decoded: DecodedDocument, canon: CanonicalText, found: Found) -> Rows:
    """Every row of every table, as plain dicts shaped like ``model_dump()`` of the row models."""
    return {table: list(rows) for table, rows in iter_rows(decoded, canon, found)}


def iter_rows(decoded: DecodedDocument, canon: CanonicalText, found: Found) -> Iterator[tuple[str, Iterator[dict]]]:
    """The rows of every table, a table at a time (the document first, then the tables in the
    order of their references), each table's rows made as they are taken: a large document
    need never hold a table's dicts whole. What a row takes from rows of other tables (their
    ids, the problem and measure a span stands in) comes from what was found, so a table's
    rows must be taken before the next table is asked for."""
    spans = _Spans(decoded, canon)
    outline = found.outline
    yield "documents", iter([_document(decoded, canon, found)])
    unit_ids = [spans.ident("sections", u.start, u.end) for u in outline.units]
    yield "sections", _sections(found, spans, unit_ids)
    problem_ids = [spans.ident("problems", p.start, p.end) for p in outline.problems]
    yield "problems", _problems(found, spans, problem_ids, unit_ids)
    yield "measures", _measures(found, spans, problem_ids, unit_ids)
    spans.containers = _Containers(sorted((p.start, p.end, ident) for p, ident in zip(outline.problems, problem_ids)),
                                   sorted((m.start, m.end, spans.ident("measures", m.start, m.end)) for m in outline.measures))
    del unit_ids, problem_ids
    yield "dates", _dates(found, spans)
    yield "indicators", _indicators(found, spans, _periods(found, spans, canon.match))
    yield "policy_refs", ({**spans.placed("policy_refs", r.start, r.end), "title": r.title, "doc_number": r.doc_number, "alias": r.alias}
                          for r in found.policy_refs)
    yield "outcomes", _outcomes(found, spans, [spans.ident("indicators", i.start, i.end) for i in found.indicators])
    yield "organizations", _organizations(found, spans)


def _sections(found: Found, spans: _Spans, ids: list[str]) -> Iterator[dict]:
    units = found.outline.units
    return (
        {
            **spans.located(u.start, u.end),
            "section_id": ids[i],
            "parent_id": ids[u.parent] if u.parent is not None else None,
            "level": u.level,
            "seq": u.seq,
            "marker": u.marker,
            "heading": u.heading,
            "role": u.role,
        }
        for i, u in enumerate(units)
    )


def _problems(found: Found, spans: _Spans, ids: list[str], unit_ids: list[str]) -> Iterator[dict]:
    return (
        {
            **spans.span(p.start, p.end),
            "problem_id": ids[k],
            "section_id": unit_ids[p.unit] if p.unit is not None else None,
            "number": p.number,
            "category": p.category,
            "title": p.title,
            "problem": p.problem,
            "inferred": p.inferred,
            "status": status.status if status else None,
            "status_char_start": status.start if status else None,
            "status_char_end": status.end if status else None,
        }
        for k, (p, status) in enumerate(zip(found.outline.problems, found.statuses))
    )


def _measures(found: Found, spans: _Spans, problem_ids: list[str], unit_ids: list[str]) -> Iterator[dict]:
    refs = found.policy_refs
    ref_starts = [r.start for r in refs]
    return (
        {
            **spans.span(m.start, m.end),
            "measure_id": spans.ident("measures", m.start, m.end),
            "problem_id": problem_ids[m.problem] if m.problem is not None else None,
            "section_id": unit_ids[m.unit] if m.unit is not None else None,
            "role": m.role,
            "seq": m.seq,
            "marker": m.marker,
            "title": m.title,
            "section_path": list(m.section_path),
            "policy_refs": [r.title for r in refs[bisect.bisect_left(ref_starts, m.start) : bisect.bisect_left(ref_starts, m.end)] if r.end <= m.end],
        }
        for m in found.outline.measures
    )


def _dates(found: Found, spans: _Spans) -> Iterator[dict]:
    return (
        {
            **spans.placed("dates", d.start, d.end),
            "date_start": d.date_start,
            "date_end": d.date_end,
            "granularity": d.granularity,
            "year_inferred": d.year_inferred,
            "as_of": d.as_of,
            "open_end": d.open_end,
            "broken": d.broken,
            "role": found.date_roles.get(d.start, "mention"),
        }
        for d in found.dates
    )


def _periods(found: Found, spans: _Spans, match_text: str) -> Periods:
    """The periods of the figures, from the fields of the date rows that it reads."""
    date_words = date_rules()
    dates = [{"char_start": d.start, "char_end": d.end, "date_id": spans.ident("dates", d.start, d.end)} for d in found.dates] if found.indicators else []
    return Periods(match_text, dates, date_words.base_before, date_words.comparison_after)


def _indicators(found: Found, spans: _Spans, periods: Periods) -> Iterator[dict]:
    return (
        {
            **spans.placed("indicators", i.start, i.end),
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
        for i in found.indicators
    )


def _outcomes(found: Found, spans: _Spans, indicator_ids: list[str]) -> Iterator[dict]:
    """Outcome rows: figures of the indicators table that state what the rectification achieved."""
    return (
        {
            **spans.placed("outcomes", o.start, o.end),
            "kind": o.kind,
            "action": o.action,
            "value": o.value,
            "unit": o.unit,
            "indicator_id": indicator_ids[o.indicator],
        }
        for o in found.outcomes
    )


def _organizations(found: Found, spans: _Spans) -> Iterator[dict]:
    return (
        {
            **spans.placed("organizations", o.start, o.end),
            "name": o.name,
            "function": o.function,
            "kind": o.kind,
            "level": o.level,
            "place": o.place,
            "adcode": o.adcode,
            "role": o.role,
        }
        for o in found.organizations
    )


def _document(decoded: DecodedDocument, canon: CanonicalText, found: Found) -> dict:
    """The document row: what the header, the inspection and the proposal say, and the counts."""
    header, inspection, place, proposal = found.header, found.inspection, found.place, found.proposal
    by_role = {found.date_roles.get(d.start, "mention"): {"date_start": d.date_start, "date_end": d.date_end} for d in reversed(found.dates)}
    counted = {"sections": found.outline.units, "problems": found.outline.problems, "measures": found.outline.measures, "dates": found.dates,
               "indicators": found.indicators, "policy_refs": found.policy_refs, "outcomes": found.outcomes, "organizations": found.organizations}
    fields = {
        "doc_id": decoded.doc_id, "source": decoded.source, "url": decoded.url, "fetched_at": decoded.fetched_at,
        "encoding": decoded.encoding, "doc_type": found.doc_type, "title": header.title, "issuer": header.issuer,
        "province": place.province, "city": place.city, "district": place.district, "adcode": place.adcode,
        "published_date": found.published, "signed_date": found.signed, "reference_year": found.reference_year,
        "inspection_body": inspection.body if inspection else None,
        "inspection_kind": inspection.kind if inspection else None,
        "inspection_topic": inspection.topic if inspection else None,
        "inspection_start": by_role["inspection"]["date_start"] if "inspection" in by_role else None,
        "inspection_end": by_role["inspection"]["date_end"] if "inspection" in by_role else None,
        "feedback_date": by_role["feedback"]["date_start"] if "feedback" in by_role else None,
        "contact_phones": list(header.contact_phones), "contact_emails": list(header.contact_emails),
        "contact_address": header.contact_address, "postcode": header.postcode,
        "proposal_number": proposal.number, "proposer": proposal.proposer, "proposer_role": proposal.proposer_role,
        "proposal_session": proposal.session, "proposal_title": proposal.title,
        **{t.count: len(counted.get(t.name, ())) for t in REGISTRY.values() if t.count},
        "text": canon.text,
    }  # fmt: skip
    return {name: fields[name] for name in REGISTRY["documents"].model.model_fields}


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
