"""App Home: what each person sees when they open Folio's Home tab (and after a change).

A product owner sees their products, the next open items of each and which still need this
week's update; a portfolio manager also sees the ranking with its movement since the last
digest, the products at risk or off track, the pending proposals, the budget used and the
next digests; everyone else sees the ranking. One read, in the person's workspace.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from domain import queries
from domain import schedule as sched
from domain.digest import RankingDigest, compose_ranking, no_update_since
from domain.errors import NotSetUp
from domain.models import (
    DigestPosting,
    DigestSnapshot,
    DigestSubscription,
    Portfolio,
    Product,
    Proposal,
)
from domain.services.access import is_manager, item_view, portfolio_for
from domain.services.clock import Clock
from domain.services.digests.schedules import known_zone, schedule_of
from domain.services.digests.subscriptions import SubscriptionView
from domain.services.proposals import PENDING, proposal_view
from domain.store import Store, Tenant
from domain.views import Actor, ItemView, ProposalView

Role = Literal["manager", "owner", "member"]
OWNED_SHOWN = 10  # products an owner's home lists; the rest are counted
NEXT_ITEMS = 3  # open items shown per product
RANKING_SHOWN = 10
ATTENTION_SHOWN = 15
PROPOSALS_SHOWN = 10
ATTENTION = ("at risk", "off track")


@dataclass(frozen=True)
class OwnedProduct:
    """A product the person owns, with its next open items and whether it needs an update."""

    key: str
    name: str
    health: str
    stage: str
    next_items: tuple[ItemView, ...]
    open_items: int
    needs_update: bool
    last_update_at: datetime | None


@dataclass(frozen=True)
class AttentionProduct:
    """A product at risk or off track."""

    key: str
    name: str
    health: str
    owner_id: str | None


@dataclass(frozen=True)
class HomeView:
    """Everything one person's App Home shows, as plain values."""

    role: Role
    user_id: str
    week_start: datetime
    portfolio: str | None = None  # None: Folio isn't set up in the workspace yet
    currency: str = "USD"
    portfolios: int = 0
    owned: tuple[OwnedProduct, ...] = ()
    owned_total: int = 0
    ranking: RankingDigest | None = None
    attention: tuple[AttentionProduct, ...] = ()
    attention_total: int = 0
    proposals: tuple[ProposalView, ...] = ()
    proposals_total: int = 0
    budget: Decimal | None = None
    invested: Decimal = Decimal(0)
    digests: tuple[SubscriptionView, ...] = ()

    @property
    def needing_update(self) -> tuple[OwnedProduct, ...]:
        """The shown products with no update yet this week."""
        return tuple(p for p in self.owned if p.needs_update)

    @property
    def budget_used(self) -> Decimal | None:
        """The share of the budget invested, when the portfolio has a budget."""
        return self.invested / self.budget if self.budget else None


def week_start(now: datetime, tz: str | None) -> datetime:
    """Monday 00:00 of this week in the person's time zone (UTC when unknown), as UTC."""
    zone = ZoneInfo(tz if tz and known_zone(tz) else "UTC")
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).date()
    return datetime(monday.year, monday.month, monday.day, tzinfo=zone).astimezone(now.tzinfo)


class HomeService:
    """The App Home of each person, decided by their role in the workspace."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def home(self, actor: Actor, *, tz: str | None = None) -> HomeView:
        """What this person's App Home shows now."""
        now = self.clock()
        start = week_start(now, tz)
        with self.store.read(actor.team_id) as tenant:
            manager = is_manager(tenant, actor)
            owned, owned_total = _owned(tenant, actor.user_id, start)
            role: Role = "manager" if manager else "owner" if owned_total else "member"
            try:
                portfolio = portfolio_for(tenant, None)
            except NotSetUp:
                return HomeView(role=role, user_id=actor.user_id, week_start=start)
            facts = queries.product_facts(tenant, portfolio)
            previous, compared_with = _last_ranking(tenant, portfolio)
            ranking = compose_ranking(
                facts,
                portfolio=portfolio.name,
                currency=portfolio.currency,
                measure=portfolio.ranking_measure,
                discount_rate=portfolio.discount_rate,
                weights=queries.score_weights(portfolio),
                budget=portfolio.budget,
                previous=previous,
                compared_with=compared_with,
            )
            view = HomeView(
                role=role,
                user_id=actor.user_id,
                week_start=start,
                portfolio=portfolio.name,
                currency=portfolio.currency,
                portfolios=tenant.scalar(select(func.count()).select_from(Portfolio)) or 0,
                owned=owned,
                owned_total=owned_total,
                ranking=ranking,
            )
            if not manager:
                return view
            attention = sorted(
                (f for f in facts if f.health in ATTENTION),
                key=lambda f: (f.health != "off track", f.key),
            )
            proposals, proposals_total = _pending(tenant)
            return replace(
                view,
                attention=tuple(
                    AttentionProduct(f.key, f.name, f.health, f.owner_id)
                    for f in attention[:ATTENTION_SHOWN]
                ),
                attention_total=len(attention),
                proposals=proposals,
                proposals_total=proposals_total,
                budget=portfolio.budget,
                invested=sum((f.investment for f in facts), Decimal(0)),
                digests=_digests(tenant, now),
            )

    def audience(
        self, team_id: str, user_ids: Iterable[str], keys: Sequence[str]
    ) -> tuple[str, ...]:
        """Whose App Home a change shows on: these people and the owners of these products."""
        people = list(dict.fromkeys(u for u in user_ids if u))
        if keys:
            with self.store.read(team_id) as tenant:
                owners = tenant.scalars(
                    select(Product.owner_id).where(
                        Product.key.in_(list(keys)), Product.owner_id.is_not(None)
                    )
                )
                people.extend(o for o in owners if o and o not in people)
        return tuple(people)


