"""Channel subscriptions to the digests: subscribe, stop, list, preview and post on demand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain import schedule as sched
from domain.commands.schedule import parse_schedule
from domain.errors import NotFound
from domain.models import DigestPosting, DigestSubscription, Portfolio
from domain.services.access import ensure_workspace, portfolio_for, require_manager
from domain.services.clock import Clock
from domain.services.digests.compose import Digest, Facts, baseline, compose
from domain.services.digests.outbox import Outbox
from domain.services.digests.postings import ClaimedPosting
from domain.services.digests.schedules import apply_schedule, known_zone, schedule_of
from domain.store import Store, Tenant, retried
from domain.views import Actor
from domain.vocabulary import DIGEST_KINDS, digest_kinds


@dataclass(frozen=True)
class SubscriptionView:
    """A channel's digest subscription as people read it."""

    channel_id: str
    portfolio: str
    schedule: sched.Schedule
    next_at: datetime
    subscriber_id: str
    paused: bool = False
    paused_reason: str | None = None
    created: bool = False
    changed: bool = False


class Subscriptions:
    """Which channels get which digests of which portfolio, and when."""

    def __init__(
        self, store: Store, clock: Clock, outbox: Outbox, *, default_timezone: str = "UTC"
    ) -> None:
        self.store = store
        self.clock = clock
        self.outbox = outbox
        self.default_timezone = default_timezone

    @retried
    def subscribe(
        self, actor: Actor, channel_id: str, text: str, *, person_tz: str | None = None
    ) -> SubscriptionView:
        """Subscribe a channel or change its schedule; zone: given, else the person's, else ours."""
        default_tz = person_tz if person_tz and known_zone(person_tz) else self.default_timezone
        schedule = parse_schedule(text, default_tz=default_tz)
        now = self.clock()
        with self.store.transaction(actor.team_id) as tenant:
            ensure_workspace(tenant)
            portfolio = portfolio_for(tenant, channel_id)
            require_manager(tenant, actor, "subscribe channels to digests")
            row = tenant.first(
                tenant.select(DigestSubscription).where(
                    DigestSubscription.channel_id == channel_id,
                    DigestSubscription.portfolio_id == portfolio.id,
                )
            )
            created = row is None or row.removed_at is not None
            start = baseline(tenant, portfolio, now) if created else None
            if row is None:
                row = DigestSubscription(
                    channel_id=channel_id, portfolio_id=portfolio.id, created_at=now
                )
                tenant.add(row)
            changed = not created and schedule_of(row) != schedule
            if start is not None:
                row.baseline = start
                row.baseline_at = now
            was_paused, refused_with = bool(row.paused), row.paused_reason
            if created or changed:
                row.schedule_from = now
            apply_schedule(row, schedule)
            row.subscriber_id = actor.user_id
            row.paused, row.paused_reason, row.paused_at = False, None, None
            row.removed_at = None
            row.updated_at = now
            tenant.flush()
            if was_paused and refused_with is not None:
                _retry_refused(tenant, row.id, refused_with, now)
            return SubscriptionView(
                channel_id=channel_id,
                portfolio=portfolio.name,
                schedule=schedule,
                next_at=sched.next_occurrence(schedule, now),
                subscriber_id=actor.user_id,
                created=created,
                changed=changed or was_paused,
            )

    @retried
    def unsubscribe(self, actor: Actor, channel_id: str) -> tuple[SubscriptionView, ...]:
        """Stop a channel's digests (all portfolios); postings already made are kept."""
        now = self.clock()
        with self.store.transaction(actor.team_id) as tenant:
            require_manager(tenant, actor, "turn digests off")
            rows = tenant.all(
                tenant.select(DigestSubscription).where(
                    DigestSubscription.channel_id == channel_id,
                    DigestSubscription.removed_at.is_(None),
                )
            )
            if not rows:
                raise NotFound(
                    "This channel has no digest subscription to turn off. "
                    "`/portfolio digest list` shows the workspace's subscriptions."
                )
            views = tuple(_view(tenant, row, now) for row in rows)
            for row in rows:
                row.removed_at = now
                row.updated_at = now
            return views

    def active(self, actor: Actor) -> tuple[SubscriptionView, ...]:
        """Every active digest subscription of the workspace, by channel."""
        now = self.clock()
        with self.store.transaction(actor.team_id) as tenant:
            rows = tenant.all(
                tenant.select(DigestSubscription)
                .where(DigestSubscription.removed_at.is_(None))
                .order_by(DigestSubscription.channel_id, DigestSubscription.id)
            )
            return tuple(_view(tenant, row, now) for row in rows)

    def preview(self, actor: Actor, channel_id: str) -> tuple[Digest, ...]:
        """The digests this channel would get now (its subscription's kinds, else both)."""
        now = self.clock()
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            row = _subscription(tenant, channel_id, portfolio)
            kinds = digest_kinds(row.kinds) if row is not None else DIGEST_KINDS
            tz = row.tz if row is not None else self.default_timezone
            facts = Facts(keep_snapshots=False)  # shown, never stored
            return tuple(
                compose(tenant, portfolio, row, kind, tz=tz, now=now, facts=facts) for kind in kinds
            )

    def post_now(self, actor: Actor, channel_id: str, runner: str) -> tuple[ClaimedPosting, ...]:
        """Claim this channel's digests for right now (`digest now`); the caller sends them."""
        with self.store.transaction(actor.team_id) as tenant:
            require_manager(tenant, actor, "post digests on demand")
            portfolio = portfolio_for(tenant, channel_id)
            row = _subscription(tenant, channel_id, portfolio)
            if row is None:
                raise NotFound(
                    "This channel isn't subscribed to digests. Subscribe it first, e.g. "
                    "`/portfolio digest weekly mon 09:00 both`, or see one just for you with "
                    "`/portfolio digest preview`."
                )
            subscription_id, kinds = row.id, digest_kinds(row.kinds)
        return tuple(self.outbox.claim_now(actor.team_id, subscription_id, kinds, runner))


def _subscription(
    tenant: Tenant, channel_id: str, portfolio: Portfolio
) -> DigestSubscription | None:
    """The channel's active subscription to the portfolio, if any."""
    return tenant.first(
        tenant.select(DigestSubscription).where(
            DigestSubscription.channel_id == channel_id,
            DigestSubscription.portfolio_id == portfolio.id,
            DigestSubscription.removed_at.is_(None),
        )
    )


def _retry_refused(tenant: Tenant, subscription_id: int, refused_with: str, now: datetime) -> None:
    """A resumed subscription retries the postings its channel refused (still within grace).

    Those are the failed postings whose code is the one the subscription paused with: the
    outbox stores the same code on both, so no Slack code needs naming here.
    """
    for row in tenant.all(
        tenant.select(DigestPosting).where(
            DigestPosting.subscription_id == subscription_id,
            DigestPosting.status == "failed",
            DigestPosting.error == refused_with,
        )
    ):
        row.next_attempt_at = now


def _view(tenant: Tenant, row: DigestSubscription, now: datetime) -> SubscriptionView:
    portfolio = tenant.get(Portfolio, row.portfolio_id)
    schedule = schedule_of(row)
    return SubscriptionView(
        channel_id=row.channel_id,
        portfolio=portfolio.name if portfolio else "",
        schedule=schedule,
        next_at=sched.next_occurrence(schedule, now),
        subscriber_id=row.subscriber_id,
        paused=bool(row.paused),
        paused_reason=row.paused_reason,
    )
