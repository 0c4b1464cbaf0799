"""The digest outbox: claim what is due, compose it, and settle each posting by its outcome.

The scheduler claims due postings in batches (`claim_due_batches`: one INSERT .. ON CONFLICT
DO NOTHING per batch, stamped with the time of claiming and handed to the caller's heartbeat
before anything is composed), composes each digest once for every channel sharing it (one
stored snapshot, which each posting refers to), sends them on the workspace's shared pace
(`pace`, domain.services.digests.pace), keeps its claims fresh (`renew_claims`) and reports
each attempt as a typed `DeliveryOutcome` (`record_outcome`, or `record_delivered` for many
deliveries in one transaction), settled by domain.services.digests.settle.
Cross-workspace: `store.system()` only, except that digests are composed (reading only) and
their snapshots stored inside their own workspace's transactions.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update

from domain.delivery import DeliveryOutcome
from domain.models import DigestPosting, DigestSubscription
from domain.services.clock import Clock
from domain.services.digests import settle
from domain.services.digests.claims import ClaimRules, Due, claim_many, due_work, renew
from domain.services.digests.compose import (
    Composed,
    Facts,
    compose_from,
    last_sent,
    previous_from,
    remember_snapshot_id,
    shared_snapshot_id,
    store_snapshot,
)
from domain.services.digests.pace import SharedPace
from domain.services.digests.postings import ClaimedPosting, PauseNotice
from domain.services.digests.schedules import next_event, schedule_of
from domain.store import Store, Tenant, retried

__all__ = ["BATCH", "FIRST_BATCH", "ClaimedPosting", "Outbox", "PauseNotice"]

log = logging.getLogger("folio.digests")

BATCH = 500  # postings claimed, composed and handed to the sender at a time
FIRST_BATCH = 100  # ... the first time: the sooner it is composed, the sooner sending starts
_CHUNK = 500  # posting ids per IN (...)


class Outbox:
    """Scheduled postings of every workspace, each claimed once before it is sent."""

    def __init__(self, store: Store, clock: Clock, rules: ClaimRules | None = None) -> None:
        self.store = store
        self.clock = clock
        self.rules = rules or ClaimRules()
        self.pace = SharedPace(store)

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
        first: int = FIRST_BATCH,
    ) -> Iterator[list[ClaimedPosting]]:
        """Claim and compose what is due in batches, so sending can start with the first.

        The first batch is small (`first`): sending waits only for it, and for composing the
        digests it needs. `on_claim` gets each batch's posting ids as soon as they are
        claimed, before their digests are composed (the caller's heartbeat keeps them fresh
        from then on). A digest shared by many channels is composed once for the whole tick.
        """
        wanted = self.wanted(now)
        facts = Facts()
        bounds = [0, *range(min(first, batch), len(wanted), batch), len(wanted)]
        for start, end in itertools.pairwise(bounds):
            if start < end:
                yield self._claim_and_compose(wanted[start:end], now, runner, facts, on_claim)

    def wanted(self, now: datetime) -> list[tuple[Due, str]]:
        """Every (due, kind) to claim at `now`, in the order they are claimed."""
        return [(due, kind) for due in due_work(self.store, self.rules, now) for kind in due.kinds]

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
        return settle.record_outcome(self.store, self.rules, posting, outcome, now)

    @retried
    def record_delivered(
        self, delivered: Sequence[tuple[ClaimedPosting, str | None]], *, now: datetime
    ) -> None:
        """Mark many delivered postings sent (with their message ts) in one transaction."""
        settle.record_delivered(self.store, delivered, now)

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
        settle.fail_unsent(self.store, self.rules, posting_id, error, now)