def _owned(tenant: Tenant, user_id: str, since: datetime) -> tuple[tuple[OwnedProduct, ...], int]:
    """The person's active products, those needing this week's update first, and how many."""
    products = tenant.all(
        tenant.select(Product)
        .where(Product.owner_id == user_id, Product.archived_at.is_(None))
        .order_by(Product.key)
    )
    needs = {p.id: no_update_since(p.last_update_at, p.created_at, since) for p in products}
    products.sort(key=lambda p: (not needs[p.id], p.key))
    shown = []
    for product in products[:OWNED_SHOWN]:
        items = queries.open_items(tenant, product.id)
        shown.append(
            OwnedProduct(
                key=product.key,
                name=product.name,
                health=product.health,
                stage=product.stage,
                next_items=tuple(item_view(product.key, i) for i in items[:NEXT_ITEMS]),
                open_items=len(items),
                needs_update=needs[product.id],
                last_update_at=product.last_update_at,
            )
        )
    return tuple(shown), len(products)


def _last_ranking(
    tenant: Tenant, portfolio: Portfolio
) -> tuple[dict[str, Any] | None, datetime | None]:
    """The snapshot of the portfolio's latest sent ranking digest (any channel), if any."""
    last = tenant.first(
        tenant.select(DigestPosting)
        .join(DigestSubscription, DigestSubscription.id == DigestPosting.subscription_id)
        .where(
            DigestSubscription.portfolio_id == portfolio.id,
            DigestPosting.kind == "ranking",
            DigestPosting.status == "sent",
        )
        .order_by(DigestPosting.sent_at.desc(), DigestPosting.id.desc())
    )
    if last is None or not last.snapshot:
        return None, None
    stored: dict[str, Any] = last.snapshot
    ref = stored.get("ref")
    if ref is not None and len(stored) == 1:  # shared, stored once per portfolio and period
        row = tenant.get(DigestSnapshot, int(ref))
        if row is None:
            return None, None
        stored = row.snapshot
    return stored, last.sent_at


def _pending(tenant: Tenant) -> tuple[tuple[ProposalView, ...], int]:
    """The workspace's pending proposals on active products, oldest first, and how many."""
    rows = tenant.execute(
        tenant.select(Proposal)
        .add_columns(Product)
        .join(Product, Product.id == Proposal.product_id)
        .where(Proposal.status == PENDING, Product.archived_at.is_(None))
        .order_by(Proposal.created_at, Proposal.id)
    ).all()
    portfolios: dict[int, Portfolio] = {}
    views = []
    for row, product in rows[:PROPOSALS_SHOWN]:
        if product.portfolio_id not in portfolios:
            found = tenant.get(Portfolio, product.portfolio_id)
            assert found is not None
            portfolios[product.portfolio_id] = found
        views.append(proposal_view(tenant, product, portfolios[product.portfolio_id], row))
    return tuple(views), len(rows)


def _digests(tenant: Tenant, now: datetime) -> tuple[SubscriptionView, ...]:
    """The workspace's active digest subscriptions with their next posting, soonest first."""
    names = {p.id: p.name for p in tenant.all(tenant.select(Portfolio))}
    views = []
    for row in tenant.all(
        tenant.select(DigestSubscription).where(DigestSubscription.removed_at.is_(None))
    ):
        schedule = schedule_of(row)
        views.append(
            SubscriptionView(
                channel_id=row.channel_id,
                portfolio=names.get(row.portfolio_id, ""),
                schedule=schedule,
                next_at=sched.next_occurrence(schedule, now),
                subscriber_id=row.subscriber_id,
                paused=bool(row.paused),
                paused_reason=row.paused_reason,
            )
        )
    return tuple(sorted(views, key=lambda v: (v.next_at, v.channel_id)))
