"""Owners' reminders: the day before a status digest, a DM about their products with no update.

Each reminder is claimed once per product and period in a ledger before it is sent; a DM that
fails releases its claims so a later tick tries again. People turn their own reminders off.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from domain import schedule as sched
from domain.digest import no_update_since
from domain.models import (
    DigestReminder,
    DigestSubscription,
    Portfolio,
    Product,
    RoadmapItem,
    UserPreference,
)
from domain.services.access import ensure_workspace
from domain.services.clock import Clock
from domain.services.digests.claims import GRACE
from domain.services.digests.schedules import schedule_of
from domain.store import Store, Tenant, retried
from domain.views import Actor
from domain.vocabulary import OPEN_STATUSES, STATUS_ORDER


@dataclass(frozen=True)
class ReminderProduct:
    """A product the owner should post an update about, with its most advanced open item."""

    key: str
    name: str
    health: str
    last_update_at: datetime | None
    item_ref: str | None = None
    item_status: str | None = None
    item_progress: int | None = None


@dataclass(frozen=True)
class ReminderDM:
    """One direct message to an owner listing their products with no update this period."""

    team_id: str
    owner_id: str
    portfolio: str
    digest_at: datetime
    tz: str
    period: str
    products: tuple[ReminderProduct, ...]
    ledger_ids: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class _Period:
    """The digest period a reminder announces."""

    key: str
    occurrence: datetime
    start: datetime
    tz: str


class Reminders:
    """The owners' reminder DMs before each status digest, and who turned theirs off."""

    def __init__(self, store: Store, clock: Clock, *, grace: timedelta = GRACE) -> None:
        self.store = store
        self.clock = clock
        self.grace = grace

    @retried
    def set_reminders(self, actor: Actor, *, off: bool) -> bool:
        """Turn the asker's own reminder DMs off (or back on); True when that changed something."""
        now = self.clock()
        with self.store.transaction(actor.team_id) as tenant:
            ensure_workspace(tenant)
            pref = tenant.get(UserPreference, (actor.team_id, actor.user_id))
            if pref is None:
                tenant.add(UserPreference(user_id=actor.user_id, reminders_off=off, updated_at=now))
                return off
            changed = pref.reminders_off != off
            pref.reminders_off = off
            pref.updated_at = now
            return changed

    def claim_due(self, now: datetime) -> list[ReminderDM]:
        """Claim the owners' reminders due at `now`: one per product and period, by owner."""
        with self.store.system() as system:
            subs = system.all(
                select(DigestSubscription).where(
                    DigestSubscription.removed_at.is_(None),
                    DigestSubscription.paused.is_(False),
                    DigestSubscription.kinds.in_(("status", "both")),
                )
            )
        dms: list[ReminderDM] = []
        seen: set[tuple[int, str, datetime]] = set()
        for sub in subs:
            schedule = schedule_of(sub)
            found = sched.reminder_due(schedule, now, grace=self.grace)
            if found is None:
                continue
            occurrence = sched.occurrence_for(schedule, date.fromisoformat(found[1]))
            period = _Period(
                key=found[1],
                occurrence=occurrence,
                start=sched.previous_period_start(schedule, occurrence),
                tz=schedule.tz,
            )
            portfolio_period = (sub.portfolio_id, period.key, period.start)
            if portfolio_period in seen:
                continue  # another channel of this portfolio: the same products, just claimed
            seen.add(portfolio_period)
            dms.extend(self._claim_for(sub, period))
        return dms

    @retried
    def done(self, dm: ReminderDM, *, ok: bool, now: datetime) -> None:
        """Mark a reminder sent, or release its claims so a later tick tries again."""
        with self.store.transaction(dm.team_id) as tenant:
            rows = tenant.all(
                tenant.select(DigestReminder).where(DigestReminder.id.in_(dm.ledger_ids))
            )
            for row in rows:
                if ok:
                    row.sent_at = now
                else:
                    tenant.delete(row)

    def _claim_for(self, sub: DigestSubscription, period: _Period) -> list[ReminderDM]:
        """Claim a subscription's reminders for one period, in its workspace, by owner."""
        now = self.clock()
        with self.store.transaction(sub.team_id) as tenant:
            portfolio = tenant.get(Portfolio, sub.portfolio_id)
            if portfolio is None:
                return []
            products = _needing_update(tenant, portfolio, period.start)
            if not products:
                return []
            reminded = set(
                tenant.scalars(
                    select(DigestReminder.product_id)
                    .join(Product, Product.id == DigestReminder.product_id)
                    .where(
                        DigestReminder.period == period.key,
                        Product.portfolio_id == portfolio.id,
                    )
                )
            )
            first_items = _most_advanced_open_items(tenant, portfolio, {p.id for p in products})
            by_owner: dict[str, list[tuple[int, ReminderProduct]]] = defaultdict(list)
            for product in products:
                if product.id in reminded or product.owner_id is None:
                    continue
                ledger_id = _claim_one(tenant, product, period.key, now)
                if ledger_id is None:
                    continue
                item = first_items.get(product.id)
                by_owner[product.owner_id].append(
                    (
                        ledger_id,
                        ReminderProduct(
                            key=product.key,
                            name=product.name,
                            health=product.health,
                            last_update_at=product.last_update_at,
                            item_ref=f"{product.key}-{item.number}" if item else None,
                            item_status=item.status if item else None,
                            item_progress=item.progress if item else None,
                        ),
                    )
                )
            return [
                ReminderDM(
                    team_id=sub.team_id,
                    owner_id=owner,
                    portfolio=portfolio.name,
                    digest_at=period.occurrence,
                    tz=period.tz,
                    period=period.key,
                    products=tuple(p for _, p in entries),
                    ledger_ids=tuple(i for i, _ in entries),
                )
                for owner, entries in sorted(by_owner.items())
            ]


