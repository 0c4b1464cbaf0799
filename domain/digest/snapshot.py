"""A portfolio's state as digests see it, and the JSON snapshots the next digest compares with.

Snapshots are JSON-ready (strings, numbers, lists and dicts only): Decimals are stored as
strings and read back exactly. They hold only what the next digest compares (health, metric
values, item status and blocker; rank, value and ranking inputs), never names or titles, and a
product's cash flows only as a fingerprint. `fingerprint` names a snapshot's content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.ranking import RankInput, Weights, rank


@dataclass(frozen=True)
class ProductState:
    """One product now, as the status digest needs it."""

    key: str
    name: str
    owner_id: str | None
    health: str
    created_at: datetime
    last_update_at: datetime | None = None
    latest_note: str | None = None
    metrics: tuple[tuple[str, Decimal, bool], ...] = ()  # (name, latest value, is money)


@dataclass(frozen=True)
class ItemState:
    """One roadmap item now."""

    ref: str
    product_key: str
    title: str
    status: str
    progress: int = 0
    blocker: str | None = None
    target_label: str | None = None
    target_due: date | None = None


@dataclass(frozen=True)
class StatusState:
    """A portfolio's products and items now."""

    products: tuple[ProductState, ...]
    items: tuple[ItemState, ...]


def status_snapshot(state: StatusState) -> dict[str, Any]:
    """The JSON-ready snapshot of a portfolio's state that the next status digest compares with."""
    return {
        "products": {
            p.key: {
                "health": p.health,
                "metrics": {name: str(value) for name, value, _ in p.metrics},
            }
            for p in state.products
        },
        "items": {i.ref: {"status": i.status, "blocker": i.blocker} for i in state.items},
    }


def ranking_snapshot(
    inputs: Sequence[RankInput], *, measure: str, discount_rate: Decimal, weights: Weights | None
) -> dict[str, Any]:
    """The snapshot a ranking digest would store now (a subscription's starting point)."""
    ranked = rank(inputs, measure, discount_rate=discount_rate, weights=weights)
    return {
        "measure": measure,
        "rows": {r.item.key: ranking_row(r.item, r.position, r.value) for r in ranked},
    }


def ranking_row(item: RankInput, position: int, value: Decimal | None) -> dict[str, Any]:
    """One product's row of a ranking snapshot: its position and the inputs it was ranked on."""
    return {
        "position": position,
        "value": None if value is None else str(value),
        "investment": str(item.investment),
        "expected_return": str(item.expected_return),
        "confidence": str(item.confidence),
        "cashflows": cashflows_key(item.cashflows),
        "alignment": str(item.alignment),
    }


def stored_decimal(value: object) -> Decimal | None:
    """A Decimal read back from a snapshot; None when missing or unreadable."""
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def cashflows_key(cashflows: Sequence[Decimal]) -> str:
    """A product's cash flows as a short fingerprint: the ranking digest only asks "changed?"."""
    if not cashflows:
        return ""
    text = ",".join(str(c) for c in cashflows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def same_cashflows(stored: object, cashflows: Sequence[Decimal]) -> bool:
    """Whether a snapshot's cash flows (a fingerprint, or an older snapshot's list) are these."""
    if isinstance(stored, list):
        return [str(c) for c in cashflows] == [str(c) for c in stored]
    if stored is None:
        return not cashflows
    return stored == cashflows_key(cashflows)


def fingerprint(snapshot: dict[str, Any]) -> str:
    """The content of a snapshot as sha256 hex: equal snapshots are stored once."""
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
