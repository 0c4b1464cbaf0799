"""Digests: the ROI ranking with movement, and the status digest, composed from plain snapshots.

Pure: plain values in, plain values out. A digest is composed from the portfolio's state now
and the snapshot the previous digest of the same subscription stored; it returns the snapshot
to store for the next one (JSON-ready: strings, numbers, lists and dicts only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from domain.finance import roi
from domain.money import format_money_short, format_percent
from domain.ranking import RankInput, Weights, rank

MOVERS = 3
STALE_AFTER = timedelta(days=14)
DUE_WINDOW_DAYS = 30
HEALTH_RANK = {"on track": 0, "at risk": 1, "off track": 2}
OPEN_STATUSES = frozenset({"idea", "planned", "in progress", "testing"})
MEASURE_NAMES = {
    "roi": "ROI",
    "risk": "risk-adjusted ROI",
    "npv": "NPV",
    "score": "weighted score",
}

# ---------------------------------------------------------------------------------------------
# The ranking digest


@dataclass(frozen=True)
class Movement:
    """Where a product moved since the previous digest: up or down by places, new, or same."""

    kind: Literal["up", "down", "new", "same", "first"]
    places: int = 0

    @property
    def label(self) -> str:
        """The label: ▲2, ▼1, new, – (unchanged), or empty with no previous digest."""
        if self.kind == "up":
            return f"▲{self.places}"
        if self.kind == "down":
            return f"▼{self.places}"
        if self.kind == "new":
            return "new"
        if self.kind == "same":
            return "–"
        return ""


@dataclass(frozen=True)
class RankingLine:
    """One ranked product with its movement."""

    position: int
    key: str
    name: str
    owner_id: str | None
    health: str
    category: str
    value: Decimal | None
    investment: Decimal
    expected_return: Decimal
    confidence: Decimal
    roi: Decimal | None
    movement: Movement


@dataclass(frozen=True)
class Mover:
    """A product that moved, from which position to which, and why (which input changed)."""

    key: str
    name: str
    before: int
    after: int
    reasons: tuple[str, ...]

    @property
    def places(self) -> int:
        """Places gained (positive) or lost (negative)."""
        return self.before - self.after


@dataclass(frozen=True)
class RankingDigest:
    """The ROI ranking digest of one portfolio."""

    portfolio: str
    currency: str
    measure: str
    lines: tuple[RankingLine, ...]
    movers: tuple[Mover, ...]
    left: tuple[str, ...]  # keys ranked last time and gone now
    total_investment: Decimal
    total_return: Decimal
    portfolio_roi: Decimal | None
    budget: Decimal | None
    budget_used: Decimal | None
    compared_with: datetime | None
    snapshot: dict[str, Any]
    since_subscribed: bool = False  # compared with the subscription's start

    @property
    def measure_name(self) -> str:
        """The measure in words: "risk-adjusted ROI"."""
        return MEASURE_NAMES.get(self.measure, self.measure)


def compose_ranking(
    inputs: Sequence[RankInput],
    *,
    portfolio: str,
    currency: str,
    measure: str,
    discount_rate: Decimal,
    weights: Weights | None,
    budget: Decimal | None,
    previous: Mapping[str, Any] | None,
    compared_with: datetime | None,
    since_subscribed: bool = False,
) -> RankingDigest:
    """Rank the products and say how each moved since the previous digest's snapshot."""
    ranked = rank(inputs, measure, discount_rate=discount_rate, weights=weights)
    before: Mapping[str, Any] = previous.get("rows", {}) if previous else {}
    measure_before = previous.get("measure") if previous else None
    lines: list[RankingLine] = []
    movers: list[Mover] = []
    rows: dict[str, Any] = {}
    for entry in ranked:
        item = entry.item
        old = before.get(item.key)
        movement = _movement(bool(previous), old, entry.position)
        lines.append(
            RankingLine(
                position=entry.position,
                key=item.key,
                name=item.name,
                owner_id=item.owner_id,
                health=item.health,
                category=item.category,
                value=entry.value,
                investment=item.investment,
                expected_return=item.expected_return,
                confidence=item.confidence,
                roi=roi(item.investment, item.expected_return),
                movement=movement,
            )
        )
        if movement.kind in ("up", "down") and old is not None:
            movers.append(
                Mover(
                    key=item.key,
                    name=item.name,
                    before=int(old["position"]),
                    after=entry.position,
                    reasons=_reasons(item, old, measure, measure_before, currency, movement),
                )
            )
        rows[item.key] = _ranking_row(item, entry.position, entry.value)
    movers.sort(key=lambda m: (-abs(m.places), m.after, m.key))
    total_investment = sum((i.investment for i in inputs), Decimal(0))
    total_return = sum((i.expected_return for i in inputs), Decimal(0))
    return RankingDigest(
        portfolio=portfolio,
        currency=currency,
        measure=measure,
        lines=tuple(lines),
        movers=tuple(movers[:MOVERS]),
        left=tuple(sorted(set(before) - set(rows))),
        total_investment=total_investment,
        total_return=total_return,
        portfolio_roi=roi(total_investment, total_return),
        budget=budget,
        budget_used=total_investment / budget if budget else None,
        compared_with=compared_with,
        snapshot={"measure": measure, "rows": rows},
        since_subscribed=since_subscribed,
    )


