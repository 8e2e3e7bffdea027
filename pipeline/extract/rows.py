"""What the finders found in one document → the rows of every table.

Row building gives each row its id (from the document, the table and the span), its offsets
in the raw input, the problem and measure it stands in, the period a figure measures, and
the document row its counts. It reads no text for meaning: that is the finders' work
(``pipeline.extract.document``).
"""

from __future__ import annotations

import bisect
import re
from bisect import bisect_right
from typing import Callable, Iterable, Iterator, Sequence

from pipeline.extract.dates import date_rules
from pipeline.extract.found import Found
from pipeline.models import REGISTRY
from pipeline.normalize import CanonicalText, DecodedDocument

Rows = dict[str, list[dict]]  # table → rows as dicts, keys in the order of the table's model

_CLAUSE_BREAK = re.compile(r"[,。;:!?\n]")
_SENTENCE_BREAK = re.compile(r"[。;!?\n]")  # the clause breaks that end a sentence


def _id_head(doc_id: str, prefix: str) -> str:
    """What every id of one table of one document starts with: an id is this head and its span
    (``{start}-{end}``), so ids come from the document, the table and the span, never from run order."""
    return f"{doc_id}-{prefix}"


class _Containers:
    """Find the innermost problem and measure that contain a span.

    Problems do not overlap one another, nor do measures, so the last one starting at or before
    a span is the only candidate: it contains the span if it ends at or after the span's end."""

    def __init__(self, problems: Sequence[tuple[int, int, str]], measures: Sequence[tuple[int, int, str]]):
        self.problem_starts, self.problem_ends, self.problem_ids = _columns(problems)
        self.measure_starts, self.measure_ends, self.measure_ids = _columns(measures)


def _columns(spans: Sequence[tuple[int, int, str]]) -> tuple[list[int], list[int], list[str]]:
    return [s for s, _, _ in spans], [e for _, e, _ in spans], [i for _, _, i in spans]


class _Spans:
    """The fields every span row shares: offsets in both texts, the id, the enclosing rows.

    Rows are made by the hundred per document, so each is one dict made at once with the
    table's own fields set on it after (cheaper than merging two dicts), and ``placer`` gives a
    table one function that does all of a row's lookups without further calls."""

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

    def ids(self, table: str, items: Iterable) -> list[str]:
        """The ids of rows on the spans of ``items`` (anything with ``start`` and ``end``)."""
        head = _id_head(self.doc_id, REGISTRY[table].id_prefix)
        return [head + str(x.start) + "-" + str(x.end) for x in items]  # as placer's f-string, made faster by the hundred

    def placer(self, table: str) -> Callable[..., dict]:
        """A function of a span (and its id, when the id was made before) → its row's span fields,
        id, and the problem and measure it stands in."""
        spec, c = REGISTRY[table], self.containers
        doc_id, text, raw_span, id_field, head = self.doc_id, self.text, self.raw_span, spec.id_field, _id_head(self.doc_id, spec.id_prefix)
        p_starts, p_ends, p_ids, m_starts, m_ends, m_ids = c.problem_starts, c.problem_ends, c.problem_ids, c.measure_starts, c.measure_ends, c.measure_ids

        def placed(start: int, end: int, ident: str | None = None) -> dict:
            raw_start, raw_end = raw_span(start, end)
            k = bisect_right(p_starts, start) - 1
            j = bisect_right(m_starts, start) - 1
            return {"doc_id": doc_id, "text": text[start:end], "char_start": start, "char_end": end, "raw_char_start": raw_start,
                    "raw_char_end": raw_end, id_field: ident or head + str(start) + "-" + str(end),
                    "problem_id": p_ids[k] if k >= 0 and end <= p_ends[k] else None,
                    "measure_id": m_ids[j] if j >= 0 and end <= m_ends[j] else None}  # fmt: skip

        return placed


def build_rows(decoded: DecodedDocument, canon: CanonicalText, found: Found) -> Rows:
    """Every row of every table, as plain dicts shaped like ``model_dump()`` of the row models."""
    return {table: list(rows) for table, rows in iter_rows(decoded, canon, found)}


