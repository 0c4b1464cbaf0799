"""The digest outbox: claim what is due, compose it, and settle each posting by its outcome.

The scheduler claims due postings in batches (`claim_due_batches`: one INSERT .. ON CONFLICT
DO NOTHING per batch, stamped with the time of claiming and handed to the caller's heartbeat
before anything is composed), composes each digest once for every channel sharing it (one
stored snapshot, which each posting refers to), sends them, keeps its claims fresh
(`renew_claims`) and reports each attempt as a typed `DeliveryOutcome` (`record_outcome`, or
`record_delivered` for many deliveries in one transaction). From the outcome's kind alone the
outbox marks the posting sent, pauses a subscription whose channel refused it, gives up on a
message that cannot be posted, or retries later with backoff while attempts remain.
Cross-workspace: `store.system()` only, except that digests are composed (reading only) and
their snapshots stored inside their own workspace's transactions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, select, update

from domain import schedule as sched
from domain.delivery import Delivery, DeliveryOutcome
from domain.models import DigestPosting, DigestSubscription, Portfolio
from domain.services.clock import Clock
from domain.services.digests.claims import ClaimRules, Due, claim_many, due_work, renew
from domain.services.digests.compose import (
    Composed,
    Digest,
    Facts,
    compose_from,
    last_sent,
    previous_from,
    remember_snapshot_id,
    shared_snapshot_id,
    store_snapshot,
)
from domain.services.digests.schedules import next_event, schedule_of
from domain.store import Store, System, Tenant, retried

log = logging.getLogger("folio.digests")

BATCH = 500  # postings claimed, composed and handed to the sender at a time
_CHUNK = 500  # posting ids per IN (...)


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
    composed: str = ""  # names the composition it shares with other postings ("": its own)


@dataclass(frozen=True)
class PauseNotice:
    """A subscription just paused because its channel refused a post: tell the subscriber once."""

    team_id: str
    subscriber_id: str
    channel_id: str
    portfolio: str
    error: str  # the raw code the channel refused with, as the delivery reported it
    schedule: sched.Schedule


class Outbox:
    """Scheduled postings of every workspace, each claimed once before it is sent."""

    def __init__(self, store: Store, clock: Clock, rules: ClaimRules | None = None) -> None:
        self.store = store
        self.clock = clock
        self.rules = rules or ClaimRules()

    @property
    def claim_timeout(self) -> timedelta:
        """How long a claim without a heartbeat holds before another runner takes it over."""
        return self.rules.claim_timeout

    @property
    def max_attempts(self) -> int:
        """How many times a posting is tried before the outbox gives up on it."""
        return self.rules.max_attempts

    def claim_due(self, now: datetime, runner: str) -> list[ClaimedPosting]:
        """Claim every posting due at `now` (at most `grace` late) and compose its digest."""
        return [p for batch in self.claim_due_batches(now, runner) for p in batch]

    def claim_due_batches(
        self,
        now: datetime,
        runner: str,
        *,
        on_claim: Callable[[Sequence[int]], None] | None = None,
        batch: int = BATCH,
    ) -> Iterator[list[ClaimedPosting]]:
        """Claim and compose what is due in batches, so sending can start with the first.

        `on_claim` gets each batch's posting ids as soon as they are claimed, before their
        digests are composed (the caller's heartbeat keeps them fresh from then on). A digest
        shared by many channels is composed once for the whole tick.
        """
        wanted = [
            (due, kind) for due in due_work(self.store, self.rules, now) for kind in due.kinds
        ]
        facts = Facts()
        for start in range(0, len(wanted), batch):
            yield self._claim_and_compose(
                wanted[start : start + batch], now, runner, facts, on_claim
            )

    def claim_now(
        self, team_id: str, subscription_id: int, kinds: tuple[str, ...], runner: str
    ) -> list[ClaimedPosting]:
        """Claim a subscription's digests for right now, on demand; the caller sends them."""
        now = self.clock()
        due = Due(subscription_id, team_id, f"now:{now.isoformat()}", None, kinds)
        return self._claim_and_compose([(due, k) for k in kinds], now, runner, Facts(), None)

    @retried
    def renew_claims(self, runner: str, posting_ids: Iterable[int], now: datetime) -> int:
        """Heartbeat: a live sender keeps its claims fresh so nobody takes them over."""
        return renew(self.store, runner, list(posting_ids), now)

    @retried
    def record_outcome(
        self, posting: ClaimedPosting, outcome: DeliveryOutcome, *, now: datetime
    ) -> PauseNotice | None:
        """Settle a claimed posting by the kind of its outcome; a refusal pauses the channel."""
        with self.store.system() as system:
            row = system.get(DigestPosting, posting.posting_id)
            if row is None:
                return None
            if outcome.delivered:
                row.status, row.sent_at, row.message_ts = "sent", now, outcome.ts
                row.error, row.next_attempt_at = None, None
                _forget_older_snapshots(system, row)
                return None
            if row.status != "claimed" or row.attempts != posting.attempt:
                return None  # a late report from a runner whose claim was taken over
            code = (outcome.code or "unknown")[:64]
            row.status, row.error = "failed", code
            if outcome.kind is Delivery.CHANNEL_REFUSED:
                row.next_attempt_at = None
                return _pause(system, posting, code, now)
            retry_at = self.rules.retry_at(row.attempts, now)
            if outcome.kind is Delivery.MESSAGE_REFUSED or retry_at is None:
                row.next_attempt_at = None
                log.error(
                    "digest gave up team=%s channel=%s posting=%s outcome=%s error=%s attempts=%s",
                    posting.team_id,
                    posting.channel_id,
                    row.id,
                    outcome.kind,
                    code,
                    row.attempts,
                )
                return None
            row.next_attempt_at = retry_at
            return None

    @retried
    def record_delivered(
        self, delivered: Sequence[tuple[ClaimedPosting, str | None]], *, now: datetime
    ) -> None:
        """Mark many delivered postings sent (with their message ts) in one transaction."""
        if not delivered:
            return
        table = cast(Table, DigestPosting.__table__)
        with self.store.system() as system:
            system.execute(
                update(table)
                .where(table.c.id == bindparam("posting"))
                .values(
                    status="sent",
                    sent_at=now,
                    message_ts=bindparam("ts"),
                    error=None,
                    next_attempt_at=None,
                ),
                [{"posting": p.posting_id, "ts": ts} for p, ts in delivered],
            )
            by_kind: dict[str, list[int]] = {}
            for posting, _ in delivered:
                by_kind.setdefault(posting.kind, []).append(posting.subscription_id)
            for kind, subs in by_kind.items():
                for start in range(0, len(subs), _CHUNK):
                    system.execute(  # only the newest sent snapshot is compared with
                        update(table)
                        .where(
                            table.c.subscription_id.in_(subs[start : start + _CHUNK]),
                            table.c.kind == kind,
                            table.c.status == "sent",
                            table.c.sent_at < now,
                        )
                        .values(snapshot={})
                    )

    def next_event_after(self, after: datetime) -> datetime | None:
        """The next instant a digest or reminder is due after `after` (the console's clock)."""
        with self.store.system() as system:
            subs = system.all(
                select(DigestSubscription).where(
                    DigestSubscription.removed_at.is_(None),
                    DigestSubscription.paused.is_(False),
                )
            )
            schedules = [schedule_of(sub) for sub in subs]
        return min((next_event(s, after) for s in schedules), default=None)

    # -- internals ------------------------------------------------------------------------

    def _claim_and_compose(
        self,
        wanted: Sequence[tuple[Due, str]],
        now: datetime,
        runner: str,
        facts: Facts,
        on_claim: Callable[[Sequence[int]], None] | None,
    ) -> list[ClaimedPosting]:
        """Claim a batch (stamped with the time of claiming), then compose it per workspace."""
        stamp = max(now, self.clock())
        held = claim_many(self.store, self.rules, wanted, stamp, runner)
        if on_claim is not None and held:
            on_claim([posting_id for _, _, posting_id in held])
        by_team: dict[str, list[int]] = {}
        for due, _, posting_id in held:
            by_team.setdefault(due.team_id, []).append(posting_id)
        claimed: list[ClaimedPosting] = []
        for team_id, posting_ids in by_team.items():
            composed = self._compose_claimed(team_id, posting_ids, now, facts)
            if composed:
                self._refer_to_snapshots(team_id, composed, facts)
            claimed.extend(posting for posting, _, _ in composed)
        return claimed

    def _compose_claimed(
        self, team_id: str, posting_ids: Sequence[int], now: datetime, facts: Facts
    ) -> list[tuple[ClaimedPosting, Composed, int]]:
        """Compose claimed postings' digests in their workspace, reading only, a few queries."""
        done: list[tuple[ClaimedPosting, Composed, int]] = []
        failed: list[int] = []
        with self.store.read(team_id) as tenant:
            facts.new_transaction()
            rows: list[tuple[DigestPosting, DigestSubscription]] = []
            for start in range(0, len(posting_ids), _CHUNK):
                chunk = posting_ids[start : start + _CHUNK]
                rows.extend(
                    (posting, sub)
                    for posting, sub in tenant.execute(
                        select(DigestPosting, DigestSubscription)
                        .join(
                            DigestSubscription,
                            DigestSubscription.id == DigestPosting.subscription_id,
                        )
                        .where(DigestPosting.id.in_(chunk))
                        .order_by(DigestPosting.id)
                    )
                )
            subs = sorted({sub.id for _, sub in rows})
            last: dict[tuple[int, str], DigestPosting] = {}
            for start in range(0, len(subs), _CHUNK):
                last.update(last_sent(tenant, subs[start : start + _CHUNK]))
            for posting, sub in rows:
                try:
                    done.append(
                        self._compose_one(
                            tenant, posting, sub, last.get((sub.id, posting.kind)), now, facts
                        )
                    )
                except Exception:
                    log.exception("digest compose failed team=%s posting=%s", team_id, posting.id)
                    failed.append(posting.id)
        for posting_id in failed:
            self._fail_unsent(posting_id, "compose_failed", now)
        return done

    def _compose_one(
        self,
        tenant: Tenant,
        posting: DigestPosting,
        sub: DigestSubscription,
        last: DigestPosting | None,
        now: datetime,
        facts: Facts,
    ) -> tuple[ClaimedPosting, Composed, int]:
        portfolio = facts.portfolio(tenant, sub.portfolio_id)
        assert portfolio is not None
        previous = previous_from(tenant, sub, posting.kind, last, facts)
        composed = compose_from(
            tenant, portfolio, posting.kind, previous, tz=sub.tz, now=now, facts=facts
        )
        claimed = ClaimedPosting(
            posting_id=posting.id,
            team_id=tenant.team_id,
            channel_id=sub.channel_id,
            subscription_id=sub.id,
            subscriber_id=sub.subscriber_id,
            kind=posting.kind,
            period=posting.period,
            attempt=posting.attempts,
            cadence=sub.cadence,
            tz=sub.tz,
            digest=composed.digest,
            composed=composed.key,
        )
        return claimed, composed, portfolio.id

    @retried
    def _refer_to_snapshots(
        self,
        team_id: str,
        composed: Sequence[tuple[ClaimedPosting, Composed, int]],
        facts: Facts,
    ) -> None:
        """Store each shared digest's snapshot once and point its postings at it."""
        now = self.clock()
        groups: dict[int, list[int]] = {}
        stored: dict[str, tuple[Composed, int]] = {}  # remembered once committed
        with self.store.transaction(team_id) as tenant:
            for posting, shared, portfolio_id in composed:
                snapshot_id = shared_snapshot_id(facts, shared)
                if snapshot_id is None and shared.key in stored:
                    snapshot_id = stored[shared.key][1]
                if snapshot_id is None:
                    snapshot_id = store_snapshot(
                        tenant, portfolio_id, posting.kind, shared.digest.snapshot, now
                    )
                    stored[shared.key] = (shared, snapshot_id)
                groups.setdefault(snapshot_id, []).append(posting.posting_id)
            for ref, ids in groups.items():
                for start in range(0, len(ids), _CHUNK):
                    tenant.execute(
                        update(DigestPosting)
                        .where(DigestPosting.id.in_(ids[start : start + _CHUNK]))
                        .values(snapshot={"ref": ref})
                    )
        for shared, snapshot_id in stored.values():
            remember_snapshot_id(facts, shared, snapshot_id)

    def _fail_unsent(self, posting_id: int, error: str, now: datetime) -> None:
        with self.store.system() as system:
            row = system.get(DigestPosting, posting_id)
            if row is not None and row.status == "claimed":
                row.status, row.error = "failed", error
                row.next_attempt_at = self.rules.retry_at(row.attempts, now)


def _pause(
    system: System, posting: ClaimedPosting, error: str, now: datetime
) -> PauseNotice | None:
    """Pause the posting's subscription; the first runner to pause it gets the notice."""
    paused = system.execute(
        update(DigestSubscription)
        .where(
            DigestSubscription.id == posting.subscription_id,
            DigestSubscription.paused.is_(False),
        )
        .values(paused=True, paused_reason=error, paused_at=now, updated_at=now)
    )
    if int(getattr(paused, "rowcount", 0) or 0) != 1:
        return None
    sub = system.get(DigestSubscription, posting.subscription_id)
    assert sub is not None
    portfolio = system.get(Portfolio, sub.portfolio_id)
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
        schedule=schedule_of(sub),
    )


def _forget_older_snapshots(system: System, row: DigestPosting) -> None:
    """Only the newest sent snapshot is compared with; drop the older ones' bulk."""
    system.execute(
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