def ranking_snapshot(
    inputs: Sequence[RankInput], *, measure: str, discount_rate: Decimal, weights: Weights | None
) -> dict[str, Any]:
    """The snapshot a ranking digest would store now (a subscription's starting point)."""
    ranked = rank(inputs, measure, discount_rate=discount_rate, weights=weights)
    return {
        "measure": measure,
        "rows": {r.item.key: _ranking_row(r.item, r.position, r.value) for r in ranked},
    }


def _ranking_row(item: RankInput, position: int, value: Decimal | None) -> dict[str, Any]:
    return {
        "position": position,
        "value": None if value is None else str(value),
        "investment": str(item.investment),
        "expected_return": str(item.expected_return),
        "confidence": str(item.confidence),
        "cashflows": [str(c) for c in item.cashflows],
        "alignment": str(item.alignment),
    }


def _movement(has_previous: bool, old: Mapping[str, Any] | None, position: int) -> Movement:
    if not has_previous:
        return Movement("first")
    if old is None:
        return Movement("new")
    places = int(old["position"]) - position
    if places > 0:
        return Movement("up", places)
    if places < 0:
        return Movement("down", -places)
    return Movement("same")


def _reasons(
    item: RankInput,
    old: Mapping[str, Any],
    measure: str,
    measure_before: str | None,
    currency: str,
    movement: Movement,
) -> tuple[str, ...]:
    """Which inputs changed, in words: "confidence 60% → 80%", "investment $120k → $150k"."""
    reasons: list[str] = []
    if measure_before is not None and measure_before != measure:
        reasons.append(
            f"ranking measure changed from {MEASURE_NAMES.get(measure_before, measure_before)} "
            f"to {MEASURE_NAMES.get(measure, measure)}"
        )
    money = (("investment", item.investment), ("expected return", item.expected_return))
    for label, now in money:
        was = _decimal(old.get(label.replace(" ", "_")))
        if was is not None and was != now:
            reasons.append(
                f"{label} {format_money_short(was, currency)} → {format_money_short(now, currency)}"
            )
    was_confidence = _decimal(old.get("confidence"))
    if (
        measure in ("risk", "score")
        and was_confidence is not None
        and was_confidence != item.confidence
    ):
        reasons.append(
            f"confidence {format_percent(was_confidence)} → {format_percent(item.confidence)}"
        )
    cashflows_before = list(old.get("cashflows") or [])
    if measure in ("npv", "score") and [str(c) for c in item.cashflows] != cashflows_before:
        reasons.append("cash flows changed")
    if measure == "score":
        was_alignment = _decimal(old.get("alignment"))
        if was_alignment is not None and was_alignment != item.alignment:
            reasons.append("objective alignment changed")
    if not reasons:
        reasons.append(
            "its own inputs are unchanged; others fell or left"
            if movement.kind == "up"
            else "its own inputs are unchanged; others rose or joined"
        )
    return tuple(reasons)


def _decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# ---------------------------------------------------------------------------------------------
# The status digest


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


@dataclass(frozen=True)
class HealthChange:
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
    ref: str
    title: str
    status: str
    progress: int
    due: date
    label: str | None


@dataclass(frozen=True)
class StaleProduct:
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
            )
        )


def status_snapshot(state: StatusState) -> dict[str, Any]:
    """The JSON-ready snapshot of a portfolio's state that the next status digest compares with."""
    return {
        "products": {
            p.key: {
                "name": p.name,
                "health": p.health,
                "metrics": {name: str(value) for name, value, _ in p.metrics},
            }
            for p in state.products
        },
        "items": {
            i.ref: {"title": i.title, "status": i.status, "blocker": i.blocker} for i in state.items
        },
    }


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
        snapshot=status_snapshot(state),
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
            was = _decimal(old_metrics.get(name))
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
        if p.health in ("at risk", "off track")
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
