"""PNG charts for Slack: the portfolio bubble chart and ranking bars.

Built on matplotlib's object API (``Figure`` + the Agg canvas), never ``pyplot``, and
without touching global ``rcParams``, so charts can be drawn from several threads.
Every piece of text is drawn with mathtext off, so a ``$`` in a name or a value stays a
dollar sign.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from matplotlib import font_manager, patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MultipleLocator

DPI = 100
BUBBLE_SIZE_IN = (8.0, 5.0)  # 800 × 500 px: Slack's preview size
RANKING_WIDTH_IN = 8.0
MAX_BARS = 25
MAX_BUBBLE_LABELS = 40
MAX_LEGEND_CATEGORIES = 10
MAX_FOOTNOTE_KEYS = 12

_TITLE_SIZE = 16
_AXIS_LABEL_SIZE = 13
_TICK_SIZE = 12
_LABEL_SIZE = 11
_NOTE_SIZE = 10
_BUBBLE_MAX_AREA = 2400.0  # points²: the largest investment's bubble
_BUBBLE_MIN_AREA = 40.0  # points²: so a tiny investment is still visible
_CROWD = 25  # beyond this many bubbles, the largest one shrinks so the chart stays legible
_FOOTNOTE_CHARS = 100
_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip
_OTHER_COLOUR = "#b0b0b0"
_POSITIVE_BAR = "#1f77b4"
_NEGATIVE_BAR = "#d62728"
_MUTED = "#555555"
_HALO = [patheffects.withStroke(linewidth=3, foreground="white")]


@dataclass(frozen=True)
class BubblePoint:
    """One product on the bubble chart; confidence and ROI are fractions (0.7 = 70 %)."""

    key: str
    category: str
    confidence: float
    roi: float | None
    investment: float


@dataclass(frozen=True)
class Bar:
    """One ranked product; ``value`` None is drawn as "n/a"."""

    key: str
    label: str
    value: float | None


def bubble_chart(points: Sequence[BubblePoint], *, title: str, currency: str) -> bytes:
    """Draw confidence (x) against ROI (y), bubble area by investment, colour by category."""
    return _png(_bubble_figure(points, title=title, currency=currency))


def ranking_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    measure_label: str,
    value_format: Callable[[float], str],
) -> bytes:
    """Draw a horizontal bar ranking, first bar at the top, values printed at the bar ends."""
    return _png(
        _ranking_figure(bars, title=title, measure_label=measure_label, value_format=value_format)
    )


def _bubble_figure(points: Sequence[BubblePoint], *, title: str, currency: str) -> Figure:
    fig = _new_figure(BUBBLE_SIZE_IN)
    _draw_title(fig, title)
    if not points:
        _draw_empty(fig)
        return fig

    plotted = [p for p in points if p.roi is not None and math.isfinite(p.roi)]
    plotted.sort(key=lambda p: (-_safe_investment(p), p.key))
    without_roi = sorted(p.key for p in points if p.roi is None or not math.isfinite(p.roi))

    ax = fig.add_axes((0.13, 0.22, 0.61, 0.66))
    xs = [_clamp(p.confidence, 0.0, 1.0) * 100.0 for p in plotted]
    ys = [float(p.roi) * 100.0 for p in plotted if p.roi is not None]
    _set_bubble_axes(ax, ys)

    largest = max((_safe_investment(p) for p in plotted), default=0.0)
    max_area = _BUBBLE_MAX_AREA * min(1.0, math.sqrt(_CROWD / max(len(plotted), 1)))
    areas = [_bubble_area(_safe_investment(p), largest, max_area) for p in plotted]
    colour_of, legend_entries = _category_colours(plotted)
    if plotted:
        ax.scatter(
            xs,
            ys,
            s=areas,
            c=[colour_of[_category(p)] for p in plotted],
            alpha=0.65,
            edgecolors="#333333",
            linewidths=0.6,
            zorder=3,
        )
        _label_bubbles(ax, plotted, xs, ys, areas)
        _draw_category_legend(fig, legend_entries)
    else:
        ax.text(
            0.5,
            0.5,
            "No product has an ROI yet",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=_AXIS_LABEL_SIZE,
            color=_MUTED,
            parse_math=False,
        )

    notes = _bubble_notes(plotted, without_roi, largest, currency)
    if notes:
        fig.text(
            0.02, 0.02, "\n".join(notes), fontsize=_NOTE_SIZE, color=_MUTED,
            ha="left", va="bottom", parse_math=False,
        )  # fmt: skip
    return fig


def _ranking_figure(
    bars: Sequence[Bar],
    *,
    title: str,
    measure_label: str,
    value_format: Callable[[float], str],
) -> Figure:
    shown = list(bars[:MAX_BARS])
    hidden = len(bars) - len(shown)
    height = max(5.0, 1.5 + 0.34 * len(shown))
    fig = _new_figure((RANKING_WIDTH_IN, height))
    _draw_title(fig, title)
    if not shown:
        _draw_empty(fig)
        return fig

    labels = [_bar_label(b) for b in shown]
    longest = max(len(label) for label in labels)
    left = min(0.45, 0.04 + longest * 9.5 / (RANKING_WIDTH_IN * DPI))
    bottom_in = 0.75 if hidden else 0.6
    top_in = 0.7
    ax = fig.add_axes((left, bottom_in / height, 0.95 - left, 1 - (bottom_in + top_in) / height))

    values = [_finite_or_none(b.value) for b in shown]
    ys = [len(shown) - 1 - i for i in range(len(shown))]
    for y, value in zip(ys, values, strict=True):
        if value is None:
            ax.annotate(
                "n/a", xy=(0, y), xytext=(4, 0), textcoords="offset points", ha="left",
                va="center", fontsize=_LABEL_SIZE, color=_MUTED, style="italic",
                parse_math=False,
            )  # fmt: skip
            continue
        ax.barh(y, value, height=0.7, color=_POSITIVE_BAR if value >= 0 else _NEGATIVE_BAR)
        ax.annotate(
            _clean(value_format(value)),
            xy=(value, y),
            xytext=(4 if value >= 0 else -4, 0),
            textcoords="offset points",
            ha="left" if value >= 0 else "right",
            va="center",
            fontsize=_LABEL_SIZE,
            parse_math=False,
        )
    ax.set_yticks(ys, labels=labels, fontsize=_TICK_SIZE, parse_math=False)
    ax.set_ylim(-0.6, len(shown) - 0.4)
    ax.set_xlim(*_bar_limits([v for v in values if v is not None], None in values))
    ax.axvline(0, color="#333333", linewidth=1.0, zorder=2)
    ax.set_xlabel(_clean(measure_label), fontsize=_AXIS_LABEL_SIZE, parse_math=False)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _clean(value_format(v))))
    ax.tick_params(axis="x", labelsize=_NOTE_SIZE)
    ax.grid(axis="x", color="#e5e5e5", zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if hidden:
        fig.text(
            0.02, 0.15 / height, f"+{hidden} more not shown", fontsize=_NOTE_SIZE,
            color=_MUTED, ha="left", va="bottom", parse_math=False,
        )  # fmt: skip
    return fig


def _new_figure(size_in: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size_in, dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def _draw_title(fig: Figure, title: str) -> None:
    text = _truncate(_clean(title), 70)
    fig.text(
        0.02, 0.985, text, fontsize=_TITLE_SIZE, fontweight="bold", ha="left", va="top",
        parse_math=False,
    )  # fmt: skip


def _draw_empty(fig: Figure) -> None:
    fig.text(
        0.5, 0.5, "No products yet", fontsize=20, color=_MUTED, ha="center", va="center",
        parse_math=False,
    )  # fmt: skip


def _set_bubble_axes(ax: Any, ys: Sequence[float]) -> None:
    low = min([0.0, *ys])
    high = max([0.0, *ys])
    pad = max((high - low) * 0.15, 10.0)
    ax.set_xlim(-8, 108)
    ax.set_ylim(low - pad, high + pad)
    ax.xaxis.set_major_locator(MultipleLocator(25))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}%"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _percent_tick(v)))
    ax.tick_params(labelsize=_TICK_SIZE)
    ax.set_xlabel("Confidence", fontsize=_AXIS_LABEL_SIZE)
    ax.set_ylabel("ROI", fontsize=_AXIS_LABEL_SIZE)
    ax.axhline(0, color="#333333", linewidth=1.2, zorder=2)
    ax.grid(color="#e5e5e5", zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _percent_tick(value: float) -> str:
    if abs(value) >= 10_000:
        return f"{value:,.0f}%"
    return f"{value:.0f}%"


def _category(point: BubblePoint) -> str:
    return _truncate(_clean(point.category), 24) or "(none)"


def _category_colours(
    plotted: Sequence[BubblePoint],
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Colour each category; beyond the legend's room the smallest ones share "Other"."""
    totals: dict[str, float] = {}
    for point in plotted:
        name = _category(point)
        totals[name] = totals.get(name, 0.0) + _safe_investment(point)
    ordered = sorted(totals, key=lambda name: (-totals[name], name))
    own = ordered if len(ordered) <= MAX_LEGEND_CATEGORIES else ordered[: MAX_LEGEND_CATEGORIES - 1]
    colours = {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(own)}
    entries = [(name, colours[name]) for name in own]
    rest = ordered[len(own) :]
    if rest:
        colours.update({name: _OTHER_COLOUR for name in rest})
        entries.append((f"Other ({len(rest)})", _OTHER_COLOUR))
    return colours, entries


