"""Digests: the ROI ranking with movement, and the status digest, composed from plain snapshots.

Pure: plain values in, plain values out. A digest is composed from the portfolio's state now
and the snapshot the previous digest of the same subscription stored; it returns the snapshot
to store for the next one (JSON-ready: strings, numbers, lists and dicts only).
"""

from __future__ import annotations

from domain.digest.ranking import (
    MOVERS,
    InputChanged,
    InputsChanged,
    MeasureChanged,
    Movement,
    Mover,
    MoveReason,
    OthersMoved,
    RankingDigest,
    RankingLine,
    compose_ranking,
)
from domain.digest.snapshot import (
    ItemState,
    ProductState,
    StatusState,
    fingerprint,
    ranking_snapshot,
    status_snapshot,
)
from domain.digest.status import (
    DUE_WINDOW_DAYS,
    STALE_AFTER,
    Attention,
    DueItem,
    HealthChange,
    ItemNews,
    MetricMove,
    StaleProduct,
    StatusDigest,
    compose_status,
    no_update_since,
)

__all__ = [
    "DUE_WINDOW_DAYS",
    "MOVERS",
    "STALE_AFTER",
    "Attention",
    "DueItem",
    "HealthChange",
    "InputChanged",
    "InputsChanged",
    "ItemNews",
    "ItemState",
    "MeasureChanged",
    "MetricMove",
    "MoveReason",
    "Movement",
    "Mover",
    "OthersMoved",
    "ProductState",
    "RankingDigest",
    "RankingLine",
    "StaleProduct",
    "StatusDigest",
    "StatusState",
    "compose_ranking",
    "compose_status",
    "fingerprint",
    "no_update_since",
    "ranking_snapshot",
    "status_snapshot",
]
