"""The index page's charts, drawn by matplotlib's SVG backend and inlined into the HTML.

Output is deterministic: a fixed ``svg.hashsalt`` gives stable element ids, the metadata
date is dropped, and text stays text (``svg.fonttype: none``) so the browser draws the
Chinese labels with its own fonts instead of needing a CJK font here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings

STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "zhenggai-review",
    "font.family": ["sans-serif"],
    "font.sans-serif": ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "DejaVu Sans"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
KIND_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]


class ChartsUnavailable(Exception):
    """matplotlib is not installed (it comes with the ``review`` extra)."""


def _figure(width: float, height: float):
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise ChartsUnavailable("the review site needs matplotlib: pip install 'zhenggai[review]'") from None
    matplotlib.rcParams.update(STYLE)
    return Figure(figsize=(width, height), layout="constrained")


def _svg(fig, chart_id: str) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.id": chart_id}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # inline SVG takes no XML declaration or DOCTYPE
    return re.sub(r"<metadata>.*?</metadata>\s*", "", svg, count=1, flags=re.S)


def problems_per_document(labels: list[str], problems: list[int], measures: list[int]) -> str:
    """Horizontal bars: problems and measures of each document."""
    fig = _figure(6.4, 0.45 * len(labels) + 1.2)
    ax = fig.subplots()
    y = list(range(len(labels)))
    ax.barh([v + 0.2 for v in y], problems, height=0.4, color="#c0392b", label="problems")
    ax.barh([v - 0.2 for v in y], measures, height=0.4, color="#2e6fb7", label="measures")
    for v, n in zip(y, problems):
        ax.annotate(str(n), (n, v + 0.2), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("rows")
    ax.legend(loc="lower right", frameon=False)
    return _svg(fig, "chart-problems")


def indicators_by_kind(counts: list[tuple[str, str, int]], top: int = 20) -> str:
    """Horizontal bars: the most frequent (kind, unit) pairs, coloured by kind."""
    counts = sorted(counts, key=lambda c: (-c[2], c[0], c[1]))[:top]
    kinds = sorted({kind for kind, _, _ in counts})
    colour = {kind: KIND_COLOURS[i % len(KIND_COLOURS)] for i, kind in enumerate(kinds)}
    fig = _figure(6.4, 0.28 * max(len(counts), 1) + 1.2)
    ax = fig.subplots()
    y = list(range(len(counts)))
    ax.barh(y, [n for _, _, n in counts], color=[colour[k] for k, _, _ in counts])
    ax.set_yticks(y, [f"{kind} · {unit}" for kind, unit, _ in counts])
    ax.invert_yaxis()
    ax.set_xlabel("indicators")
    handles = [_patch(colour[k], k) for k in kinds]
    if handles:
        ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=8)
    return _svg(fig, "chart-indicators")


def _patch(colour: str, label: str):
    from matplotlib.patches import Patch

    return Patch(color=colour, label=label)


def dates_timeline(labels: list[str], spans: list[tuple[int, dt.date, dt.date, str]]) -> str:
    """Each resolved date as a segment from its first to its last day, one row per document."""
    fig = _figure(6.4, 0.45 * len(labels) + 1.4)
    ax = fig.subplots()
    roles = sorted({role for _, _, _, role in spans})
    colour = {role: KIND_COLOURS[i % len(KIND_COLOURS)] for i, role in enumerate(roles)}
    for role in roles:
        rows = [(doc, start, end) for doc, start, end, r in spans if r == role]
        ax.hlines([d for d, _, _ in rows], [s for _, s, _ in rows], [e + dt.timedelta(days=1) for _, _, e in rows], colors=colour[role], linewidth=5, alpha=0.55)
        ax.plot([s for _, s, _ in rows], [d for d, _, _ in rows], "|", color=colour[role], markersize=9, label=role)
    ax.set_yticks(list(range(len(labels))), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel("date (resolved ranges; year-less dates placed by year inference)")
    if roles:
        fig.legend(loc="outside lower center", frameon=False, fontsize=8, ncols=len(roles))
    return _svg(fig, "chart-dates")


def completion_rates(labels: list[str], stated: list[float | None], computed: list[float | None]) -> str:
    """Per document: the completion rate the notice states, and completed ÷ reported of its figures."""
    fig = _figure(6.4, 0.45 * max(len(labels), 1) + 1.2)
    ax = fig.subplots()
    y = list(range(len(labels)))
    for offset, values, colour, label in ((0.2, stated, "#1b9e77", "stated"), (-0.2, computed, "#7570b3", "completed ÷ reported")):
        shown = [(v, x) for v, x in zip(y, values) if x is not None]
        ax.barh([v + offset for v, _ in shown], [x for _, x in shown], height=0.4, color=colour, label=label)
        for v, x in shown:
            ax.annotate(f"{x:.1f}", (x, v + offset), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 110)
    ax.invert_yaxis()
    ax.set_xlabel("completion rate (%)")
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    return _svg(fig, "chart-completion")
def functions_named(counts: list[tuple[str, int]], top: int = 20) -> str:
    """Horizontal bars: the departmental functions named most often (发展和改革, 财政 …)."""
    counts = sorted(counts, key=lambda c: (-c[1], c[0]))[:top]
    fig = _figure(6.4, 0.28 * max(len(counts), 1) + 1.2)
    ax = fig.subplots()
    y = list(range(len(counts)))
    ax.barh(y, [n for _, n in counts], color="#0f8a8a")
    ax.set_yticks(y, [function for function, _ in counts])
    ax.invert_yaxis()
    ax.set_xlabel("mentions of departments with this function")
    return _svg(fig, "chart-functions")
