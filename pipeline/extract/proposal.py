"""Who asked for a proposal reply (SPEC 1): the proposal's number, proposer, session and title.

>>> p = read_proposal("某局关于对市八届政协二次会议第20230425号提案答复的函", "李建辉委员:\\n您提出《关于增强信心的建议》(第20230425号)收悉。")
>>> p.number, p.proposer, p.proposer_role, p.session, p.title
('20230425', '李建辉', '委员', '市八届政协二次会议', '关于增强信心的建议')

Words are matched on the folded text; values keep the document's characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract.organizations import written_place_start
from pipeline.fold import fold_traditional

_N = r"[一二三四五六七八九十\d]+"
# 八届政协二次会议, 政协十一届四次会议, 十七届人大三次会议, 人大常委会…, 政协X市第五届委员会第四次会议
_SESSION = re.compile(
    rf"(?:{_N}届(?:人大|政协)(?:常委会)?{_N}次会议"
    rf"|(?:人大|政协){_N}届{_N}次会议"
    rf"|(?:人民代表大会|政协[\u4e00-\u9fff]{{0,8}}?委员会)第{_N}届(?:委员会)?第{_N}次会议)"
)
_NUMBER = re.compile(r"第[ \t]*([0-9A-Za-z][0-9A-Za-z\-]*)[ \t]*号")
_NUMBER_CONTEXT = re.compile(r"提案|建议|议案")
_PROPOSER_LINE = re.compile(r"^[ \t]*(?:尊敬的)?([\u4e00-\u9fff·]{2,5}?)(?:等[\u4e00-\u9fff\d]*位?)?(委员|代表)(?:们)?[ \t]*[:：]", re.M)
_PROPOSER_BODY = re.compile(r"([\u4e00-\u9fff·]{2,4}?)(?:等[\d一二三四五六七八九十]*位?)?(委员|代表)(?:提出|领衔|联名提出|所提)")
_TITLE = re.compile(r"《([^《》\n]{4,120})》")
_TITLE_FOLLOW = re.compile(r"[ \t]*(?:\(第|的?提案|的?建议|议案)")
HEAD_CHARS = 800  # the proposal is named in the title and the opening lines


@dataclass(frozen=True)
class Proposal:
    number: str | None = None
    proposer: str | None = None
    proposer_role: str | None = None
    session: str | None = None
    title: str | None = None


def read_proposal(title: str | None, text: str, match_text: str | None = None) -> Proposal:
    """The proposal a reply answers, from the reply's title and the opening of its text."""
    match = fold_traditional(text) if match_text is None else match_text
    head, head_match = text[:HEAD_CHARS], match[:HEAD_CHARS]
    title = title or ""
    title_match = fold_traditional(title)
    number = _number(title, title_match) or _number(head, head_match)
    session = _session(title, title_match) or _session(head, head_match)
    person = _PROPOSER_LINE.search(head_match) or _PROPOSER_BODY.search(head_match)
    proposer = head[person.start(1) : person.end(1)] if person else None
    return Proposal(
        number=number,
        proposer=proposer,
        proposer_role=person.group(2) if person else None,
        session=session,
        title=_proposal_title(head, head_match),
    )


def _number(text: str, match: str) -> str | None:
    for m in _NUMBER.finditer(match):
        around = match[max(0, m.start() - 30) : m.end() + 12]
        if _NUMBER_CONTEXT.search(around):
            return text[m.start(1) : m.end(1)]
    return None


def _session(text: str, match: str) -> str | None:
    m = _SESSION.search(match)
    if not m:
        return None
    start = written_place_start(match, m.start())
    return text[start : m.end()]


def _proposal_title(text: str, match: str) -> str | None:
    for m in _TITLE.finditer(match):
        title = m.group(1)
        if title.endswith(("建议", "提案", "议案")) or _TITLE_FOLLOW.match(match, m.end()):
            return text[m.start(1) : m.end(1)]
    return None
