"""Row models of every table: the single source of truth.

The JSON Schemas in ``schemas/``, the Arrow schemas of the Parquet files and the
data dictionary are all derived from these classes (see ``pipeline.schema``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Literal, Mapping, Optional

from pydantic import BaseModel, ConfigDict, Field

# Offsets are Python ``str`` indices; int32 is plenty and halves the column size.
Offset = Annotated[int, Field(ge=0, json_schema_extra={"arrow": "int32"})]
Count = Annotated[int, Field(ge=0, json_schema_extra={"arrow": "int32"})]
Year = Annotated[int, Field(json_schema_extra={"arrow": "int32"})]

DocType = Literal["inspection_rectification", "audit_rectification", "proposal_reply", "other"]
SectionRole = Literal["responsibility", "rectification", "plan", "reply", "other"]
Granularity = Literal["day", "xun", "month", "quarter", "half_year", "year"]
DateRole = Literal["published", "signed", "inspection", "feedback", "deadline", "mention"]
Qualifier = Literal["exact", "approx", "at_least", "at_most"]
Change = Literal["increase", "decrease"]
Comparison = Literal["yoy", "mom"]
ProblemStatus = Literal["completed", "partly_completed", "in_progress", "long_term"]
OutcomeKind = Literal[
    "problems_reported", "problems_completed", "problems_partly_completed", "problems_in_progress", "problems_long_term",
    "completion_rate", "tasks_planned", "tasks_completed", "clues_transferred", "cases_opened", "people_handled",
    "rules_made", "funds_recovered",
]  # fmt: skip
OutcomeAction = Literal[
    "党纪处分", "政务处分", "组织处理", "诫勉", "批评教育", "提醒谈话", "谈话函询", "责令检查", "通报批评", "立案审查调查",
    "移送司法机关", "问责", "追缴", "清退", "追回", "收回", "挽回损失", "整改金额",
]  # fmt: skip
OutcomeUnit = Literal["个", "项", "件", "人", "%", "CNY"]
OrgKind = Literal[
    "party_organ", "discipline_inspection", "inspection_team", "government_department", "congress_cppcc",
    "judicial", "public_institution", "state_owned_enterprise", "enterprise", "association", "other",
]  # fmt: skip
OrgLevel = Literal["central", "province", "city", "district", "township"]
OrgRole = Literal["lead", "partner"]
RejectReason = Literal["empty", "binary", "undecodable", "too_large", "duplicate", "unsupported_format", "no_text", "outside_input", "error"]


class Row(BaseModel):
    """Base of every table row: closed to unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Span(Row):
    """A row that points back at its characters in the source.

    ``documents.text[char_start:char_end] == text`` always holds; the raw offsets
    select the same characters in the decoded input, before normalisation.
    """

    doc_id: str = Field(description="Document the row belongs to.")
    text: str = Field(description="The characters the row covers, as they stand in the canonical text.")
    char_start: Offset = Field(description="Start of the span in documents.text (str index).")
    char_end: Offset = Field(description="End of the span in documents.text, exclusive.")
    raw_char_start: Offset = Field(description="Start of the span in the decoded input before normalisation.")
    raw_char_end: Offset = Field(description="End of the span in the decoded input, exclusive.")


class Located(Row):
    """A row that points at its characters in the source without repeating them.

    Sections nest, so their text would repeat each character once per level; it is one join
    away: ``documents.text[char_start:char_end]``.
    """

    doc_id: str = Field(description="Document the row belongs to.")
    char_start: Offset = Field(description="Start of the span in documents.text (str index).")
    char_end: Offset = Field(description="End of the span in documents.text, exclusive.")
    raw_char_start: Offset = Field(description="Start of the span in the decoded input before normalisation.")
    raw_char_end: Offset = Field(description="End of the span in the decoded input, exclusive.")