def _draw_category_legend(fig: Figure, entries: Sequence[tuple[str, str]]) -> None:
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=11, alpha=0.8,
               markerfacecolor=colour, markeredgecolor="#333333", label=name)
        for name, colour in entries
    ]  # fmt: skip
    legend = fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.765, 0.88),
        fontsize=_LABEL_SIZE,
        title="Category",
        title_fontsize=_LABEL_SIZE,
        frameon=False,
        handletextpad=0.3,
        borderaxespad=0.0,
    )
    for text in legend.get_texts():
        text.set_parse_math(False)


def _bubble_area(investment: float, largest: float, max_area: float) -> float:
    if largest <= 0:
        return _BUBBLE_MIN_AREA
    return max(_BUBBLE_MIN_AREA, max_area * investment / largest)


def _label_bubbles(
    ax: Any,
    plotted: Sequence[BubblePoint],
    xs: Sequence[float],
    ys: Sequence[float],
    areas: Sequence[float],
) -> None:
    """Label the largest bubbles with their keys, each where it overlaps other labels least."""
    to_pixels = ax.transData.transform
    points_to_px = DPI / 72.0
    char_px = _LABEL_SIZE * points_to_px * 0.62
    line_px = _LABEL_SIZE * points_to_px * 1.2
    placed: list[tuple[float, float, float, float]] = []
    for index in range(min(len(plotted), MAX_BUBBLE_LABELS)):
        key = _truncate(_clean(plotted[index].key), 12)
        cx, cy = to_pixels((xs[index], ys[index]))
        radius_pt = math.sqrt(areas[index]) / 2 + 2
        width = len(key) * char_px
        best: tuple[float, float, float, str, str, tuple[float, float, float, float]] | None = None
        for dx, dy, ha, va in (
            (radius_pt, 0.0, "left", "center"),
            (-radius_pt, 0.0, "right", "center"),
            (0.0, radius_pt, "center", "bottom"),
            (0.0, -radius_pt, "center", "top"),
        ):
            box = _label_box(cx + dx * points_to_px, cy + dy * points_to_px, width, line_px, ha, va)
            overlap = sum(_overlap(box, other) for other in placed) + _outside(ax, box)
            if best is None or overlap < best[0]:
                best = (overlap, dx, dy, ha, va, box)
            if overlap == 0:
                break
        assert best is not None
        _, dx, dy, ha, va, box = best
        placed.append(box)
        ax.annotate(
            key, xy=(xs[index], ys[index]), xytext=(dx, dy), textcoords="offset points",
            ha=ha, va=va, fontsize=_LABEL_SIZE, fontweight="bold", zorder=4, parse_math=False,
            path_effects=_HALO,
        )  # fmt: skip


