"""A portfolio's products: the rows, and the facts rankings and allocations start from."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select

from domain.models import (
    Portfolio,
    Product,
    RoadmapItem,
)
from domain.queries.objectives import objective_alignment
from domain.queries.ranked import INPUT_COLUMNS
from domain.ranking import RankInput, Weights
from domain.store import Tenant
from domain.vocabulary import OPEN_STATUSES


def active_products(portfolio: Portfolio) -> Select[int]:
    """The ids of a portfolio's active (not archived) products, as a subquery to filter by."""
    return select(Product.id).where(
        Product.portfolio_id == portfolio.id, Product.archived_at.is_(None)
    )


def product_rows(tenant: Tenant, portfolio: Portfolio) -> list[Product]:
    """A portfolio's active products, by key."""
    return tenant.all(
        select(Product)
        .where(Product.portfolio_id == portfolio.id, Product.archived_at.is_(None))
        .order_by(Product.key)
    )


def product_lines(tenant: Tenant, portfolio: Portfolio, limit: int) -> list[Any]:
    """The first `limit` active products by key, with their open item counts, as plain rows.

    (key, name, owner_id, category, stage, health, investment, expected_return, open items)
    """
    open_count = (
        select(func.count())
        .where(RoadmapItem.product_id == Product.id, RoadmapItem.status.in_(OPEN_STATUSES))
        .correlate(Product)
        .scalar_subquery()
    )
    return list(
        tenant.execute(
            select(
                Product.key,
                Product.name,
                Product.owner_id,
                Product.category,
                Product.stage,
                Product.health,
                Product.investment,
                Product.expected_return,
                open_count,
            )
            .where(Product.portfolio_id == portfolio.id, Product.archived_at.is_(None))
            .order_by(Product.key)
            .limit(limit)
        ).all()
    )


def product_facts(
    tenant: Tenant, portfolio: Portfolio, *, cashflows: bool = True
) -> list[RankInput]:
    """The active products of a portfolio as ranking inputs, in two queries.

    Without `cashflows` the JSON column is not read (NPV is then unavailable): ROI and
    risk rankings of 100,000 products spend most of their time decoding it otherwise.
    """
    columns: list[Any] = [Product.id, *INPUT_COLUMNS]
    if cashflows:
        columns.append(Product.cashflows)
    rows: Sequence[Any] = tenant.execute(
        select(*columns).where(Product.portfolio_id == portfolio.id, Product.archived_at.is_(None))
    ).all()
    alignment = objective_alignment(tenant)
    zero = Decimal(0)
    # Rows are unpacked by position: named attribute access costs more than the rest.
    return [
        RankInput(
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            row[7],
            row[8],
            row[9],
            tuple(Decimal(c) for c in row[10] or ()) if cashflows else (),
            Decimal(alignment.get(row[0]) or zero),
        )
        for row in rows
    ]


def score_weights(portfolio: Portfolio) -> Weights | None:
    """The portfolio's configured score weights, or None when unset."""
    if not portfolio.weights:
        return None
    return Weights(**{k: Decimal(v) for k, v in portfolio.weights.items()})
