"""The risk–return frontier: expected value against standard deviation, today's plan marked.

The efficient points are joined left to right (each step is a different funded set); the
allocation's answer (the most value) is a star, today's plan a diamond, and the points put
before the reader are lettered A, B, C … as in the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from handlers.charts.common import (
    AXIS_LABEL_SIZE,
    LABEL_SIZE,
    MUTED,
    NOTE_SIZE,
    TICK_SIZE,
    clean,
    draw_title,
    new_figure,
    png,
)
from handlers.formats import format_money_short

FRONTIER_SIZE_IN = (8.0, 5.0)
_LINE = "#1f77b4"
_ANSWER = "#2ca02c"
_TODAY = "#d62728"


@dataclass(frozen=True)
class RiskPoint:
    """A selection on the chart: its standard deviation and expected value (money)."""

    risk: float
    value: float


@dataclass(frozen=True)
class Lettered:
    """A point put before the reader, with its letter."""

    letter: str
    point: RiskPoint


def frontier_chart(
    frontier: Sequence[RiskPoint],
    *,
    answer: RiskPoint,
    today: RiskPoint | None,
    today_note: str,
    lettered: Sequence[Lettered],
    title: str,
    currency: str,
) -> bytes:
    """The frontier as PNG bytes."""
    return png(
        frontier_figure(
            frontier,
            answer=answer,
            today=today,
            today_note=today_note,
            lettered=lettered,
            title=title,
            currency=currency,
        )
    )


def frontier_figure(
    frontier: Sequence[RiskPoint],
    *,
    answer: RiskPoint,
    today: RiskPoint | None,
    today_note: str,
    lettered: Sequence[Lettered],
    title: str,
    currency: str,
) -> Figure:
    """The frontier as a figure (frontier_chart draws it to PNG)."""
    fig = new_figure(FRONTIER_SIZE_IN)
    draw_title(fig, title)
    ax = fig.add_axes((0.12, 0.2, 0.84, 0.68))
    xs = [p.risk for p in frontier]
    ys = [p.value for p in frontier]
    ax.plot(
        xs,
        ys,
        color=_LINE,
        linewidth=2,
        marker="o",
        markersize=5,
        zorder=3,
        label="Efficient frontier (most value for its risk)",
    )
    ax.scatter(
        [answer.risk],
        [answer.value],
        marker="*",
        s=260,
        color=_ANSWER,
        zorder=5,
        edgecolors="white",
        linewidths=0.8,
        label="Allocation's answer (most value)",
    )
    if today is not None:
        ax.scatter(
            [today.risk],
            [today.value],
            marker="D",
            s=80,
            color=_TODAY,
            zorder=5,
            edgecolors="white",
            linewidths=0.8,
            label=clean(today_note),
        )
    for mark in lettered:
        ax.annotate(
            mark.letter,
            xy=(mark.point.risk, mark.point.value),
            xytext=(-10, 8),
            textcoords="offset points",
            fontsize=LABEL_SIZE,
            fontweight="bold",
            ha="right",
            va="bottom",
            parse_math=False,
        )

    def money(value: float, _position: object = None) -> str:
        return clean(format_money_short(Decimal(f"{value:.2f}"), currency))

    ax.xaxis.set_major_formatter(FuncFormatter(money))
    ax.yaxis.set_major_formatter(FuncFormatter(money))
    ax.set_xlabel(
        "Risk: standard deviation of the portfolio's value",
        fontsize=AXIS_LABEL_SIZE,
        parse_math=False,
    )
    ax.set_ylabel(
        "Expected value",
        fontsize=AXIS_LABEL_SIZE,
        parse_math=False,
    )
    ax.tick_params(labelsize=TICK_SIZE - 1)
    ax.grid(color="#e5e5e5", zorder=0)
    ax.set_axisbelow(True)
    ax.set_xlim(left=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower right", fontsize=NOTE_SIZE, frameon=False)
    fig.text(
        0.02,
        0.015,
        "Expected value = confidence × return − investment; products succeed or fail "
        "independently.",
        fontsize=NOTE_SIZE,
        color=MUTED,
        ha="left",
        va="bottom",
        parse_math=False,
    )
    return fig