class Document(Row):
    """One row per input file that could be read."""

    doc_id: str = Field(description="First 16 hex digits of the sha256 of the input bytes.")
    source: str = Field(description="Input path as given, relative to the input root; for a record of a container (WARC, JSON Lines, CSV, Parquet) the path, # and the record's 1-based number.")
    url: Optional[str] = Field(description="The page's address: WARC target URI, the record's url field, else the HTML canonical link or og:url.")
    fetched_at: Optional[str] = Field(description="When the page was captured (WARC-Date, a record's fetched_at field), ISO 8601.")
    encoding: str = Field(description="Encoding the input was decoded from.")
    doc_type: DocType = Field(description="Genre of the notice.")
    title: Optional[str] = Field(description="The document's title line; null when the page has none.")
    issuer: Optional[str] = Field(description="Organisation that issues it: from the title, else the signature, else 来源.")
    province: Optional[str] = Field(description="Province of the issuer (gazetteer).")
    city: Optional[str] = Field(description="City of the issuer (gazetteer).")
    district: Optional[str] = Field(description="District or county of the issuer (gazetteer).")
    adcode: Optional[str] = Field(description="Six-digit administrative division code of the most specific place found.")
    published_date: Optional[dt.date] = Field(description="Web publication date.")
    signed_date: Optional[dt.date] = Field(description="Date under the signature at the end.")
    reference_year: Optional[Year] = Field(description="Year that resolves 今年 and dates written without a year.")
    inspection_body: Optional[str] = Field(description="The team that inspected, e.g. 市委第一巡察组.")
    inspection_kind: Optional[str] = Field(description="常规巡察 / 专项巡察 / 机动巡察 / 巡察“回头看” / 巡视, as written.")
    inspection_topic: Optional[str] = Field(description="Focus of a special inspection.")
    inspection_start: Optional[dt.date] = Field(description="First day of the inspection period.")
    inspection_end: Optional[dt.date] = Field(description="Last day of the inspection period.")
    feedback_date: Optional[dt.date] = Field(description="When the team fed back its findings.")
    contact_phones: list[str] = Field(description="Contact phone numbers, as written.")
    contact_emails: list[str] = Field(description="Contact e-mail addresses, as written.")
    contact_address: Optional[str] = Field(description="Postal address for feedback, as written.")
    postcode: Optional[str] = Field(description="Postcode, as written.")
    proposal_number: Optional[str] = Field(description="Proposal replies: the proposal's number, without 第 and 号 (20230425).")
    proposer: Optional[str] = Field(description="Proposal replies: who made the proposal (李建辉).")
    proposer_role: Optional[str] = Field(description="Proposal replies: 委员 (CPPCC member) or 代表 (congress deputy), as written.")
    proposal_session: Optional[str] = Field(description="Proposal replies: the session it was made at (市八届政协二次会议).")
    proposal_title: Optional[str] = Field(description="Proposal replies: the proposal's title, without 《》.")
    n_sections: Count = Field(description="Rows of this document in sections.")
    n_problems: Count = Field(description="Rows of this document in problems.")
    n_measures: Count = Field(description="Rows of this document in measures.")
    n_dates: Count = Field(description="Rows of this document in dates.")
    n_indicators: Count = Field(description="Rows of this document in indicators.")
    n_policy_refs: Count = Field(description="Rows of this document in policy_refs.")
    n_outcomes: Count = Field(description="Rows of this document in outcomes.")
    n_organizations: Count = Field(description="Rows of this document in organizations.")
    text: str = Field(description="Canonical text; every offset of every table points into it.")


class Section(Located):
    """A heading or enumerated unit of the outline; its body is documents.text[char_start:char_end]."""

    section_id: str = Field(description="Stable id: document, table and span.")
    parent_id: Optional[str] = Field(description="Enclosing section; null at level 1.")
    level: Annotated[int, Field(ge=1, le=4, json_schema_extra={"arrow": "int32"})] = Field(
        description="1: 一、  2: (一)  3: 1.  4: 一是 (1) ①"
    )
    seq: Count = Field(description="1-based position among its siblings.")
    marker: str = Field(description="The marker as written, e.g. 一、 (一) 1. 一是")
    heading: Optional[str] = Field(description="Text after the marker up to the end of the heading.")
    role: SectionRole = Field(description="Role of the enclosing level-1 section.")


