"""The status digest: what changed since the previous digest, and what needs attention now.

Pure: composed from the portfolio's state now (a StatusState) and the snapshot the previous
digest stored; time comes in as `now` and the channel's local `today`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.digest.snapshot import StatusState, status_snapshot, stored_decimal
from domain.uncertainty.delivery import Slip
from domain.vocabulary import GOOD_HEALTH, HEALTH_RANK, OPEN_STATUSES

STALE_AFTER = timedelta(days=14)
DUE_WINDOW_DAYS = 30


@dataclass(frozen=True)
class HealthChange:
    """A product whose health changed since the previous digest."""

    key: str
    name: str
    before: str
    after: str

    @property
    def worse(self) -> bool:
        """Whether health went down (on track → at risk, at risk → off track …)."""
        return HEALTH_RANK.get(self.after, 0) > HEALTH_RANK.get(self.before, 0)


@dataclass(frozen=True)
class ItemNews:
    """Something that happened to an item: done, a status change, a new or cleared blocker."""

    ref: str
    title: str
    before: str | None = None
    after: str | None = None
    blocker: str | None = None


@dataclass(frozen=True)
class MetricMove:
    """A product metric's value before and after; `is_money` says how to show it."""

    key: str
    metric: str
    before: Decimal
    after: Decimal
    is_money: bool

    @property
    def change(self) -> Decimal | None:
        """Relative change (0.25 = +25 %), or None when it was zero before."""
        if self.before == 0:
            return None
        return (self.after - self.before) / abs(self.before)

    @property
    def up(self) -> bool:
        """Whether the metric went up."""
        return self.after > self.before


@dataclass(frozen=True)
class Attention:
    """A product at risk or off track, with its latest note."""

    key: str
    name: str
    owner_id: str | None
    health: str
    note: str | None


@dataclass(frozen=True)
class DueItem:
    """An open item due soon or overdue."""

    ref: str
    title: str
    status: str
    progress: int
    due: date
    label: str | None


@dataclass(frozen=True)
class StaleProduct:
    """A product without an update for STALE_AFTER or longer."""

    key: str
    name: str
    owner_id: str | None
    last_update_at: datetime | None
    days: int


@dataclass(frozen=True)
class StatusDigest:
    """What changed since the previous digest, and what needs attention now."""

    portfolio: str
    today: date
    compared_with: datetime | None
    attention: tuple[Attention, ...]
    health_changes: tuple[HealthChange, ...]
    new_blockers: tuple[ItemNews, ...]
    overdue: tuple[DueItem, ...]
    done: tuple[ItemNews, ...]
    status_changes: tuple[ItemNews, ...]
    cleared_blockers: tuple[ItemNews, ...]
    metric_moves: tuple[MetricMove, ...]
    due_soon: tuple[DueItem, ...]
    stale: tuple[StaleProduct, ...]
    currency: str
    snapshot: dict[str, Any]
    since_subscribed: bool = False  # compared with the subscription's start
    slipping: tuple[Slip, ...] = ()  # open items likelier to miss their target than not

    @property
    def quiet(self) -> bool:
        """Nothing to report at all."""
        return not any(
            (
                self.attention,
                self.health_changes,
                self.new_blockers,
                self.overdue,
                self.done,
                self.status_changes,
                self.cleared_blockers,
                self.metric_moves,
                self.due_soon,
                self.stale,
                self.slipping,
            )
        )


def compose_status(
    state: StatusState,
    *,
    portfolio: str,
    currency: str,
    now: datetime,
    today: date,
    previous: Mapping[str, Any] | None,
    compared_with: datetime | None,
    since_subscribed: bool = False,
    keep_snapshot: bool = True,
) -> StatusDigest:
    """The status digest: changes since the previous snapshot, then what needs attention now.

    `today` is the local date of the channel's time zone; without a previous snapshot there are
    no changes to report, only the state now.
    """
    old_products: Mapping[str, Any] = (previous or {}).get("products", {})
    old_items: Mapping[str, Any] = (previous or {}).get("items", {})
    health_changes = _health_changes(state, old_products)
    done, status_changes, new_blockers, cleared = (
        _item_news(state, old_items) if previous else ((), (), (), ())
    )
    return StatusDigest(
        portfolio=portfolio,
        today=today,
        compared_with=compared_with,
        attention=_attention(state),
        health_changes=health_changes,
        new_blockers=new_blockers,
        overdue=_due(state, today, overdue=True),
        done=done,
        status_changes=status_changes,
        cleared_blockers=cleared,
        metric_moves=_metric_moves(state, old_products),
        due_soon=_due(state, today, overdue=False),
        stale=_stale(state, now),
        currency=currency,
        snapshot=status_snapshot(state) if keep_snapshot else {},
        since_subscribed=since_subscribed,
    )


