"""Latest metric readings: one definition of "latest" for the card and the digest."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select

from domain.models import (
    MetricSnapshot,
    Portfolio,
)
from domain.queries.products import active_products
from domain.store import Tenant
from domain.vocabulary import METRIC_ORDER, MONEY_METRICS

_PERIODS: tuple[tuple[timedelta, str], ...] = (
    (timedelta(days=2.65), "d/d"),  # √(1 × 7)
    (timedelta(days=14.5), "w/w"),  # √(7 × 30)
    (timedelta(days=52), "m/m"),  # √(30 × 91)
    (timedelta(days=182), "q/q"),  # √(91 × 365)
)


@dataclass(frozen=True)
class MetricReading:
    """A metric's latest value, and the reading before it (if any)."""

    name: str
    value: Decimal
    recorded_at: datetime
    previous: Decimal | None
    previous_at: datetime | None

    @property
    def is_money(self) -> bool:
        """Whether the metric is an amount of money (revenue, ARR, costs …)."""
        return self.name in MONEY_METRICS

    @property
    def period(self) -> str | None:
        """The period the change spans: `d/d`, `w/w`, `m/m`, `q/q`, `y/y`, or None."""
        if self.previous_at is None:
            return None
        return period_label(self.recorded_at - self.previous_at)


def period_label(gap: timedelta) -> str | None:
    """`d/d`, `w/w`, `m/m`, `q/q` or `y/y` for the gap between two readings; None under 12 h."""
    if gap < timedelta(hours=12):
        return None
    for limit, label in _PERIODS:
        if gap < limit:
            return label
    return "y/y"


def latest_metrics(
    tenant: Tenant, products: ColumnElement[bool]
) -> dict[int, tuple[MetricReading, ...]]:
    """Each product's latest reading of each metric, with the reading before it.

    "Latest" means recorded last (then inserted last): an edited old message changes an old
    reading, never the current one. One query whatever the history (a window keeps two rows
    per product and name); `products` filters MetricSnapshot.product_id.
    """
    recent = (
        select(
            MetricSnapshot.product_id,
            MetricSnapshot.name,
            MetricSnapshot.value,
            MetricSnapshot.recorded_at,
            func.row_number()
            .over(
                partition_by=(MetricSnapshot.product_id, MetricSnapshot.name),
                order_by=(MetricSnapshot.recorded_at.desc(), MetricSnapshot.id.desc()),
            )
            .label("age"),
        )
        .where(products)
        .subquery()
    )
    rows = tenant.execute(
        select(recent.c.product_id, recent.c.name, recent.c.value, recent.c.recorded_at)
        .where(recent.c.age <= 2)
        .order_by(recent.c.product_id, recent.c.name, recent.c.age)
    ).all()
    pairs: dict[tuple[int, str], list[tuple[Decimal, datetime]]] = defaultdict(list)
    for product_id, name, value, recorded_at in rows:
        pairs[(product_id, name)].append((value, recorded_at))
    found: dict[int, list[MetricReading]] = defaultdict(list)
    for (product_id, name), readings in pairs.items():
        (value, at), before = readings[0], readings[1] if len(readings) > 1 else None
        found[product_id].append(
            MetricReading(
                name=name,
                value=value,
                recorded_at=at,
                previous=before[0] if before else None,
                previous_at=before[1] if before else None,
            )
        )
    return {
        product_id: tuple(sorted(readings, key=lambda r: (METRIC_ORDER.get(r.name, 9), r.name)))
        for product_id, readings in found.items()
    }


def product_metrics(tenant: Tenant, product_id: int) -> tuple[MetricReading, ...]:
    """One product's latest metrics (see `latest_metrics`)."""
    return latest_metrics(tenant, MetricSnapshot.product_id == product_id).get(product_id, ())


def portfolio_metrics(tenant: Tenant, portfolio: Portfolio) -> dict[int, tuple[MetricReading, ...]]:
    """The latest metrics of every active product of a portfolio (see `latest_metrics`)."""
    return latest_metrics(tenant, MetricSnapshot.product_id.in_(active_products(portfolio)))