def iter_rows(decoded: DecodedDocument, canon: CanonicalText, found: Found) -> Iterator[tuple[str, Iterator[dict]]]:
    """The rows of every table, a table at a time (the document first, then the tables in the
    order of their references), each table's rows made as they are taken: a large document
    need never hold a table's dicts whole. What a row takes from rows of other tables (their
    ids, the problem and measure a span stands in) comes from what was found, so a table's
    rows must be taken before the next table is asked for.

    ``found`` is taken apart as it goes: once a table's rows are taken, the finder results no
    later table reads are emptied, so that a large document does not hold them to its end."""
    spans = _Spans(decoded, canon)
    outline = found.outline
    yield "documents", iter([_document(decoded, canon, found)])
    unit_ids = spans.ids("sections", outline.units)
    yield "sections", _sections(found, spans, unit_ids)
    problem_ids = spans.ids("problems", outline.problems)
    yield "problems", _problems(found, spans, problem_ids, unit_ids)
    measure_ids = spans.ids("measures", outline.measures)
    spans.containers = _Containers(sorted((p.start, p.end, ident) for p, ident in zip(outline.problems, problem_ids)),
                                   sorted((m.start, m.end, ident) for m, ident in zip(outline.measures, measure_ids)))
    outline.problems.clear()
    yield "measures", _measures(found, spans, measure_ids, problem_ids, unit_ids)
    del unit_ids, problem_ids, measure_ids
    date_ids = spans.ids("dates", found.dates)
    yield "dates", _dates(found, spans, date_ids)
    periods = _periods(found, canon.match, date_ids)
    del date_ids
    found.dates.clear()
    found.date_roles.clear()
    indicator_ids = spans.ids("indicators", found.indicators)
    yield "indicators", _indicators(found, spans, indicator_ids, periods)
    del periods
    yield "policy_refs", _policy_refs(found, spans)
    yield "outcomes", _outcomes(found, spans, indicator_ids)
    found.outcomes.clear()
    del indicator_ids
    yield "organizations", _organizations(found, spans)


def _taken(items: list) -> Iterator:
    """The items of a list, each let go as it is taken, so that what a row was made from is freed
    with the row (a finder's result of a large document is not held to the end of its table)."""
    for k in range(len(items)):
        item, items[k] = items[k], None
        yield item
    items.clear()


# The tables' rows: each a dict of the span fields with the table's own fields set on it, in
# the order of the table's model.


def _sections(found: Found, spans: _Spans, ids: list[str]) -> Iterator[dict]:
    located = spans.located
    for i, u in enumerate(_taken(found.outline.units)):
        row = located(u.start, u.end)
        row["section_id"] = ids[i]
        row["parent_id"] = ids[u.parent] if u.parent is not None else None
        row["level"] = u.level
        row["seq"] = u.seq
        row["marker"] = u.marker
        row["heading"] = u.heading
        row["role"] = u.role
        yield row


def _problems(found: Found, spans: _Spans, ids: list[str], unit_ids: list[str]) -> Iterator[dict]:
    span = spans.span
    for k, (p, status) in enumerate(zip(found.outline.problems, _taken(found.statuses))):
        row = span(p.start, p.end)
        row["problem_id"] = ids[k]
        row["section_id"] = unit_ids[p.unit] if p.unit is not None else None
        row["number"] = p.number
        row["category"] = p.category
        row["title"] = p.title
        row["problem"] = p.problem
        row["inferred"] = p.inferred
        row["status"] = status.status if status else None
        row["status_char_start"] = status.start if status else None
        row["status_char_end"] = status.end if status else None
        yield row


def _measures(found: Found, spans: _Spans, ids: list[str], problem_ids: list[str], unit_ids: list[str]) -> Iterator[dict]:
    refs = found.policy_refs
    ref_starts = [r.start for r in refs]
    span = spans.span
    for k, m in enumerate(_taken(found.outline.measures)):
        row = span(m.start, m.end)
        first = bisect.bisect_left(ref_starts, m.start)
        after = bisect.bisect_left(ref_starts, m.end, first)  # the citations starting in the measure
        row["measure_id"] = ids[k]
        row["problem_id"] = problem_ids[m.problem] if m.problem is not None else None
        row["section_id"] = unit_ids[m.unit] if m.unit is not None else None
        row["role"] = m.role
        row["seq"] = m.seq
        row["marker"] = m.marker
        row["title"] = m.title
        row["section_path"] = list(m.section_path)
        row["policy_refs"] = [r.title for r in refs[first:after] if r.end <= m.end] if first < after else []
        yield row


