"""PNG charts for Slack: the portfolio bubble chart and ranking bars.

matplotlib is imported only inside this package.
"""

from __future__ import annotations

from handlers.charts.bubble import (
    MAX_BUBBLE_LABELS,
    MAX_LEGEND_CATEGORIES,
    BubblePoint,
    bubble_chart,
    bubble_figure,
)
from handlers.charts.ranking import MAX_BARS, Bar, ranking_chart, ranking_figure

__all__ = [
    "MAX_BARS",
    "MAX_BUBBLE_LABELS",
    "MAX_LEGEND_CATEGORIES",
    "Bar",
    "BubblePoint",
    "bubble_chart",
    "bubble_figure",
    "ranking_chart",
    "ranking_figure",
]