class Problem(Span):
    """One numbered item of the rectification section."""

    problem_id: str = Field(description="Stable id: document, table and span.")
    section_id: Optional[str] = Field(description="The section row of the item (null for an inferred problem).")
    number: Optional[Year] = Field(description="The number as printed; null when inferred.")
    category: Optional[str] = Field(description="Heading of the enclosing level-2 unit, without marker and trailing punctuation.")
    title: Optional[str] = Field(description="Heading text after the number.")
    problem: Optional[str] = Field(description="The title without its wrapper (关于 … 问题的整改, quotes).")
    inferred: bool = Field(description="True when the heading is missing in the source.")
    status: Optional[ProblemStatus] = Field(description="What the item says of its own rectification: completed, partly_completed, in_progress, long_term.")
    status_char_start: Optional[Offset] = Field(description="Start of the status phrase in documents.text; null with the status.")
    status_char_end: Optional[Offset] = Field(description="End of the status phrase, exclusive; null with the status.")


class Measure(Span):
    """The smallest enumerated action unit of the body."""

    measure_id: str = Field(description="Stable id: document, table and span.")
    problem_id: Optional[str] = Field(description="Problem the measure answers; null outside problems.")
    section_id: Optional[str] = Field(description="Section row of the unit, when it is one.")
    role: SectionRole = Field(description="Role of the enclosing level-1 section.")
    seq: Count = Field(description="1-based position within its parent.")
    marker: Optional[str] = Field(description="一是, (一) or null for a whole body.")
    title: Optional[str] = Field(description="Own-line heading, else a short first sentence, else null.")
    section_path: list[str] = Field(description="Headings of the enclosing units, outermost first.")
    policy_refs: list[str] = Field(description="Titles of the documents the measure cites.")


class DateMention(Span):
    """A calendar expression resolved to an inclusive range of days."""

    date_id: str = Field(description="Stable id: document, table and span.")
    problem_id: Optional[str] = Field(description="Enclosing problem, if any.")
    measure_id: Optional[str] = Field(description="Enclosing measure, if any.")
    date_start: Optional[dt.date] = Field(description="First day of the range; null when no year can be found.")
    date_end: Optional[dt.date] = Field(description="Last day of the range, inclusive.")
    granularity: Granularity = Field(description="Precision of the written ends.")
    year_inferred: bool = Field(description="True when the year was not written.")
    as_of: bool = Field(description="截至…: the figure holds up to this date.")
    open_end: bool = Field(description="…起 / …以来: the period runs on from the date.")
    broken: bool = Field(description="The 年/月 characters were lost in the source and restored.")
    role: DateRole = Field(description="What the date is to the document.")


class Indicator(Span):
    """A number with a unit or measure word that states a quantity."""

    indicator_id: str = Field(description="Stable id: document, table and span.")
    problem_id: Optional[str] = Field(description="Enclosing problem, if any.")
    measure_id: Optional[str] = Field(description="Enclosing measure, if any.")
    value: float = Field(description="The number as written, before the multiplier.")
    multiplier: float = Field(description="Factor of 万, 亿, 成 …")
    value_normalized: float = Field(description="value × multiplier.")
    unit: str = Field(description="Unit from the vocabulary, or the measure word for counts.")
    kind: str = Field(description="money, count, percent, percentage_point, area, …")
    qualifier: Qualifier = Field(description="exact, approx, at_least or at_most.")
    change: Optional[Change] = Field(description="increase or decrease when the figure is the amount of a change.")
    comparison: Optional[Comparison] = Field(description="yoy or mom.")
    subject: Optional[str] = Field(description="The phrase the figure measures, from the same clause.")
    date_id: Optional[str] = Field(description="Period the figure refers to, when a date stands in the same clause.")


class PolicyRef(Span):
    """A cited document: a 《…》 title with its number and alias."""

    ref_id: str = Field(description="Stable id: document, table and span.")
    problem_id: Optional[str] = Field(description="Enclosing problem, if any.")
    measure_id: Optional[str] = Field(description="Enclosing measure, if any.")
    title: str = Field(description="The title between 《 and 》.")
    doc_number: Optional[str] = Field(description="Document number that follows, e.g. 鄂发〔2023〕5号.")
    alias: Optional[str] = Field(description="Short name given after 以下简称.")


