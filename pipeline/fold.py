"""Traditional characters folded to simplified, one character for one (the match text of SPEC 0).

>>> fold_traditional("發佈時間")
'发布时间'
"""

from __future__ import annotations

from functools import cache


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def fold_traditional(text: str) -> str:
    """Traditional characters folded to simplified, one character for one, so offsets stay valid."""
    if text.isascii():
        return text
    folded = _t2s().convert(text)
    if len(folded) == len(text):
        return folded
    # Phrase conversions may change the length: fall back to character by character.
    return "".join(c if len(s := _t2s().convert(c)) != 1 else s for c in text)
