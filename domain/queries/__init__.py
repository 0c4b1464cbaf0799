"""The read model: the facts about a portfolio's products that every view starts from.

Rankings, cards, lists, balance, allocation, charts and digests all read products, their
latest metrics, open items, status and objective links through these functions, so two
views can never disagree about what is true. Each takes a workspace-scoped `Tenant` and
returns plain values; none binds one parameter per product.
"""

from __future__ import annotations

from domain.queries.items import (
    ItemProgress,
    item_progress,
    most_advanced_open_items,
    open_item_counts,
    open_items,
)
from domain.queries.metrics import (
    MetricReading,
    latest_metrics,
    period_label,
    portfolio_metrics,
    product_metrics,
)
from domain.queries.objectives import (
    objective_alignment,
    objective_open_items,
    objective_products,
    product_objective_keys,
)
from domain.queries.outcomes import OutcomeFacts, portfolio_outcomes
from domain.queries.products import (
    active_products,
    product_facts,
    product_lines,
    product_rows,
    score_weights,
)
from domain.queries.ranked import (
    INPUT_COLUMNS,
    Totals,
    categories,
    kept_totals,
    keyed_page,
    keyed_totals,
)
from domain.queries.status import latest_notes, status_state

__all__ = [
    "INPUT_COLUMNS",
    "ItemProgress",
    "MetricReading",
    "OutcomeFacts",
    "Totals",
    "active_products",
    "categories",
    "item_progress",
    "kept_totals",
    "keyed_page",
    "keyed_totals",
    "latest_metrics",
    "latest_notes",
    "most_advanced_open_items",
    "objective_alignment",
    "objective_open_items",
    "objective_products",
    "open_item_counts",
    "open_items",
    "period_label",
    "portfolio_metrics",
    "portfolio_outcomes",
    "product_facts",
    "product_lines",
    "product_metrics",
    "product_objective_keys",
    "product_rows",
    "score_weights",
    "status_state",
]