def _label_box(
    x: float, y: float, width: float, height: float, ha: str, va: str
) -> tuple[float, float, float, float]:
    left = {"left": x, "right": x - width, "center": x - width / 2}[ha]
    bottom = {"bottom": y, "top": y - height, "center": y - height / 2}[va]
    return (left, bottom, left + width, bottom + height)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _outside(ax: Any, box: tuple[float, float, float, float]) -> float:
    frame = ax.get_window_extent()
    area = (box[2] - box[0]) * (box[3] - box[1])
    return area - _overlap(box, (frame.x0, frame.y0, frame.x1, frame.y1))


def _bubble_notes(
    plotted: Sequence[BubblePoint], without_roi: Sequence[str], largest: float, currency: str
) -> list[str]:
    notes: list[str] = []
    if plotted:
        size = f"Bubble area ∝ investment (largest {_compact(largest)} {_clean(currency)})."
        if len(plotted) > MAX_BUBBLE_LABELS:
            size += f" Keys shown for the {MAX_BUBBLE_LABELS} largest of {len(plotted)}."
        notes.append(size)
    if without_roi:
        notes.append(_key_list("Not plotted, no ROI (zero investment): ", without_roi))
    return notes


def _key_list(prefix: str, keys: Sequence[str]) -> str:
    """The prefix and as many keys as fit on one footnote line, then "and N more"."""
    shown: list[str] = []
    length = len(prefix)
    for key in keys:
        text = _truncate(_clean(key), 12)
        if len(shown) == MAX_FOOTNOTE_KEYS or length + len(text) + 16 > _FOOTNOTE_CHARS:
            break
        shown.append(text)
        length += len(text) + 2
    line = prefix + ", ".join(shown)
    more = len(keys) - len(shown)
    return f"{line} and {more} more" if more else line