class Outcome(Span):
    """A result of the rectification as the document states it: problems fixed, people handled, rules made."""

    outcome_id: str = Field(description="Stable id: document, table and span.")
    problem_id: Optional[str] = Field(description="Enclosing problem, if any.")
    measure_id: Optional[str] = Field(description="Enclosing measure, if any.")
    kind: OutcomeKind = Field(description="What the figure counts, e.g. problems_completed, people_handled, funds_recovered.")
    action: Optional[OutcomeAction] = Field(description="people_handled: the disciplinary action; funds_recovered: how the money came back; else null.")
    value: float = Field(description="The number: people, problems, items, percent, or CNY (万/亿 applied).")
    unit: OutcomeUnit = Field(description="个 (problems), 项, 件, 人, % or CNY; fixed by the kind.")
    indicator_id: Optional[str] = Field(description="The indicators row of the same figure.")


class Organization(Span):
    """A mention of an organisation: party organ, department, team, court, body or enterprise."""

    org_id: str = Field(description="Stable id: document, table and span.")
    problem_id: Optional[str] = Field(description="Enclosing problem, if any.")
    measure_id: Optional[str] = Field(description="Enclosing measure, if any.")
    name: Optional[str] = Field(description="The mention with a leading bare level word replaced by the place it refers to (市发改委 → 广州市发改委); null for a function named alone.")
    function: Optional[str] = Field(description="The department's function in full official form (发展和改革); null for bodies with no departmental function.")
    kind: OrgKind = Field(description="party_organ, discipline_inspection, inspection_team, government_department, congress_cppcc, judicial, public_institution, state_owned_enterprise, enterprise, association or other.")
    level: Optional[OrgLevel] = Field(description="central, province, city, district (区/县/县级市) or township; null when the name says none.")
    place: Optional[str] = Field(description="Where it sits, as a full administrative name (广州市); the issuer's place for a bare level word.")
    adcode: Optional[str] = Field(description="Six-digit administrative division code of place.")
    role: Optional[OrgRole] = Field(description="lead (牵头, 负责, 主办) or partner (会同, 配合, 联合, 协办), from the words around it; else null.")


class Reject(Row):
    """An input file, or record of a container file, that yields no document row."""

    source: str = Field(description="Input path as given, relative to the input root; path#N for a record of a container.")
    doc_id: Optional[str] = Field(description="sha256 prefix of the bytes, when they could be read.")
    size_bytes: Optional[Annotated[int, Field(ge=0)]] = Field(description="Size of the file, when known.")
    reason: RejectReason = Field(description="empty, binary, undecodable, too_large, duplicate (same bytes as an earlier file), unsupported_format (a binary format zhenggai does not read, named in the message), no_text (a PDF without a text layer) or error.")
    message: str = Field(description="What was wrong, in words.")


@dataclass(frozen=True)
class Highlight:
    """How the review site marks a table's rows in a document's text."""

    kind: str  # singular name, the CSS class k-{kind} and the rows' kind on a page
    label: str  # legend entry
    depth: int  # at equal spans a lower depth encloses a higher one (a problem its measure)


@dataclass(frozen=True)
class Table:
    """One table of the dataset and all that the stages need to know of it.

    Validation, the data package, the review site, the CSV and SQLite exports, the evaluation
    and the JSON Schemas iterate ``REGISTRY``: a table registered here is covered everywhere.
    """

    name: str
    model: type[Row]
    id_field: Optional[str] = None  # primary key; None for rejects, whose source names them
    id_prefix: str = ""  # letter of the table in a row id: {doc_id}-{prefix}{start}-{end}
    references: Mapping[str, str] = field(default_factory=dict)  # column → table its value is an id of
    count: Optional[str] = None  # column of documents that holds the table's rows in the document
    highlight: Optional[Highlight] = None  # marked in the review site's pages
    label_column: Optional[str] = None  # the column that names a row (Datasette)
    searched: tuple[str, ...] = ()  # columns with full-text search in the SQLite export

    @property
    def span(self) -> bool:
        """Rows carry ``text`` and offsets into documents.text (and raw offsets into the input)."""
        return issubclass(self.model, Span)

    @property
    def located(self) -> bool:
        """Rows carry offsets into documents.text and the input: spans, and sections (which keep no text)."""
        return issubclass(self.model, (Span, Located))

    @property
    def per_document(self) -> bool:
        """Rows belong to one document row (``doc_id`` references documents)."""
        return self.references.get("doc_id") == "documents"


