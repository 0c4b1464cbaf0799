"""The risk–return bubble chart: confidence across, ROI up, bubble area by investment."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MultipleLocator

from handlers.charts.common import (
    AXIS_LABEL_SIZE,
    DPI,
    LABEL_SIZE,
    MUTED,
    NOTE_SIZE,
    TICK_SIZE,
    clean,
    draw_empty,
    draw_title,
    new_figure,
    png,
    truncate,
)
from handlers.formats import format_money_short, format_percent

BUBBLE_SIZE_IN = (8.0, 5.0)  # 800 × 500 px: Slack's preview size
MAX_BUBBLE_LABELS = 40
MAX_LEGEND_CATEGORIES = 10
MAX_FOOTNOTE_KEYS = 12

_BUBBLE_MAX_AREA = 2400.0  # points²: the largest investment's bubble
_BUBBLE_MIN_AREA = 40.0  # points²: so a tiny investment is still visible
_CROWD = 25  # beyond this many bubbles, the largest one shrinks so the chart stays legible
_FOOTNOTE_CHARS = 100
_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip
_OTHER_COLOUR = "#b0b0b0"
_HALO = [patheffects.withStroke(linewidth=3, foreground="white")]


@dataclass(frozen=True)
class BubblePoint:
    """One product on the bubble chart; confidence and ROI are fractions (0.7 = 70 %)."""

    key: str
    category: str
    confidence: float
    roi: float | None
    investment: float


def bubble_chart(points: Sequence[BubblePoint], *, title: str, currency: str) -> bytes:
    """Draw confidence (x) against ROI (y), bubble area by investment, colour by category."""
    return png(bubble_figure(points, title=title, currency=currency))


def bubble_figure(points: Sequence[BubblePoint], *, title: str, currency: str) -> Figure:
    """The bubble chart as a figure (bubble_chart draws it to PNG)."""
    fig = new_figure(BUBBLE_SIZE_IN)
    draw_title(fig, title)
    if not points:
        draw_empty(fig)
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
            fontsize=AXIS_LABEL_SIZE,
            color=MUTED,
            parse_math=False,
        )

    notes = _bubble_notes(plotted, without_roi, largest, currency)
    if notes:
        fig.text(
            0.02, 0.02, "\n".join(notes), fontsize=NOTE_SIZE, color=MUTED,
            ha="left", va="bottom", parse_math=False,
        )  # fmt: skip
    return fig


def _set_bubble_axes(ax: Any, ys: Sequence[float]) -> None:
    low = min([0.0, *ys])
    high = max([0.0, *ys])
    pad = max((high - low) * 0.15, 10.0)
    ax.set_xlim(-8, 108)
    ax.set_ylim(low - pad, high + pad)
    ax.xaxis.set_major_locator(MultipleLocator(25))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _percent_tick(v)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _percent_tick(v)))
    ax.tick_params(labelsize=TICK_SIZE)
    ax.set_xlabel("Confidence", fontsize=AXIS_LABEL_SIZE)
    ax.set_ylabel("ROI", fontsize=AXIS_LABEL_SIZE)
    ax.axhline(0, color="#333333", linewidth=1.2, zorder=2)
    ax.grid(color="#e5e5e5", zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _percent_tick(value: float) -> str:
    """An axis tick already in percent (70.0 -> "70%"), written by the one percent formatter."""
    return format_percent(Decimal(f"{value:.4f}").scaleb(-2))


def _category(point: BubblePoint) -> str:
    return truncate(clean(point.category), 24) or "(none)"


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
        fontsize=LABEL_SIZE,
        title="Category",
        title_fontsize=LABEL_SIZE,
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
    char_px = LABEL_SIZE * points_to_px * 0.62
    line_px = LABEL_SIZE * points_to_px * 1.2
    placed: list[tuple[float, float, float, float]] = []
    for index in range(min(len(plotted), MAX_BUBBLE_LABELS)):
        key = truncate(clean(plotted[index].key), 12)
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
            ha=ha, va=va, fontsize=LABEL_SIZE, fontweight="bold", zorder=4, parse_math=False,
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
        amount = format_money_short(Decimal(f"{largest:.2f}"), currency)
        size = f"Bubble area ∝ investment (largest {clean(amount)})."
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
        text = truncate(clean(key), 12)
        if len(shown) == MAX_FOOTNOTE_KEYS or length + len(text) + 16 > _FOOTNOTE_CHARS:
            break
        shown.append(text)
        length += len(text) + 2
    line = prefix + ", ".join(shown)
    more = len(keys) - len(shown)
    return f"{line} and {more} more" if more else line


def _safe_investment(point: BubblePoint) -> float:
    value = point.investment
    return value if math.isfinite(value) and value > 0 else 0.0


def _clamp(value: float, low: float, high: float) -> float:
    if not math.isfinite(value):
        return low
    return min(high, max(low, value))
