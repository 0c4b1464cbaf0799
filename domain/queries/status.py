"""A portfolio's status now: products with latest notes and metrics, and their items."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select

from domain.digest import ItemState, ProductState, StatusState
from domain.models import (
    Portfolio,
    Product,
    RoadmapItem,
    Update,
)
from domain.queries.metrics import portfolio_metrics
from domain.queries.products import active_products, product_rows
from domain.store import Tenant
from domain.vocabulary import GOOD_HEALTH


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
