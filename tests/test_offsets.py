"""Offset maps: a chain of rewrites, composed into one map, traces spans exactly as the
steps do one at a time."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.normalize import canonicalize
from pipeline.offsets import OffsetChain, apply_edits

EXAMPLES = int(os.environ.get("ZHENGGAI_FUZZ_EXAMPLES", "0"))
SETTINGS = settings(max_examples=max(EXAMPLES // 10, 200), deadline=None, suppress_health_check=list(HealthCheck))


@st.composite
def edits_of(draw, text: str):
    """Sorted, non-overlapping edits: deletions, insertions, and replacements longer or shorter."""
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits, pos = [], 0
    for a, b in zip(cuts[::2], cuts[1::2]):
        if a >= pos:
            edits.append((a, b, draw(st.text("xyz", max_size=3))))
            pos = max(b, a + 1)
    return edits


@st.composite
def chains(draw):
    text = draw(st.text("abcdef", max_size=20))
    maps = []
    for _ in range(draw(st.integers(0, 4))):
        new, offset_map = apply_edits(text, draw(edits_of(text)))
        if offset_map is not None:
            maps.append(offset_map)
        text = new
    return text, OffsetChain(tuple(maps))


@SETTINGS
@given(chains())
def test_composed_chain_traces_every_span_as_the_steps_do(case) -> None:
    text, chain = case
    for start in range(len(text) + 1):
        for end in range(start, len(text) + 1):
            assert chain.span(start, end) == chain.span_stepwise(start, end)


def test_real_rewrites_compose() -> None:
    raw = "\ufeff第一条 ＡＢＣ１２３，\r\n\r\n\r\n  二、 整改（一）  情况\u3000\u3000完成2024年６月"
    canon = canonicalize(raw)
    assert len(canon.chain.maps) > 1
    for start in range(len(canon.text) + 1):
        for end in range(start, len(canon.text) + 1):
            assert canon.chain.span(start, end) == canon.chain.span_stepwise(start, end)
