"""Objective links: alignment per product, and the products and items of each objective."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select

from domain.models import (
    Objective,
    Product,
    ProductObjective,
    RoadmapItem,
)
from domain.store import Tenant
from domain.vocabulary import OPEN_STATUSES


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