def _compact(amount: float) -> str:
    """120000 -> "120k", 1500000 -> "1.5M": a short figure for a chart note."""
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(amount) >= limit:
            return f"{amount / limit:.3g}{suffix}"
    return f"{amount:.0f}"


def _bar_label(bar: Bar) -> str:
    key = _clean(bar.key)
    label = _clean(bar.label)
    if not label or label == key:
        return _truncate(key, 32)
    return _truncate(f"{key}  {label}", 32)


def _bar_limits(values: Sequence[float], has_na: bool) -> tuple[float, float]:
    """X limits with room for the values printed past the bar ends, and for "n/a" right of 0."""
    low = min([0.0, *values])
    high = max([0.0, *values])
    span = high - low or 1.0
    room = span * 0.22
    left = low - room if low < 0 else -span * 0.02
    right = high + room if high > 0 or low == 0 else span * 0.02
    if has_na:
        right = max(right, span * 0.12)
    return (left, right)


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _safe_investment(point: BubblePoint) -> float:
    value = point.investment
    return value if math.isfinite(value) and value > 0 else 0.0


def _clamp(value: float, low: float, high: float) -> float:
    if not math.isfinite(value):
        return low
    return min(high, max(low, value))


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _clean(text: str) -> str:
    """Drop control characters and characters the chart font cannot draw."""
    drawable = _drawable_codepoints()
    kept = (
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or (unicodedata.category(ch)[0] != "C" and ord(ch) in drawable)
    )
    return " ".join("".join(kept).split())


@lru_cache(maxsize=1)
def _drawable_codepoints() -> frozenset[int]:
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    return frozenset(FT2Font(path).get_charmap())
