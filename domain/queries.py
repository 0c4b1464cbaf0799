"""The read model: the facts about a portfolio's products that every view starts from.

Rankings, cards, lists, balance, allocation, charts and digests all read products, their
latest metrics, open items, status and objective links through these functions, so two
views can never disagree about what is true. Each takes a workspace-scoped `Tenant` and
returns plain values; none binds one parameter per product.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from domain.digest import ItemState, ProductState, StatusState
from domain.models import (
    MetricSnapshot,
    Objective,
    Portfolio,
    Product,
    ProductObjective,
    RoadmapItem,
    Update,
)
from domain.ranking import RankInput, Weights
from domain.store import Tenant
from domain.vocabulary import GOOD_HEALTH, METRIC_ORDER, MONEY_METRICS, OPEN_STATUSES, STATUS_ORDER

# The period a change is labelled with, by the gap between the two readings: the label whose
# length is nearest (on a log scale) to the gap. Below half a day there is no period to name.
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


# -- products -----------------------------------------------------------------------------


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


def product_facts(
    tenant: Tenant, portfolio: Portfolio, *, cashflows: bool = True
) -> list[RankInput]:
    """The active products of a portfolio as ranking inputs, in two queries.

    Without `cashflows` the JSON column is not read (NPV is then unavailable): ROI and
    risk rankings of 100,000 products spend most of their time decoding it otherwise.
    """
    columns: list[Any] = [
        Product.id,
        Product.key,
        Product.name,
        Product.owner_id,
        Product.category,
        Product.stage,
        Product.health,
        Product.investment,
        Product.expected_return,
        Product.confidence,
    ]
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


# -- metrics ------------------------------------------------------------------------------


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


# -- roadmap items ------------------------------------------------------------------------


def open_items(tenant: Tenant, product_id: int) -> list[RoadmapItem]:
    """A product's open roadmap items, soonest target first (no target last), then by number."""
    return tenant.all(
        select(RoadmapItem)
        .where(RoadmapItem.product_id == product_id, RoadmapItem.status.in_(OPEN_STATUSES))
        .order_by(RoadmapItem.target_due.is_(None), RoadmapItem.target_due, RoadmapItem.number)
    )


def open_item_counts(tenant: Tenant, portfolio: Portfolio) -> dict[int, int]:
    """How many open roadmap items each active product of a portfolio has."""
    rows = tenant.execute(
        select(RoadmapItem.product_id, func.count())
        .where(
            RoadmapItem.status.in_(OPEN_STATUSES),
            RoadmapItem.product_id.in_(active_products(portfolio)),
        )
        .group_by(RoadmapItem.product_id)
    ).all()
    return {product_id: count for product_id, count in rows}


def most_advanced_open_items(tenant: Tenant, product_ids: Sequence[int]) -> dict[int, RoadmapItem]:
    """Each product's most advanced open item (work under way first), for a suggested update."""
    firsts: dict[int, RoadmapItem] = {}
    if not product_ids:
        return firsts
    rows = tenant.all(
        select(RoadmapItem).where(
            RoadmapItem.product_id.in_(product_ids), RoadmapItem.status.in_(OPEN_STATUSES)
        )
    )
    for item in sorted(rows, key=lambda i: (STATUS_ORDER.get(i.status, 9), i.number)):
        firsts.setdefault(item.product_id, item)
    return firsts


# -- status -------------------------------------------------------------------------------


def latest_notes(tenant: Tenant, products: ColumnElement[bool]) -> dict[int, str]:
    """The text of each product's latest (not retracted) update; `products` filters Update."""
    latest = (
        select(Update.product_id, func.max(Update.id).label("last_id"))
        .where(products, Update.retracted_at.is_(None))
        .group_by(Update.product_id)
        .subquery()
    )
    rows = tenant.execute(
        select(Update.product_id, Update.text).join(latest, Update.id == latest.c.last_id)
    ).all()
    return {product_id: text for product_id, text in rows}


def status_state(tenant: Tenant, portfolio: Portfolio) -> StatusState:
    """A portfolio's products and items now, with latest notes and metrics, in four queries."""
    products = product_rows(tenant, portfolio)
    keys = {p.id: p.key for p in products}
    items = tenant.all(
        select(RoadmapItem)
        .where(RoadmapItem.product_id.in_(active_products(portfolio)))
        .order_by(RoadmapItem.product_id, RoadmapItem.number)
    )
    troubled = select(Product.id).where(
        Product.portfolio_id == portfolio.id,
        Product.archived_at.is_(None),
        Product.health != GOOD_HEALTH,
    )
    notes = latest_notes(tenant, Update.product_id.in_(troubled))
    metrics = portfolio_metrics(tenant, portfolio)
    return StatusState(
        products=tuple(
            ProductState(
                key=p.key,
                name=p.name,
                owner_id=p.owner_id,
                health=p.health,
                created_at=p.created_at,
                last_update_at=p.last_update_at,
                latest_note=notes.get(p.id),
                metrics=tuple(
                    (m.name, m.value, m.is_money)
                    for m in sorted(metrics.get(p.id, ()), key=lambda m: m.name)
                ),
            )
            for p in products
        ),
        items=tuple(
            ItemState(
                ref=f"{keys[i.product_id]}-{i.number}",
                product_key=keys[i.product_id],
                title=i.title,
                status=i.status,
                progress=i.progress,
                blocker=i.blocker,
                target_label=i.target_label,
                target_due=i.target_due,
            )
            for i in items
            if i.product_id in keys
        ),
    )


# -- objectives ---------------------------------------------------------------------------


def objective_alignment(tenant: Tenant) -> dict[int, Decimal]:
    """Each product's alignment: the summed weight of the objectives it is linked to."""
    rows = tenant.execute(
        select(ProductObjective.product_id, func.sum(Objective.weight))
        .join(Objective, Objective.id == ProductObjective.objective_id)
        .group_by(ProductObjective.product_id)
    ).all()
    return {product_id: Decimal(total) for product_id, total in rows}


def product_objective_keys(tenant: Tenant, product_id: int) -> list[str]:
    """The keys of the objectives a product is linked to, in key order."""
    return tenant.scalars(
        select(Objective.key)
        .join(ProductObjective, ProductObjective.objective_id == Objective.id)
        .where(ProductObjective.product_id == product_id)
        .order_by(Objective.key)
    )


def objective_products(tenant: Tenant, only: int | None = None) -> dict[int, list[str]]:
    """For each objective, the keys of the active products linked to it."""
    stmt = (
        select(ProductObjective.objective_id, Product.key)
        .join(Product, Product.id == ProductObjective.product_id)
        .where(Product.archived_at.is_(None))
        .order_by(Product.key)
    )
    if only is not None:
        stmt = stmt.where(ProductObjective.objective_id == only)
    found: dict[int, list[str]] = defaultdict(list)
    for objective_id, key in tenant.execute(stmt):
        found[objective_id].append(key)
    return found


def objective_open_items(tenant: Tenant, only: int | None = None) -> dict[int, int]:
    """For each objective, how many open roadmap items are linked to it."""
    stmt = (
        select(RoadmapItem.objective_id, func.count())
        .where(RoadmapItem.objective_id.is_not(None), RoadmapItem.status.in_(OPEN_STATUSES))
        .group_by(RoadmapItem.objective_id)
    )
    if only is not None:
        stmt = stmt.where(RoadmapItem.objective_id == only)
    return {oid: count for oid, count in tenant.execute(stmt).all() if oid}