def _health_changes(
    state: StatusState, old_products: Mapping[str, Any]
) -> tuple[HealthChange, ...]:
    changes = [
        HealthChange(p.key, p.name, str(old_products[p.key].get("health")), p.health)
        for p in state.products
        if p.key in old_products and old_products[p.key].get("health") != p.health
    ]
    changes.sort(key=lambda c: (not c.worse, -HEALTH_RANK.get(c.after, 0), c.key))
    return tuple(changes)


def _item_news(
    state: StatusState, old_items: Mapping[str, Any]
) -> tuple[tuple[ItemNews, ...], tuple[ItemNews, ...], tuple[ItemNews, ...], tuple[ItemNews, ...]]:
    done: list[ItemNews] = []
    changed: list[ItemNews] = []
    blocked: list[ItemNews] = []
    cleared: list[ItemNews] = []
    for item in state.items:
        old = old_items.get(item.ref)
        if old is None:
            if item.blocker:
                blocked.append(ItemNews(item.ref, item.title, blocker=item.blocker))
            continue
        was_status, was_blocker = old.get("status"), old.get("blocker")
        if was_status != item.status:
            news = ItemNews(item.ref, item.title, before=was_status, after=item.status)
            (done if item.status == "done" else changed).append(news)
        if item.blocker and item.blocker != was_blocker:
            blocked.append(ItemNews(item.ref, item.title, blocker=item.blocker))
        elif was_blocker and not item.blocker:
            cleared.append(ItemNews(item.ref, item.title, blocker=was_blocker))
    return tuple(done), tuple(changed), tuple(blocked), tuple(cleared)


def _metric_moves(state: StatusState, old_products: Mapping[str, Any]) -> tuple[MetricMove, ...]:
    moves: list[MetricMove] = []
    for product in state.products:
        old_metrics = (old_products.get(product.key) or {}).get("metrics") or {}
        for name, value, is_money in product.metrics:
            was = stored_decimal(old_metrics.get(name))
            if was is not None and was != value:
                moves.append(MetricMove(product.key, name, was, value, is_money))

    def size(move: MetricMove) -> Decimal:
        change = move.change
        return abs(change) if change is not None else Decimal("Infinity")

    moves.sort(key=lambda m: (-size(m), m.key, m.metric))
    return tuple(moves)


def _attention(state: StatusState) -> tuple[Attention, ...]:
    found = [
        Attention(p.key, p.name, p.owner_id, p.health, p.latest_note)
        for p in state.products
        if p.health in HEALTH_RANK and p.health != GOOD_HEALTH
    ]
    found.sort(key=lambda a: (-HEALTH_RANK[a.health], a.key))
    return tuple(found)


def _due(state: StatusState, today: date, *, overdue: bool) -> tuple[DueItem, ...]:
    horizon = today + timedelta(days=DUE_WINDOW_DAYS)
    chosen = [
        DueItem(i.ref, i.title, i.status, i.progress, i.target_due, i.target_label)
        for i in state.items
        if i.status in OPEN_STATUSES
        and i.target_due is not None
        and ((i.target_due < today) if overdue else (today <= i.target_due <= horizon))
    ]
    chosen.sort(key=lambda d: (d.due, d.ref))
    return tuple(chosen)


def _stale(state: StatusState, now: datetime) -> tuple[StaleProduct, ...]:
    stale = []
    for product in state.products:
        last = product.last_update_at or product.created_at
        if now - last >= STALE_AFTER:
            stale.append(
                StaleProduct(
                    product.key,
                    product.name,
                    product.owner_id,
                    product.last_update_at,
                    (now - last).days,
                )
            )
    stale.sort(key=lambda s: (-s.days, s.key))
    return tuple(stale)


def no_update_since(
    last_update_at: datetime | None, created_at: datetime, period_start: datetime
) -> bool:
    """Whether a product had no update since the period started (for owners' reminders)."""
    if last_update_at is not None:
        return last_update_at < period_start
    return created_at < period_start
