"""The index page's charts, drawn by matplotlib's SVG backend and inlined into the HTML.

Every chart aggregates (the most frequent values, years, bins), so it has the same size and
stays legible for five documents or a hundred thousand.

Output is deterministic: a fixed ``svg.hashsalt`` gives stable element ids, the metadata
date is dropped, and text stays text (``svg.fonttype: none``) so the browser draws the
Chinese labels with its own fonts instead of needing a CJK font here.
"""

from __future__ import annotations

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
    _counts_on(ax.xaxis)
    ax.set_xlabel("indicators")
    handles = [_patch(colour[k], k) for k in kinds]
    if handles:
        ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=8)
    return _svg(fig, "chart-indicators")


def _patch(colour: str, label: str):
    from matplotlib.patches import Patch

    return Patch(color=colour, label=label)


def ranked_bars(counts: list[tuple[str, float]], chart_id: str, xlabel: str, colour: str, top: int = 25) -> str:
    """Horizontal bars of the ``top`` largest values, the rest added up in one last bar."""
    ranked = sorted(counts, key=lambda c: (-c[1], c[0]))
    shown = ranked[:top]
    if len(ranked) > top:
        shown.append((f"{len(ranked) - top} others", sum(n for _, n in ranked[top:])))
    fig = _figure(6.4, 0.26 * max(len(shown), 4) + 1.0)
    ax = fig.subplots()
    if not shown:
        _none(ax)
    y = list(range(len(shown)))
    ax.barh(y, [n for _, n in shown], color=[colour] * min(len(shown), top) + ["#999999"] * (len(shown) - top))
    for v, (_, n) in zip(y, shown):
        ax.annotate(_count(n), (n, v), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    ax.set_yticks(y, [label for label, _ in shown])
    ax.invert_yaxis()
    if shown:
        _counts_on(ax.xaxis)
    ax.set_xlabel(xlabel)
    return _svg(fig, chart_id)


def _none(ax) -> None:
    """An empty chart says so, instead of showing bare axes."""
    ax.text(0.5, 0.5, "none in this collection", ha="center", va="center", transform=ax.transAxes, color="#777777")
    ax.set_xticks([])
    ax.set_yticks([])


def _count(n: float) -> str:
    return f"{n:,.0f}".replace(",", " ")


def compact(n: float, scale: float | None = None) -> str:
    """A count as an axis writes it, in the unit its largest tick (``scale``) calls for:
    950 and 9 500, or 6k and 95k, or 0.5M and 1.2M (never 1e6)."""
    scale = abs(n) if scale is None else abs(scale)
    if round(n) == 0:
        return "0"
    if scale < 10_000:
        return _count(n)
    if scale < 999_500:
        return f"{n / 1000:.1f}".removesuffix(".0") + "k"
    return f"{n / 1_000_000:.2f}".rstrip("0").rstrip(".") + "M"


def _counts_on(axis) -> None:
    """Count ticks in plain numbers (matplotlib would write 1e6 beside large ones)."""
    from matplotlib.ticker import Formatter, MaxNLocator

    class Counts(Formatter):
        def format_ticks(self, values):
            scale = max((abs(v) for v in values), default=0)
            return [compact(v, scale) for v in values]

        def __call__(self, x, pos=None):
            return compact(x)

    axis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    axis.set_major_formatter(Counts())


def stacked_years(counts: dict[tuple[int | None, str], int], chart_id: str, ylabel: str, span: int = 25) -> str:
    """Vertical bars per year (the last ``span`` years with data), stacked by the second key."""
    years = sorted({year for year, _ in counts if year is not None})[-span:]
    groups = sorted({group for _, group in counts})
    fig = _figure(6.4, 3.2)
    ax = fig.subplots()
    bottom = [0] * len(years)
    for i, group in enumerate(groups):
        heights = [counts.get((year, group), 0) for year in years]
        ax.bar([str(y) for y in years], heights, bottom=bottom, color=KIND_COLOURS[i % len(KIND_COLOURS)], label=group)
        bottom = [b + h for b, h in zip(bottom, heights)]
    unknown = sum(n for (year, _), n in counts.items() if year is None)
    ax.set_xlabel("year" + (f" ({_count(unknown)} without a year not shown)" if unknown else ""))
    ax.set_ylabel(ylabel)
    _counts_on(ax.yaxis)
    ax.tick_params(axis="x", labelrotation=60, labelsize=7)
    if groups:
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the bars, never over them
    return _svg(fig, chart_id)


def distribution(values: list[int], chart_id: str, xlabel: str, bins: int = 20) -> str:
    """A histogram of a count per document (the top one percent gathered in the last bin)."""
    fig = _figure(6.4, 2.8)
    ax = fig.subplots()
    if values:
        ordered = sorted(values)
        cap = max(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1)
        ax.hist([min(v, cap) for v in values], bins=min(bins, cap + 1), range=(0, cap + 1), color="#c0392b", rwidth=0.9)
        ax.set_xlabel(f"{xlabel} ({cap} or more in the last bar)")
    ax.set_ylabel("documents")
    _counts_on(ax.yaxis)
    return _svg(fig, chart_id)


def completion_rates(stated: list[float], computed: list[float]) -> str:
    """How many documents state each completion rate, and how many reach it by completed ÷ reported."""
    fig = _figure(6.4, 2.8)
    ax = fig.subplots()
    if not (stated or computed):
        _none(ax)
        return _svg(fig, "chart-completion")
    edges = list(range(0, 101, 10))
    clipped = [[min(max(v, 0), 100) for v in values] for values in (stated, computed)]
    ax.hist(clipped, bins=edges, color=["#1b9e77", "#7570b3"], label=[f"stated ({len(stated)})", f"completed ÷ reported ({len(computed)})"])
    ax.set_xticks(edges)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("completion rate (%)")
    ax.set_ylabel("documents")
    _counts_on(ax.yaxis)
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    return _svg(fig, "chart-completion")