def _needing_update(tenant: Tenant, portfolio: Portfolio, since: datetime) -> list[Product]:
    """The portfolio's owned products with no update since `since`, unless the owner opted out."""
    quiet = set(
        tenant.scalars(select(UserPreference.user_id).where(UserPreference.reminders_off.is_(True)))
    )
    return [
        p
        for p in tenant.all(
            tenant.select(Product)
            .where(
                Product.portfolio_id == portfolio.id,
                Product.archived_at.is_(None),
                Product.owner_id.is_not(None),
            )
            .order_by(Product.key)
        )
        if p.owner_id not in quiet and no_update_since(p.last_update_at, p.created_at, since)
    ]


def _most_advanced_open_items(
    tenant: Tenant, portfolio: Portfolio, product_ids: set[int]
) -> dict[int, RoadmapItem]:
    """Each of these products' most advanced open item (as `queries.most_advanced_open_items`),
    read by portfolio: no query binds a parameter per product."""
    rows = tenant.all(
        tenant.select(RoadmapItem)
        .join(Product, Product.id == RoadmapItem.product_id)
        .where(
            Product.portfolio_id == portfolio.id,
            Product.archived_at.is_(None),
            Product.owner_id.is_not(None),
            RoadmapItem.status.in_(OPEN_STATUSES),
        )
    )
    firsts: dict[int, RoadmapItem] = {}
    for item in sorted(rows, key=lambda i: (STATUS_ORDER.get(i.status, 9), i.number)):
        if item.product_id in product_ids:
            firsts.setdefault(item.product_id, item)
    return firsts


def _claim_one(tenant: Tenant, product: Product, period: str, now: datetime) -> int | None:
    """Enter a product's reminder for a period in the ledger; None when another runner did."""
    assert product.owner_id is not None
    savepoint = tenant.savepoint()
    try:
        ledger = DigestReminder(
            product_id=product.id, period=period, owner_id=product.owner_id, claimed_at=now
        )
        tenant.add(ledger)
        tenant.flush()
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        return None
    return ledger.id
