"""Recorded outcomes of a portfolio's products, with the estimates they are judged against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from domain.models import (
    Outcome,
    Portfolio,
    Product,
)
from domain.store import Tenant


@dataclass(frozen=True)
class OutcomeFacts:
    """A product's recorded outcome with the estimate it judges (as it was when recorded)."""

    key: str
    name: str
    archived: bool
    success: bool
    realised: Decimal | None
    happened_on: date
    confidence: Decimal
    expected_return: Decimal
    investment: Decimal
    owner_id: str | None
    category: str
    recorded_by: str
    recorded_at: datetime


def portfolio_outcomes(tenant: Tenant, portfolio: Portfolio) -> list[OutcomeFacts]:
    """Every recorded outcome of a portfolio's products (archived ones too), by key."""
    rows = tenant.execute(
        select(Outcome, Product.key, Product.name, Product.archived_at)
        .join(Product, Product.id == Outcome.product_id)
        .where(Product.portfolio_id == portfolio.id)
        .order_by(Product.key)
    ).all()
    return [
        OutcomeFacts(
            key=key,
            name=name,
            archived=archived_at is not None,
            success=o.success,
            realised=o.realised,
            happened_on=o.happened_on,
            confidence=o.confidence,
            expected_return=o.expected_return,
            investment=o.investment,
            owner_id=o.owner_id,
            category=o.category,
            recorded_by=o.recorded_by,
            recorded_at=o.recorded_at,
        )
        for o, key, name, archived_at in rows
    ]
