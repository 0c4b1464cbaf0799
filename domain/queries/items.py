"""Roadmap items: open ones, counts, the most advanced, and dated progress histories."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select

from domain.models import (
    Portfolio,
    Product,
    RoadmapItem,
    Update,
)
from domain.queries.products import active_products
from domain.store import Tenant
from domain.vocabulary import OPEN_STATUSES, STATUS_ORDER


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


@dataclass(frozen=True)
class ItemProgress:
    """A roadmap item with its dated progress readings (oldest first) and when it was done.

    `done_at` is when an update set it done (None when no update says so, even if it is).
    """

    ref: str
    product_key: str
    title: str
    status: str
    progress: int
    target_label: str | None
    target_due: date | None
    owner_id: str | None
    category: str
    readings: tuple[tuple[datetime, int], ...]
    done_at: datetime | None


def item_progress(
    tenant: Tenant, portfolio: Portfolio, *, product_id: int | None = None
) -> list[ItemProgress]:
    """The items of a portfolio's active products (or one product's) with their progress history.

    Every item update (not retracted) is a dated reading of its progress, in two queries.
    """
    where: list[ColumnElement[bool]] = [
        Product.portfolio_id == portfolio.id,
        Product.archived_at.is_(None),
    ]
    if product_id is not None:
        where.append(Product.id == product_id)
    items = tenant.execute(
        select(RoadmapItem, Product.key, Product.owner_id, Product.category)
        .join(Product, Product.id == RoadmapItem.product_id)
        .where(*where)
        .order_by(Product.key, RoadmapItem.number)
    ).all()
    chosen = (
        select(RoadmapItem.id).join(Product, Product.id == RoadmapItem.product_id).where(*where)
    )
    updates = tenant.execute(
        select(Update.item_id, Update.created_at, Update.changes)
        .where(
            Update.item_id.in_(chosen),
            Update.kind == "item",
            Update.retracted_at.is_(None),
        )
        .order_by(Update.created_at, Update.id)
    ).all()
    history: dict[int, list[tuple[datetime, list[Any] | None]]] = defaultdict(list)
    done_at: dict[int, datetime] = {}
    for item_id, at, changes in updates:
        changed = (changes or {}).get("item") or {}
        history[item_id].append((at, changed.get("progress")))
        if changed.get("status", [None, None])[1] == "done":
            done_at[item_id] = at
    current = {item.id: item.progress for item, *_ in items}
    readings = {
        item_id: _progress_after_each(rows, current.get(item_id, 0))
        for item_id, rows in history.items()
    }
    return [
        ItemProgress(
            ref=f"{key}-{item.number}",
            product_key=key,
            title=item.title,
            status=item.status,
            progress=item.progress,
            target_label=item.target_label,
            target_due=item.target_due,
            owner_id=owner_id,
            category=category,
            readings=tuple(readings.get(item.id, ())),
            done_at=done_at.get(item.id),
        )
        for item, key, owner_id, category in items
    ]


def _progress_after_each(
    rows: Sequence[tuple[datetime, list[Any] | None]], now: int
) -> tuple[tuple[datetime, int], ...]:
    """The item's progress after each of its updates, oldest first, from the changes recorded.

    An update that left progress alone still dates it: its reading is the progress then,
    which is the `before` of the next change (or the progress now).
    """
    after = now
    found: list[tuple[datetime, int]] = []
    for at, change in reversed(rows):
        found.append((at, after))
        if change is not None:
            after = int(change[0]) if change[0] is not None else 0
    return tuple(reversed(found))