_IN_DOCUMENT = {"doc_id": "documents"}
_PLACED = {**_IN_DOCUMENT, "problem_id": "problems", "measure_id": "measures"}  # rows placed in a problem and measure

REGISTRY: dict[str, Table] = {}


def register(table: Table) -> None:
    """Add a table (or replace one of the same name) to the registry and its derived views."""
    REGISTRY[table.name] = table
    TABLES[table.name] = table.model
    if table.id_field:
        ID_FIELD[table.name] = table.id_field


TABLES: dict[str, type[Row]] = {}  # table → row model, in the registry's order
ID_FIELD: dict[str, str] = {}  # table → primary key, for the tables that have one

for _table in (
    Table("documents", Document, id_field="doc_id", label_column="title", searched=("title", "issuer", "text")),
    Table("sections", Section, id_field="section_id", id_prefix="s", references={**_IN_DOCUMENT, "parent_id": "sections"}, count="n_sections"),
    Table("problems", Problem, id_field="problem_id", id_prefix="p", references={**_IN_DOCUMENT, "section_id": "sections"}, count="n_problems",
          highlight=Highlight("problem", "问题 problem", depth=0), label_column="problem", searched=("category", "title", "text")),
    Table("measures", Measure, id_field="measure_id", id_prefix="m", references={**_IN_DOCUMENT, "section_id": "sections", "problem_id": "problems"},
          count="n_measures", highlight=Highlight("measure", "措施 measure", depth=1), label_column="title", searched=("title", "text")),
    Table("dates", DateMention, id_field="date_id", id_prefix="d", references=_PLACED, count="n_dates",
          highlight=Highlight("date", "日期 date", depth=6)),
    Table("indicators", Indicator, id_field="indicator_id", id_prefix="i", references={**_PLACED, "date_id": "dates"}, count="n_indicators",
          highlight=Highlight("indicator", "指标 indicator", depth=5)),
    Table("policy_refs", PolicyRef, id_field="ref_id", id_prefix="r", references=_PLACED, count="n_policy_refs",
          highlight=Highlight("policy_ref", "文件 policy ref", depth=2), label_column="title"),
    Table("outcomes", Outcome, id_field="outcome_id", id_prefix="o", references={**_PLACED, "indicator_id": "indicators"}, count="n_outcomes",
          highlight=Highlight("outcome", "成效 outcome", depth=3)),
    Table("organizations", Organization, id_field="org_id", id_prefix="o", references=_PLACED, count="n_organizations",
          highlight=Highlight("organization", "机构 organization", depth=4)),
    Table("rejects", Reject),  # no id and no reference: a duplicate's doc_id names a document, other reasons none
):
    register(_table)


class Extraction(BaseModel):
    """Everything extracted from one document: the typed result of ``pipeline.extract_text``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: Document
    sections: list[Section]
    problems: list[Problem]
    measures: list[Measure]
    dates: list[DateMention]
    indicators: list[Indicator]
    policy_refs: list[PolicyRef]
    outcomes: list[Outcome]
    organizations: list[Organization]

    def table(self, name: str) -> list[Row]:
        return [self.document] if name == "documents" else list(getattr(self, name))

    @classmethod
    def from_rows(cls, rows: Mapping[str, list[dict]]) -> "Extraction":
        """Validate rows given as dicts per table (the ``documents`` table holds one row)."""
        return cls.model_validate({"document": rows["documents"][0], **{t: rows[t] for t in cls.model_fields if t != "document"}})
