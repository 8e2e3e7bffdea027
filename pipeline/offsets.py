"""Offset maps: how a rewritten text points back at the text it came from.

Every normalisation step is a list of edits (replace ``old[start:end]`` by a new
string).  ``apply_edits`` performs them and returns an ``OffsetMap`` that maps
positions in the new text back to positions in the old one; maps of successive
steps chain, so a span of the canonical text can be traced to the decoded input.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

Edit = tuple[int, int, str]


@dataclass(frozen=True)
class OffsetMap:
    """Piecewise map from positions in a new text to positions in its old text.

    ``pieces`` holds ``(new_start, new_end, old_start, old_end, linear)``.  A linear
    piece is an unchanged run (old = new + shift); a non-linear piece is a
    replacement whose characters all stand for the whole old run.
    """

    pieces: tuple[tuple[int, int, int, int, bool], ...]
    new_length: int
    old_length: int
    _starts: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(p[0] for p in self.pieces))

    def start(self, i: int) -> int:
        """Old position of the character that starts at new position ``i``."""
        if i >= self.new_length:
            return self.old_length
        # Pieces tile [0, new_length) without gaps: deletions add no piece.
        new_start, _, old_start, _, linear = self.pieces[bisect.bisect_right(self._starts, i) - 1]
        return old_start + (i - new_start) if linear else old_start

    def end(self, i: int) -> int:
        """Old position just after the character that ends at new position ``i`` (exclusive)."""
        if i <= 0:
            return 0
        new_start, _, old_start, old_end, linear = self.pieces[bisect.bisect_left(self._starts, i) - 1]
        return old_start + (i - new_start) if linear else old_end


def apply_edits(text: str, edits: Iterable[Edit]) -> tuple[str, OffsetMap | None]:
    """Apply sorted, non-overlapping edits; return the new text and its map (None if unchanged)."""
    out: list[str] = []
    pieces: list[tuple[int, int, int, int, bool]] = []
    old_pos = new_pos = 0
    changed = False
    for start, end, replacement in edits:
        if start < old_pos:
            raise ValueError("edits overlap or are not sorted")
        if replacement == text[start:end]:
            continue
        changed = True
        if start > old_pos:
            out.append(text[old_pos:start])
            pieces.append((new_pos, new_pos + start - old_pos, old_pos, start, True))
            new_pos += start - old_pos
        out.append(replacement)
        if replacement:
            pieces.append((new_pos, new_pos + len(replacement), start, end, False))
            new_pos += len(replacement)
        old_pos = end
    if not changed:
        return text, None
    if old_pos < len(text):
        out.append(text[old_pos:])
        pieces.append((new_pos, new_pos + len(text) - old_pos, old_pos, len(text), True))
        new_pos += len(text) - old_pos
    return "".join(out), OffsetMap(tuple(pieces), new_pos, len(text))


def regex_edits(pattern: re.Pattern[str], text: str, replace: str | Callable[[re.Match[str]], str] = "") -> list[Edit]:
    """Edits that replace every match of ``pattern`` (by a string or a function of the match)."""
    if isinstance(replace, str):
        return [(m.start(), m.end(), replace) for m in pattern.finditer(text)]
    return [(m.start(), m.end(), replace(m)) for m in pattern.finditer(text)]


def compose(outer: OffsetMap, inner: OffsetMap) -> OffsetMap:
    """One map doing what ``inner`` (newest text → middle text) then ``outer`` (middle → oldest) do.

    A linear piece of ``inner`` is cut where the middle positions it covers cross pieces of
    ``outer``; a replacement of ``inner`` stands for the outer image of its whole run.
    """
    pieces: list[tuple[int, int, int, int, bool]] = []
    for new_start, new_end, mid_start, mid_end, linear in inner.pieces:
        if not linear:
            pieces.append((new_start, new_end, outer.start(mid_start), outer.end(mid_end), False))
            continue
        k = bisect.bisect_right(outer._starts, mid_start) - 1
        pos = mid_start
        while pos < mid_end:
            o_start, o_end, old_start, old_end, o_linear = outer.pieces[k]
            cut = min(o_end, mid_end)
            shift = new_start - mid_start
            if o_linear:
                pieces.append((pos + shift, cut + shift, old_start + pos - o_start, old_start + cut - o_start, True))
            else:
                pieces.append((pos + shift, cut + shift, old_start, old_end, False))
            pos, k = cut, k + 1
    return OffsetMap(tuple(pieces), inner.new_length, outer.old_length)


@dataclass(frozen=True)
class OffsetChain:
    """The maps of successive steps, newest last; traces a span back to the first text.

    The maps are composed into one when the chain is made, so tracing a span costs two
    binary searches however many steps rewrote the text."""

    maps: Sequence[OffsetMap]
    _whole: OffsetMap | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        whole = None
        for m in self.maps:
            whole = m if whole is None else compose(whole, m)
        object.__setattr__(self, "_whole", whole)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """``(whole.start(start), whole.end(end))``, an empty span collapsing to its start.

        Called for every row (a few hundred times a notice), so the two lookups of
        ``OffsetMap.start`` and ``OffsetMap.end`` are written out here rather than called."""
        whole = self._whole
        if whole is None:
            return (start, end) if start < end else (start, start)
        pieces, starts = whole.pieces, whole._starts
        if start >= whole.new_length:
            raw_start = whole.old_length
        else:
            new_start, _, old_start, _, linear = pieces[bisect.bisect_right(starts, start) - 1]
            raw_start = old_start + (start - new_start) if linear else old_start
        if start >= end:
            return raw_start, raw_start
        if end <= 0:
            return raw_start, 0
        new_start, _, old_start, old_end, linear = pieces[bisect.bisect_left(starts, end) - 1]
        return raw_start, (old_start + (end - new_start) if linear else old_end)

    def span_stepwise(self, start: int, end: int) -> tuple[int, int]:
        """The same as ``span``, one map at a time (the reference that ``span`` is tested against)."""
        if start >= end:
            for m in reversed(self.maps):
                start = m.start(start)
            return start, start
        for m in reversed(self.maps):
            start, end = m.start(start), m.end(end)
        return start, end
