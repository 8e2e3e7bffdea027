"""Traditional characters folded to simplified, one character for one (the match text of SPEC 0).

>>> fold_traditional("發佈時間")
'发布时间'
>>> fold_traditional("整改情况的答覆")
'整改情况的答复'

OpenCC's t2s conversion walks every character of a text through its dictionaries, yet leaves
most notices, written in simplified characters, as they are. A text is given back unconverted
when it holds no character t2s rewrites on its own (found by asking OpenCC once per process) and
none of the phrases it rewrites although each of their characters alone stays (答覆 → 答复,
``rules/folding.yaml``): no dictionary entry that changes anything can match in such a text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pipeline.rules import RuleFile, load

# Where the BMP characters of t2s's dictionaries lie: CJK radicals to the unified ideographs, and
# the compatibility ideographs (tests check the dictionaries). A text holding a character beyond
# the BMP (a supplementary ideograph) is always converted.
PROBED = ((0x2E80, 0xA000), (0xF900, 0xFB00))


class Folding(RuleFile):
    """``folding.yaml``."""

    phrases: tuple[str, ...]  # rewritten by t2s although each character alone stays


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def fold_traditional(text: str) -> str:
    """Traditional characters folded to simplified, one character for one, so offsets stay valid."""
    if text.isascii() or _unchanged(text):
        return text
    folded = _t2s().convert(text)
    if len(folded) == len(text):
        return folded
    # Phrase conversions may change the length: fall back to character by character.
    return "".join(c if len(s := _t2s().convert(c)) != 1 else s for c in text)


@dataclass(frozen=True)
class _Quick:
    candidates: re.Pattern[str]  # characters t2s rewrites on their own, ``marks``, any beyond the BMP
    marks: frozenset[str]  # a character of each phrase that t2s rewrites in it (every match holds one)
    phrases: re.Pattern[str]
    reach: int  # the longest phrase less one: how far a phrase reaches around one of its characters


@cache
def _quick() -> _Quick:
    converter = _t2s()
    probed = [chr(c) for first, stop in PROBED for c in range(first, stop)]
    # One conversion of every probed character on a line of its own (no entry holds a line break).
    rewritten = [c for c, out in zip(probed, converter.convert("\n".join(probed)).split("\n")) if out != c]
    phrases = load("folding", Folding).phrases
    marks: set[str] = set()
    for phrase in phrases:
        folded = converter.convert(phrase)
        if len(folded) == len(phrase):
            marks.update(c for c, s in zip(phrase, folded) if c != s)
        else:
            marks.update(phrase)
    marks.difference_update(rewritten)
    # Beyond the BMP one range: ``re`` would test non-BMP members of a class one by one. Lone
    # surrogates are candidates too, so that OpenCC refuses them as before.
    members = "".join(map(re.escape, sorted({*rewritten, *marks})))
    alternation = "|".join(map(re.escape, sorted(phrases, key=lambda p: (-len(p), p))))
    return _Quick(re.compile(f"[{members}\ud800-\udfff\U00010000-\U0010ffff]"), frozenset(marks),
                  re.compile(alternation), max(map(len, phrases), default=1) - 1)


def _unchanged(text: str) -> bool:
    """Whether t2s would give ``text`` back as it is (see the module's note)."""
    quick = _quick()
    for hit in quick.candidates.finditer(text):
        if hit.group() not in quick.marks:  # rewritten on its own, beyond the BMP, or a surrogate
            return False
        at = hit.start()
        if quick.phrases.search(text, max(0, at - quick.reach), at + quick.reach + 1):
            return False
    return True