def _dates(found: Found, spans: _Spans, ids: list[str]) -> Iterator[dict]:
    placed, roles = spans.placer("dates"), found.date_roles
    for k, d in enumerate(found.dates):
        row = placed(d.start, d.end, ids[k])
        row["date_start"] = d.date_start
        row["date_end"] = d.date_end
        row["granularity"] = d.granularity
        row["year_inferred"] = d.year_inferred
        row["as_of"] = d.as_of
        row["open_end"] = d.open_end
        row["broken"] = d.broken
        row["role"] = roles.get(d.start, "mention")
        yield row


def _periods(found: Found, match_text: str, ids: list[str]) -> Periods:
    """The periods of the figures, from the fields of the date rows that it reads."""
    date_words = date_rules()
    dates = found.dates if found.indicators else []
    return Periods(match_text, [{"char_start": d.start, "char_end": d.end, "date_id": i} for d, i in zip(dates, ids)],
                   date_words.base_before, date_words.comparison_after)


def _indicators(found: Found, spans: _Spans, ids: list[str], periods: Periods) -> Iterator[dict]:
    placed, measured = spans.placer("indicators"), periods.measured
    for k, i in enumerate(_taken(found.indicators)):
        row = placed(i.start, i.end, ids[k])
        row["value"] = float(i.value)
        row["multiplier"] = float(i.multiplier)
        row["value_normalized"] = float(i.value_normalized)
        row["unit"] = i.unit
        row["kind"] = i.kind
        row["qualifier"] = i.qualifier
        row["change"] = i.change
        row["comparison"] = i.comparison
        row["subject"] = i.subject
        row["date_id"] = measured(i.start, i.end)
        yield row


def _policy_refs(found: Found, spans: _Spans) -> Iterator[dict]:
    placed = spans.placer("policy_refs")
    for r in _taken(found.policy_refs):
        row = placed(r.start, r.end)
        row["title"] = r.title
        row["doc_number"] = r.doc_number
        row["alias"] = r.alias
        yield row


def _outcomes(found: Found, spans: _Spans, indicator_ids: list[str]) -> Iterator[dict]:
    """Outcome rows: figures of the indicators table that state what the rectification achieved."""
    placed = spans.placer("outcomes")
    for o in found.outcomes:
        row = placed(o.start, o.end)
        row["kind"] = o.kind
        row["action"] = o.action
        row["value"] = o.value
        row["unit"] = o.unit
        row["indicator_id"] = indicator_ids[o.indicator]
        yield row


def _organizations(found: Found, spans: _Spans) -> Iterator[dict]:
    placed = spans.placer("organizations")
    for o in _taken(found.organizations):
        row = placed(o.start, o.end)
        row["name"] = o.name
        row["function"] = o.function
        row["kind"] = o.kind
        row["level"] = o.level
        row["place"] = o.place
        row["adcode"] = o.adcode
        row["role"] = o.role
        yield row


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

    Each figure costs a few binary searches among the dates, and a search for a break only
    between a figure and the date that may be its period (at most CLAUSE_REACH characters), so a
    document of any length stays linear and none is scanned whole for its breaks."""

    def __init__(self, match_text: str, dates: list[dict], comparison_before: tuple[str, ...], comparison_after: tuple[str, ...]):
        self.text = match_text
        kept = [d for d in dates if not _is_base(match_text, d["char_start"], d["char_end"], comparison_before, comparison_after)]
        self.starts = [d["char_start"] for d in kept]
        self.ends = [d["char_end"] for d in kept]
        self.ids = [d["date_id"] for d in kept]

    def measured(self, start: int, end: int) -> str | None:
        text, starts, ends = self.text, self.starts, self.ends
        k = bisect.bisect_right(starts, start) - 1
        while k >= 0 and ends[k] > start:
            k -= 1  # a date inside the figure (较2023年同期增长5%) is its comparison base
        # In the figure's sentence: no sentence break from the date's start to the figure.
        if k >= 0 and starts[k] >= start - CLAUSE_REACH and not _SENTENCE_BREAK.search(text, starts[k], start):
            return self.ids[k]
        k = bisect.bisect_left(starts, end)
        # In the figure's clause: no clause break from the figure's end to the date's end.
        if k < len(starts) and ends[k] <= end + CLAUSE_REACH and not _CLAUSE_BREAK.search(text, end, ends[k]):
            return self.ids[k]
        return None


def _is_base(text: str, start: int, end: int, before: tuple[str, ...], after: tuple[str, ...]) -> bool:
    """较2023年, 比上年, 与去年同期相比: a date that a figure is compared with."""
    return text.endswith(before, 0, start) or text.startswith(after, end)
