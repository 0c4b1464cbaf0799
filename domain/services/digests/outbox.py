"""The digest outbox: claim what is due, compose it, and settle each posting by its outcome.

The scheduler claims due postings (`claim_due`), sends them, keeps its claims fresh while it
sends (`renew_claims`) and reports each attempt as a typed `DeliveryOutcome`
(`record_outcome`). From the outcome's kind alone the outbox marks the posting sent, pauses a
subscription whose channel refused it, gives up on a message that cannot be posted, or
retries later with backoff while attempts remain. Cross-workspace: `store.system()` only,
except that each digest is composed inside its own workspace's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from domain import schedule as sched
from domain.delivery import Delivery, DeliveryOutcome
from domain.models import DigestPosting, DigestSubscription, Portfolio
from domain.services.clock import Clock
from domain.services.digests.claims import ClaimRules, Due, claim, due_work, renew
from domain.services.digests.compose import Digest, Facts, compose
from domain.services.digests.schedules import next_event, schedule_of
from domain.store import Store, System, retried

log = logging.getLogger("folio.digests")


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
        return self._claim_and_compose(due_work(self.store, self.rules, now), now, runner)

    def claim_now(
        self, team_id: str, subscription_id: int, kinds: tuple[str, ...], runner: str
    ) -> list[ClaimedPosting]:
        """Claim a subscription's digests for right now, on demand; the caller sends them."""
        now = self.clock()
        due = Due(subscription_id, team_id, f"now:{now.isoformat()}", None, kinds)
        return self._claim_and_compose([due], now, runner)

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
        self, dues: Sequence[Due], now: datetime, runner: str
    ) -> list[ClaimedPosting]:
        claimed: list[ClaimedPosting] = []
        facts = Facts()
        for due in dues:
            for kind in due.kinds:
                posting_id = claim(self.store, self.rules, due, kind, now, runner)
                if posting_id is None:
                    continue
                try:
                    claimed.append(self._compose_claimed(due.team_id, posting_id, now, facts))
                except Exception:
                    log.exception(
                        "digest compose failed team=%s subscription=%s kind=%s",
                        due.team_id,
                        due.subscription_id,
                        kind,
                    )
                    self._fail_unsent(posting_id, "compose_failed", now)
        return claimed

    def _compose_claimed(
        self, team_id: str, posting_id: int, now: datetime, facts: Facts
    ) -> ClaimedPosting:
        """Compose a claimed posting's digest in its workspace and store the digest's snapshot."""
        with self.store.transaction(team_id) as tenant:
            posting = tenant.get(DigestPosting, posting_id)
            assert posting is not None
            sub = tenant.get(DigestSubscription, posting.subscription_id)
            assert sub is not None
            portfolio = tenant.get(Portfolio, sub.portfolio_id)
            assert portfolio is not None
            digest = compose(tenant, portfolio, sub, posting.kind, tz=sub.tz, now=now, facts=facts)
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
