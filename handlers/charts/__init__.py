"""PNG charts for Slack: the portfolio bubble chart, ranking bars and the risk–return frontier.

matplotlib is imported only inside this package, and only when a chart is first drawn: the
names below are looked up lazily (PEP 562), so starting Folio and answering every command that
draws nothing never pays matplotlib's import (about 0.3 s and 30 MB per process).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from handlers.charts.bubble import (
        MAX_BUBBLE_LABELS,
        MAX_LEGEND_CATEGORIES,
        BubblePoint,
        bubble_chart,
        bubble_figure,
    )
    from handlers.charts.frontier import Lettered, RiskPoint, frontier_chart
    from handlers.charts.ranking import MAX_BARS, Bar, ranking_chart, ranking_figure

_HOME = {
    "MAX_BUBBLE_LABELS": "bubble",
    "MAX_LEGEND_CATEGORIES": "bubble",
    "BubblePoint": "bubble",
    "bubble_chart": "bubble",
    "bubble_figure": "bubble",
    "Lettered": "frontier",
    "RiskPoint": "frontier",
    "frontier_chart": "frontier",
    "MAX_BARS": "ranking",
    "Bar": "ranking",
    "ranking_chart": "ranking",
    "ranking_figure": "ranking",
}
__all__ = [
    "MAX_BARS",
    "MAX_BUBBLE_LABELS",
    "MAX_LEGEND_CATEGORIES",
    "Bar",
    "BubblePoint",
    "Lettered",
    "RiskPoint",
    "bubble_chart",
    "bubble_figure",
    "frontier_chart",
    "ranking_chart",
    "ranking_figure",
]


def __getattr__(name: str) -> Any:
    """Import the chart module that defines `name` on first use."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
