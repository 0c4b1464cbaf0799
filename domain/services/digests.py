"""Digest use cases: subscriptions, and the scheduler's claim-then-send-then-mark of postings.

Exactly once: every posting is claimed in the database under the unique key
(subscription, period, kind) before anything is sent, and marked sent after. Another replica
that tries the same key finds the claim and skips it. A claim whose sender died (no heartbeat
for ``claim_timeout``) is taken over; a failed send is retried with backoff while attempts
remain; a channel the bot cannot post in pauses its subscription.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from domain import queries
from domain import schedule as sched
from domain.commands.schedule import parse_schedule
from domain.digest import (
    RankingDigest,
    StatusDigest,
    compose_ranking,
    compose_status,
    no_update_since,
    ranking_snapshot,
    status_snapshot,
)
from domain.errors import NotFound
from domain.models import (
    DigestPosting,
    DigestReminder,
    DigestSubscription,
    Portfolio,
    Product,
    UserPreference,
)
from domain.services.access import (
    ensure_workspace,
    portfolio_for,
    require_manager,
)
from domain.services.clock import Clock
from domain.store import Store, System, Tenant
from domain.views import Actor

log = logging.getLogger("folio.digests")

GRACE = timedelta(hours=6)
CLAIM_TIMEOUT = timedelta(minutes=15)
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(minutes=30)
CHANNEL_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "restricted_action",
        "restricted_action_read_only_channel",
        "team_access_not_granted",
    }
)
MESSAGE_ERRORS = frozenset(
    {"msg_too_long", "no_text", "invalid_blocks", "invalid_blocks_format", "invalid_arguments"}
)
KIND_ORDER = ("ranking", "status")

Digest = RankingDigest | StatusDigest


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


@dataclass(frozen=True)
class ClaimedPosting:
    """A digest this runner holds the claim for: send it, then report the outcome."""

    posting_id: int
    team_id: str
    channel_id: str
    subscription_id: int
    subscriber_id: str
    kind: str
    period: str
    attempt: int
    cadence: str
    tz: str
    digest: Digest


@dataclass(frozen=True)
class PauseNotice:
    """A subscription just paused because its channel refused a post: tell the subscriber once."""

    team_id: str
    subscriber_id: str
    channel_id: str
    portfolio: str
    error: str
    schedule: sched.Schedule


@dataclass(frozen=True)
class ReminderProduct:
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
class _Due:
    subscription_id: int
    team_id: str
    period: str
    occurrence: datetime | None
    kinds: tuple[str, ...]


class DigestService:
    """Subscriptions and scheduled postings of the ranking and status digests."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        default_timezone: str = "UTC",
        grace: timedelta = GRACE,
        claim_timeout: timedelta = CLAIM_TIMEOUT,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.store = store
        self.clock = clock
        self.default_timezone = default_timezone
        self.grace = grace
        self.claim_timeout = claim_timeout
        self.max_attempts = max_attempts

    # -- subscriptions ------------------------------------------------------------------

    def subscribe(
        self, actor: Actor, channel_id: str, text: str, *, person_tz: str | None = None
    ) -> SubscriptionView:
        """Subscribe a channel or change its schedule; zone: given, else the person's, else ours."""
        default_tz = person_tz if person_tz and _known_zone(person_tz) else self.default_timezone
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
            baseline = self._baseline(tenant, portfolio) if created else None
            if row is None:
                row = DigestSubscription(
                    channel_id=channel_id, portfolio_id=portfolio.id, created_at=now
                )
                tenant.add(row)
            changed = not created and _schedule_of(row) != schedule
            if baseline is not None:
                row.baseline = baseline
                row.baseline_at = now
            was_paused = bool(row.paused)
            if created or changed:
                row.schedule_from = now
            _apply_schedule(row, schedule)
            row.subscriber_id = actor.user_id
            row.paused, row.paused_reason, row.paused_at = False, None, None
            row.removed_at = None
            row.updated_at = now
            tenant.flush()
            if was_paused:
                self._retry_refused(tenant, row.id, now)
            return SubscriptionView(
                channel_id=channel_id,
                portfolio=portfolio.name,
                schedule=schedule,
                next_at=sched.next_occurrence(schedule, now),
                subscriber_id=actor.user_id,
                created=created,
                changed=changed or was_paused,
            )

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
            views = tuple(self._view(tenant, row, now) for row in rows)
            for row in rows:
                row.removed_at = now
                row.updated_at = now
            return views

    def subscriptions(self, actor: Actor) -> tuple[SubscriptionView, ...]:
        """Every active digest subscription of the workspace, by channel."""
        now = self.clock()
        with self.store.transaction(actor.team_id) as tenant:
            rows = tenant.all(
                tenant.select(DigestSubscription)
                .where(DigestSubscription.removed_at.is_(None))
                .order_by(DigestSubscription.channel_id, DigestSubscription.id)
            )
            return tuple(self._view(tenant, row, now) for row in rows)

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

    def preview(self, actor: Actor, channel_id: str) -> tuple[Digest, ...]:
        """The digests this channel would get now (its subscription's kinds, else both)."""
        now = self.clock()
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            row = tenant.first(
                tenant.select(DigestSubscription).where(
                    DigestSubscription.channel_id == channel_id,
                    DigestSubscription.portfolio_id == portfolio.id,
                    DigestSubscription.removed_at.is_(None),
                )
            )
            kinds = _kinds(row.kinds) if row is not None else KIND_ORDER
            tz = row.tz if row is not None else self.default_timezone
            cache: dict[tuple[int, str], Any] = {}
            return tuple(
                self._compose(tenant, portfolio, row, kind, tz, now, cache) for kind in kinds
            )

    def post_now(self, actor: Actor, channel_id: str, runner: str) -> tuple[ClaimedPosting, ...]:
        """Claim this channel's digests for right now (`digest now`); the caller sends them."""
        now = self.clock()
        with self.store.transaction(actor.team_id) as tenant:
            require_manager(tenant, actor, "post digests on demand")
            portfolio = portfolio_for(tenant, channel_id)
            row = tenant.first(
                tenant.select(DigestSubscription).where(
                    DigestSubscription.channel_id == channel_id,
                    DigestSubscription.portfolio_id == portfolio.id,
                    DigestSubscription.removed_at.is_(None),
                )
            )
            if row is None:
                raise NotFound(
                    "This channel isn't subscribed to digests. Subscribe it first, e.g. "
                    "`/portfolio digest weekly mon 09:00 both`, or see one just for you with "
                    "`/portfolio digest preview`."
                )
            due = _Due(row.id, row.team_id, f"now:{now.isoformat()}", None, _kinds(row.kinds))
        return tuple(self._claim_and_compose([due], now, runner))

    # -- the scheduler ------------------------------------------------------------------

    def claim_due(self, now: datetime, runner: str) -> list[ClaimedPosting]:
        """Claim every posting due at `now` (at most `grace` late) and compose its digest."""
        dues = self._due_work(now)
        return self._claim_and_compose(dues, now, runner)

    def renew_claims(self, runner: str, posting_ids: Iterable[int], now: datetime) -> int:
        """Heartbeat: a live sender keeps its claims fresh so nobody takes them over."""
        ids = list(posting_ids)
        if not ids:
            return 0
        with self.store.system() as session:
            result = session.execute(
                update(DigestPosting)
                .where(
                    DigestPosting.id.in_(ids),
                    DigestPosting.claimed_by == runner,
                    DigestPosting.status == "claimed",
                )
                .values(claimed_at=now)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def record_outcome(
        self,
        posting: ClaimedPosting,
        *,
        ok: bool,
        ts: str | None,
        error: str | None,
        now: datetime,
    ) -> PauseNotice | None:
        """Mark a claimed posting sent or failed; a refusing channel pauses its subscription."""
        with self.store.system() as session:
            row = session.get(DigestPosting, posting.posting_id)
            if row is None:
                return None
            if ok:
                row.status, row.sent_at, row.message_ts = "sent", now, ts
                row.error, row.next_attempt_at = None, None
                self._forget_older_snapshots(session, row)
                return None
            if row.status != "claimed" or row.attempts != posting.attempt:
                return None
            row.status, row.error = "failed", (error or "unknown")[:64]
            if error in CHANNEL_ERRORS:
                row.next_attempt_at = None
                return self._pause(session, posting, error or "unknown", now)
            if error in MESSAGE_ERRORS or row.attempts >= self.max_attempts:
                row.next_attempt_at = None
                log.error(
                    "digest gave up team=%s channel=%s posting=%s error=%s attempts=%s",
                    posting.team_id,
                    posting.channel_id,
                    row.id,
                    error,
                    row.attempts,
                )
                return None
            row.next_attempt_at = now + min(RETRY_BASE * 2 ** (row.attempts - 1), RETRY_CAP)
            return None

    def claim_reminders(self, now: datetime) -> list[ReminderDM]:
        """Claim the owners' reminders due at `now`: one per product and period, by owner."""
        dms: list[ReminderDM] = []
        with self.store.system() as session:
            subs = list(
                session.scalars(
                    select(DigestSubscription).where(
                        DigestSubscription.removed_at.is_(None),
                        DigestSubscription.paused.is_(False),
                        DigestSubscription.kinds.in_(("status", "both")),
                    )
                )
            )
        for sub in subs:
            schedule = _schedule_of(sub)
            found = sched.reminder_due(schedule, now, grace=self.grace)
            if found is None:
                continue
            _, period = found
            occurrence = sched.occurrence_for(schedule, date.fromisoformat(period))
            period_start = sched.previous_period_start(schedule, occurrence)
            dms.extend(self._claim_owner_reminders(sub, schedule, period, occurrence, period_start))
        return dms

    def reminders_done(self, dm: ReminderDM, *, ok: bool, now: datetime) -> None:
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

    def next_event_after(self, after: datetime) -> datetime | None:
        """The next instant a digest or reminder is due after `after` (the console's clock)."""
        with self.store.system() as session:
            subs = list(
                session.scalars(
                    select(DigestSubscription).where(
                        DigestSubscription.removed_at.is_(None),
                        DigestSubscription.paused.is_(False),
                    )
                )
            )
        moments: list[datetime] = []
        for sub in subs:
            schedule = _schedule_of(sub)
            moments.append(sched.next_occurrence(schedule, after))
            if sub.kinds in ("status", "both"):
                moments.append(sched.next_occurrence(_reminder_schedule(schedule), after))
        return min(moments) if moments else None

    # -- internals: due work and claims ---------------------------------------------------

    def _due_work(self, now: datetime) -> list[_Due]:
        with self.store.system() as session:
            subs = list(
                session.scalars(
                    select(DigestSubscription)
                    .where(
                        DigestSubscription.removed_at.is_(None),
                        DigestSubscription.paused.is_(False),
                    )
                    .order_by(DigestSubscription.id)
                )
            )
            dues: list[_Due] = []
            for sub in subs:
                found = sched.due(_schedule_of(sub), now, grace=self.grace)
                if found is not None and found[0] >= sub.schedule_from:
                    occurrence, period = found
                    dues.append(_Due(sub.id, sub.team_id, period, occurrence, _kinds(sub.kinds)))
            if not dues:
                return []
            settled = self._settled(session, dues, now)
        return [
            _Due(
                d.subscription_id,
                d.team_id,
                d.period,
                d.occurrence,
                tuple(k for k in d.kinds if (d.subscription_id, d.period, k) not in settled),
            )
            for d in dues
            if any((d.subscription_id, d.period, k) not in settled for k in d.kinds)
        ]

    def _settled(
        self, session: System, dues: Sequence[_Due], now: datetime
    ) -> set[tuple[int, str, str]]:
        """Keys needing nothing now: sent, held by a live claim, or failed and not yet retryable."""
        periods = {d.period for d in dues}
        ids = [d.subscription_id for d in dues]
        settled: set[tuple[int, str, str]] = set()
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(
                    DigestPosting.subscription_id,
                    DigestPosting.period,
                    DigestPosting.kind,
                    DigestPosting.status,
                    DigestPosting.claimed_at,
                    DigestPosting.next_attempt_at,
                    DigestPosting.attempts,
                ).where(
                    DigestPosting.subscription_id.in_(ids[start : start + 500]),
                    DigestPosting.period.in_(periods),
                )
            ).all()
            for row in rows:
                if not self._claimable(
                    row.status, row.claimed_at, row.next_attempt_at, row.attempts, now
                ):
                    settled.add((row.subscription_id, row.period, row.kind))
        return settled

    def _claimable(
        self,
        status: str,
        claimed_at: datetime,
        next_attempt_at: datetime | None,
        attempts: int,
        now: datetime,
    ) -> bool:
        if status == "sent":
            return False
        if status == "claimed":
            return now - claimed_at >= self.claim_timeout
        return (
            next_attempt_at is not None and next_attempt_at <= now and attempts < self.max_attempts
        )

    def _claim_and_compose(
        self, dues: Sequence[_Due], now: datetime, runner: str
    ) -> list[ClaimedPosting]:
        claimed: list[ClaimedPosting] = []
        cache: dict[tuple[int, str], Any] = {}
        for due in dues:
            for kind in due.kinds:
                posting_id = self._claim(due, kind, now, runner)
                if posting_id is None:
                    continue
                try:
                    claimed.append(self._compose_claimed(due.team_id, posting_id, now, cache))
                except Exception:
                    log.exception(
                        "digest compose failed team=%s subscription=%s kind=%s",
                        due.team_id,
                        due.subscription_id,
                        kind,
                    )
                    self._fail_unsent(posting_id, "compose_failed", now)
        return claimed

    def _claim(self, due: _Due, kind: str, now: datetime, runner: str) -> int | None:
        """Insert the claim; on a clash take over only a stale claim or a retryable failure."""
        try:
            with self.store.system() as session:
                row = DigestPosting(
                    team_id=due.team_id,
                    subscription_id=due.subscription_id,
                    period=due.period,
                    kind=kind,
                    status="claimed",
                    attempts=1,
                    claimed_at=now,
                    claimed_by=runner,
                    scheduled_for=due.occurrence,
                    snapshot={},
                )
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError:
            pass
        with self.store.system() as session:
            existing = session.first(
                select(DigestPosting).where(
                    DigestPosting.subscription_id == due.subscription_id,
                    DigestPosting.period == due.period,
                    DigestPosting.kind == kind,
                )
            )
            if existing is None:
                return None
            was_status, was_claimed_at = existing.status, existing.claimed_at
            if not self._claimable(
                existing.status,
                existing.claimed_at,
                existing.next_attempt_at,
                existing.attempts,
                now,
            ):
                return None
            taken = session.execute(
                update(DigestPosting)
                .where(
                    DigestPosting.id == existing.id,
                    DigestPosting.status == existing.status,
                    DigestPosting.attempts == existing.attempts,
                )
                .values(
                    status="claimed",
                    attempts=existing.attempts + 1,
                    claimed_at=now,
                    claimed_by=runner,
                    next_attempt_at=None,
                )
            )
            if int(getattr(taken, "rowcount", 0) or 0) != 1:
                return None
            if was_status == "claimed":
                log.warning(
                    "digest claim taken over team=%s posting=%s stale since %s",
                    due.team_id,
                    existing.id,
                    was_claimed_at.isoformat(),
                )
            return existing.id

    def _fail_unsent(self, posting_id: int, error: str, now: datetime) -> None:
        with self.store.system() as session:
            row = session.get(DigestPosting, posting_id)
            if row is not None and row.status == "claimed":
                row.status, row.error = "failed", error
                row.next_attempt_at = (
                    now + RETRY_BASE * 2 ** (row.attempts - 1)
                    if row.attempts < self.max_attempts
                    else None
                )

    def _compose_claimed(
        self, team_id: str, posting_id: int, now: datetime, cache: dict[tuple[int, str], Any]
    ) -> ClaimedPosting:
        with self.store.transaction(team_id) as tenant:
            posting = tenant.first(
                tenant.select(DigestPosting).where(DigestPosting.id == posting_id)
            )
            assert posting is not None
            sub = tenant.first(
                tenant.select(DigestSubscription).where(
                    DigestSubscription.id == posting.subscription_id
                )
            )
            assert sub is not None
            portfolio = tenant.get(Portfolio, sub.portfolio_id)
            assert portfolio is not None
            digest = self._compose(tenant, portfolio, sub, posting.kind, sub.tz, now, cache)
            posting.snapshot = digest.snapshot
            return ClaimedPosting(
                posting_id=posting.id,
                team_id=team_id,
                channel_id=sub.channel_id,
                subscription_id=sub.id,
                subscriber_id=sub.subscriber_id,
                kind=posting.kind,
                period=posting.period,
                attempt=posting.attempts,
                cadence=sub.cadence,
                tz=sub.tz,
                digest=digest,
            )

    def _pause(
        self, session: System, posting: ClaimedPosting, error: str, now: datetime
    ) -> PauseNotice | None:
        paused = session.execute(
            update(DigestSubscription)
            .where(
                DigestSubscription.id == posting.subscription_id,
                DigestSubscription.paused.is_(False),
            )
            .values(paused=True, paused_reason=error[:64], paused_at=now, updated_at=now)
        )
        if int(getattr(paused, "rowcount", 0) or 0) != 1:
            return None
        sub = session.get(DigestSubscription, posting.subscription_id)
        assert sub is not None
        portfolio = session.get(Portfolio, sub.portfolio_id)
        log.warning(
            "digest subscription paused team=%s channel=%s error=%s",
            posting.team_id,
            posting.channel_id,
            error,
        )
        return PauseNotice(
            team_id=posting.team_id,
            subscriber_id=sub.subscriber_id,
            channel_id=sub.channel_id,
            portfolio=portfolio.name if portfolio else "",
            error=error,
            schedule=_schedule_of(sub),
        )

    def _retry_refused(self, tenant: Tenant, subscription_id: int, now: datetime) -> None:
        """A resumed subscription retries the postings its channel refused (still within grace)."""
        for row in tenant.all(
            tenant.select(DigestPosting).where(
                DigestPosting.subscription_id == subscription_id,
                DigestPosting.status == "failed",
                DigestPosting.error.in_(CHANNEL_ERRORS),
            )
        ):
            row.next_attempt_at = now

    @staticmethod
    def _forget_older_snapshots(session: System, row: DigestPosting) -> None:
        """Only the newest sent snapshot is compared with; drop the older ones' bulk."""
        session.execute(
            update(DigestPosting)
            .where(
                DigestPosting.subscription_id == row.subscription_id,
                DigestPosting.kind == row.kind,
                DigestPosting.status == "sent",
                DigestPosting.id != row.id,
                DigestPosting.sent_at < row.sent_at,
            )
            .values(snapshot={})
        )

    # -- internals: composing -------------------------------------------------------------

    def _compose(
        self,
        tenant: Tenant,
        portfolio: Portfolio,
        sub: DigestSubscription | None,
        kind: str,
        tz: str,
        now: datetime,
        cache: dict[tuple[int, str], Any],
    ) -> Digest:
        previous, compared_with, from_start = self._previous(tenant, sub, kind)
        if kind == "ranking":
            inputs = cache.get((portfolio.id, "ranking"))
            if inputs is None:
                inputs = queries.product_facts(tenant, portfolio)
                cache[(portfolio.id, "ranking")] = inputs
            return compose_ranking(
                inputs,
                portfolio=portfolio.name,
                currency=portfolio.currency,
                measure=portfolio.ranking_measure,
                discount_rate=portfolio.discount_rate,
                weights=queries.score_weights(portfolio),
                budget=portfolio.budget,
                previous=previous,
                compared_with=compared_with,
                since_subscribed=from_start,
            )
        state = cache.get((portfolio.id, "status"))
        if state is None:
            state = queries.status_state(tenant, portfolio)
            cache[(portfolio.id, "status")] = state
        return compose_status(
            state,
            portfolio=portfolio.name,
            currency=portfolio.currency,
            now=now,
            today=now.astimezone(ZoneInfo(tz)).date(),
            previous=previous,
            compared_with=compared_with,
            since_subscribed=from_start,
        )

    @staticmethod
    def _previous(
        tenant: Tenant, sub: DigestSubscription | None, kind: str
    ) -> tuple[dict[str, Any] | None, datetime | None, bool]:
        """The snapshot of the subscription's last sent digest of this kind, else its baseline."""
        if sub is None:
            return None, None, False
        last = tenant.first(
            tenant.select(DigestPosting)
            .where(
                DigestPosting.subscription_id == sub.id,
                DigestPosting.kind == kind,
                DigestPosting.status == "sent",
            )
            .order_by(DigestPosting.sent_at.desc(), DigestPosting.id.desc())
        )
        baseline = (sub.baseline or {}).get(kind)
        baseline_newer = (
            baseline
            and sub.baseline_at is not None
            and (last is None or last.sent_at is None or sub.baseline_at > last.sent_at)
        )
        if last is not None and last.snapshot and not baseline_newer:
            return last.snapshot, last.sent_at, False
        if baseline:
            return baseline, sub.baseline_at, True
        return None, None, False

    @staticmethod
    def _baseline(tenant: Tenant, portfolio: Portfolio) -> dict[str, Any]:
        """Where a new subscription's first digest counts movement and changes from."""
        inputs = queries.product_facts(tenant, portfolio)
        return {
            "ranking": ranking_snapshot(
                inputs,
                measure=portfolio.ranking_measure,
                discount_rate=portfolio.discount_rate,
                weights=queries.score_weights(portfolio),
            ),
            "status": status_snapshot(queries.status_state(tenant, portfolio)),
        }

    def _view(self, tenant: Tenant, row: DigestSubscription, now: datetime) -> SubscriptionView:
        portfolio = tenant.get(Portfolio, row.portfolio_id)
        schedule = _schedule_of(row)
        return SubscriptionView(
            channel_id=row.channel_id,
            portfolio=portfolio.name if portfolio else "",
            schedule=schedule,
            next_at=sched.next_occurrence(schedule, now),
            subscriber_id=row.subscriber_id,
            paused=bool(row.paused),
            paused_reason=row.paused_reason,
        )

    # -- internals: reminders -------------------------------------------------------------

    def _claim_owner_reminders(
        self,
        sub: DigestSubscription,
        schedule: sched.Schedule,
        period: str,
        occurrence: datetime,
        period_start: datetime,
    ) -> list[ReminderDM]:
        now = self.clock()
        by_owner: dict[str, list[tuple[int, ReminderProduct]]] = defaultdict(list)
        with self.store.transaction(sub.team_id) as tenant:
            portfolio = tenant.get(Portfolio, sub.portfolio_id)
            if portfolio is None:
                return []
            quiet = {
                p.user_id
                for p in tenant.all(
                    tenant.select(UserPreference).where(UserPreference.reminders_off.is_(True))
                )
            }
            products = [
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
                if p.owner_id not in quiet
                and no_update_since(p.last_update_at, p.created_at, period_start)
            ]
            if not products:
                return []
            reminded = set(
                tenant.scalars(
                    select(DigestReminder.product_id).where(
                        DigestReminder.period == period,
                        DigestReminder.product_id.in_([p.id for p in products]),
                    )
                )
            )
            first_items = queries.most_advanced_open_items(tenant, [p.id for p in products])
            for product in products:
                if product.id in reminded or product.owner_id is None:
                    continue
                savepoint = tenant.savepoint()
                try:
                    ledger = DigestReminder(
                        product_id=product.id,
                        period=period,
                        owner_id=product.owner_id,
                        claimed_at=now,
                    )
                    tenant.add(ledger)
                    tenant.flush()
                    savepoint.commit()
                except IntegrityError:
                    savepoint.rollback()
                    continue
                item = first_items.get(product.id)
                by_owner[product.owner_id].append(
                    (
                        ledger.id,
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
                    digest_at=occurrence,
                    tz=schedule.tz,
                    period=period,
                    products=tuple(p for _, p in entries),
                    ledger_ids=tuple(i for i, _ in entries),
                )
                for owner, entries in sorted(by_owner.items())
            ]


def _kinds(kinds: str) -> tuple[str, ...]:
    return KIND_ORDER if kinds == "both" else (kinds,)


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _schedule_of(row: DigestSubscription) -> sched.Schedule:
    cadence: Literal["weekly", "daily"] = "weekly" if row.cadence == "weekly" else "daily"
    return sched.Schedule(
        cadence=cadence,
        weekday=row.weekday if cadence == "weekly" else None,
        at=time(row.local_minute // 60, row.local_minute % 60),
        tz=row.tz,
        kinds=row.kinds,
    )


def _apply_schedule(row: DigestSubscription, schedule: sched.Schedule) -> None:
    row.cadence = schedule.cadence
    row.weekday = schedule.weekday
    row.local_minute = schedule.at.hour * 60 + schedule.at.minute
    row.tz = schedule.tz
    row.kinds = schedule.kinds


def _reminder_schedule(schedule: sched.Schedule) -> sched.Schedule:
    """When reminders go out: the digest's local time on the day before each posting day."""
    weekday = None if schedule.weekday is None else (schedule.weekday - 1) % 7
    return sched.Schedule(
        cadence=schedule.cadence,
        weekday=weekday,
        at=schedule.at,
        tz=schedule.tz,
        kinds=schedule.kinds,
    )
