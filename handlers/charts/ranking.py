"""The ranking as horizontal bars: first bar at the top, values printed at the bar ends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

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
    finite_or_none,
    new_figure,
    png,
    truncate,
)

RANKING_WIDTH_IN = 8.0
MAX_BARS = 25

_POSITIVE_BAR = "#1f77b4"
_NEGATIVE_BAR = "#d62728"


@dataclass(frozen=True)
class Bar:
    """One ranked product; ``value`` None is drawn as "n/a"."""

    key: str
    label: str
    value: float | None


def ranking_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    measure_label: str,
    value_format: Callable[[float], str],
) -> bytes:
    """Draw a horizontal bar ranking, first bar at the top, values printed at the bar ends."""
    return png(
        ranking_figure(bars, title=title, measure_label=measure_label, value_format=value_format)
    )


def ranking_figure(
    bars: Sequence[Bar],
    *,
    title: str,
    measure_label: str,
    value_format: Callable[[float], str],
) -> Figure:
    """The ranking bars as a figure (ranking_chart draws it to PNG)."""
    shown = list(bars[:MAX_BARS])
    hidden = len(bars) - len(shown)
    height = max(5.0, 1.5 + 0.34 * len(shown))
    fig = new_figure((RANKING_WIDTH_IN, height))
    draw_title(fig, title)
    if not shown:
        draw_empty(fig)
        return fig

    labels = [_bar_label(b) for b in shown]
    longest = max(len(label) for label in labels)
    left = min(0.45, 0.04 + longest * 9.5 / (RANKING_WIDTH_IN * DPI))
    bottom_in = 0.75 if hidden else 0.6
    top_in = 0.7
    ax = fig.add_axes((left, bottom_in / height, 0.95 - left, 1 - (bottom_in + top_in) / height))

    values = [finite_or_none(b.value) for b in shown]
    ys = [len(shown) - 1 - i for i in range(len(shown))]
    for y, value in zip(ys, values, strict=True):
        if value is None:
            ax.annotate(
                "n/a", xy=(0, y), xytext=(4, 0), textcoords="offset points", ha="left",
                va="center", fontsize=LABEL_SIZE, color=MUTED, style="italic",
                parse_math=False,
            )  # fmt: skip
            continue
        ax.barh(y, value, height=0.7, color=_POSITIVE_BAR if value >= 0 else _NEGATIVE_BAR)
        ax.annotate(
            clean(value_format(value)),
            xy=(value, y),
            xytext=(4 if value >= 0 else -4, 0),
            textcoords="offset points",
            ha="left" if value >= 0 else "right",
            va="center",
            fontsize=LABEL_SIZE,
            parse_math=False,
        )
    ax.set_yticks(ys, labels=labels, fontsize=TICK_SIZE, parse_math=False)
    ax.set_ylim(-0.6, len(shown) - 0.4)
    ax.set_xlim(*_bar_limits([v for v in values if v is not None], None in values))
    ax.axvline(0, color="#333333", linewidth=1.0, zorder=2)
    ax.set_xlabel(clean(measure_label), fontsize=AXIS_LABEL_SIZE, parse_math=False)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: clean(value_format(v))))
    ax.tick_params(axis="x", labelsize=NOTE_SIZE)
    ax.grid(axis="x", color="#e5e5e5", zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if hidden:
        fig.text(
            0.02, 0.15 / height, f"+{hidden} more not shown", fontsize=NOTE_SIZE,
            color=MUTED, ha="left", va="bottom", parse_math=False,
        )  # fmt: skip
    return fig


def _bar_label(bar: Bar) -> str:
    key = clean(bar.key)
    label = clean(bar.label)
    if not label or label == key:
        return truncate(key, 32)
    return truncate(f"{key}  {label}", 32)


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
