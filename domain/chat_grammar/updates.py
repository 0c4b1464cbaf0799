"""The typed updates a chat message becomes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ItemUpdate:
    """A roadmap item's new status, progress, blocker and/or note."""

    key: str
    number: int
    status: str | None
    progress: int | None
    blocker: str | None
    clears_blocker: bool
    note: str


@dataclass(frozen=True)
class ProductUpdate:
    """A product's new health and/or stage, with a note."""

    key: str
    health: str | None
    stage: str | None
    note: str


@dataclass(frozen=True)
class MetricsUpdate:
    """Named metric values for a product, names normalised (revenue, csat, reach, …)."""

    key: str
    metrics: tuple[tuple[str, Decimal], ...]
    currencies: tuple[tuple[str, str], ...] = ()  # (metric, currency it was written in)


@dataclass(frozen=True)
class FeedbackUpdate:
    """Customer feedback recorded against a product."""

    key: str
    text: str


ChatUpdate = ItemUpdate | ProductUpdate | MetricsUpdate | FeedbackUpdate
