"""The claims behind exactly-once digests: what is due, and taking the key before sending.

Every posting is claimed under the unique key (subscription, period, kind) before anything is
sent. Another runner trying the same key finds the claim and skips it; a claim whose sender
went quiet for `claim_timeout` is taken over; a failed posting is claimable again once its
`next_attempt_at` has come, while attempts remain. Cross-workspace: `store.system()` only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from domain import schedule as sched
from domain.models import DigestPosting, DigestSubscription
from domain.services.digests.schedules import schedule_of
from domain.store import Store, System
from domain.vocabulary import digest_kinds

log = logging.getLogger("folio.digests")

GRACE = timedelta(hours=6)
CLAIM_TIMEOUT = timedelta(minutes=15)
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(minutes=30)
_CHUNK = 500  # subscription ids per IN (...) when looking for existing claims


@dataclass(frozen=True)
class ClaimRules:
    """How late a digest may post, when a claim goes stale, and how often a posting is tried."""

    grace: timedelta = GRACE
    claim_timeout: timedelta = CLAIM_TIMEOUT
    max_attempts: int = MAX_ATTEMPTS

    def claimable(
        self,
        status: str,
        claimed_at: datetime,
        next_attempt_at: datetime | None,
        attempts: int,
        now: datetime,
    ) -> bool:
        """Whether a posting in this state may be claimed (again) at `now`."""
        if status == "sent":
            return False
        if status == "claimed":
            return now - claimed_at >= self.claim_timeout
        return (
            next_attempt_at is not None and next_attempt_at <= now and attempts < self.max_attempts
        )

    def retry_at(self, attempts: int, now: datetime) -> datetime | None:
        """When a posting that failed its `attempts`-th try is tried again; None: never."""
        if attempts >= self.max_attempts:
            return None
        return now + min(RETRY_BASE * (1 << (attempts - 1)), RETRY_CAP)


@dataclass(frozen=True)
class Due:
    """The digests one subscription owes for one period (`occurrence` None: posted on demand)."""

    subscription_id: int
    team_id: str
    period: str
    occurrence: datetime | None
    kinds: tuple[str, ...]


def due_work(store: Store, rules: ClaimRules, now: datetime) -> list[Due]:
    """Every subscription's digests due at `now` (at most `grace` late) not settled yet."""
    with store.system() as system:
        subs = system.all(
            select(DigestSubscription)
            .options(defer(DigestSubscription.baseline))  # not needed, and JSON to decode
            .where(DigestSubscription.removed_at.is_(None), DigestSubscription.paused.is_(False))
            .order_by(DigestSubscription.id)
        )
        dues: list[Due] = []
        occurrences: dict[sched.Schedule, tuple[datetime, str] | None] = {}
        for sub in subs:
            schedule = schedule_of(sub)  # channels sharing a schedule share its occurrence
            if schedule not in occurrences:
                occurrences[schedule] = sched.due(schedule, now, grace=rules.grace)
            found = occurrences[schedule]
            if found is not None and found[0] >= sub.schedule_from:
                occurrence, period = found
                dues.append(Due(sub.id, sub.team_id, period, occurrence, digest_kinds(sub.kinds)))
        if not dues:
            return []
        done = _settled(system, rules, dues, now)
    left = [
        Due(
            d.subscription_id,
            d.team_id,
            d.period,
            d.occurrence,
            tuple(k for k in d.kinds if (d.subscription_id, d.period, k) not in done),
        )
        for d in dues
    ]
    return [d for d in left if d.kinds]


def _settled(
    system: System, rules: ClaimRules, dues: Sequence[Due], now: datetime
) -> set[tuple[int, str, str]]:
    """Keys needing nothing now: sent, held by a live claim, or failed and not yet retryable."""
    periods = {d.period for d in dues}
    ids = [d.subscription_id for d in dues]
    settled: set[tuple[int, str, str]] = set()
    for start in range(0, len(ids), _CHUNK):
        rows = system.execute(
            select(
                DigestPosting.subscription_id,
                DigestPosting.period,
                DigestPosting.kind,
                DigestPosting.status,
                DigestPosting.claimed_at,
                DigestPosting.next_attempt_at,
                DigestPosting.attempts,
            ).where(
                DigestPosting.subscription_id.in_(ids[start : start + _CHUNK]),
                DigestPosting.period.in_(periods),
            )
        ).all()
        for row in rows:
            if not rules.claimable(
                row.status, row.claimed_at, row.next_attempt_at, row.attempts, now
            ):
                settled.add((row.subscription_id, row.period, row.kind))
    return settled


def claim_many(
    store: Store,
    rules: ClaimRules,
    wanted: Sequence[tuple[Due, str]],
    now: datetime,
    runner: str,
) -> list[tuple[Due, str, int]]:
    """Claim many keys at once: one INSERT .. ON CONFLICT DO NOTHING, then take-overs one by one
    of the keys that clashed and are claimable (not those another runner holds live).

    Returns the (due, kind, posting id) this runner now holds, in the order asked.
    """
    if not wanted:
        return []
    rows: list[dict[str, Any]] = [
        {
            "team_id": due.team_id,
            "subscription_id": due.subscription_id,
            "period": due.period,
            "kind": kind,
            "status": "claimed",
            "attempts": 1,
            "claimed_at": now,
            "claimed_by": runner,
            "scheduled_for": due.occurrence,
            "snapshot": {},
        }
        for due, kind in wanted
    ]
    inserted: dict[tuple[int, str, str], int] = {}
    insert = postgresql_insert if store.engine.dialect.name == "postgresql" else sqlite_insert
    with store.system() as system:
        table = cast(Table, DigestPosting.__table__)
        stmt = (
            insert(table)
            .on_conflict_do_nothing(index_elements=["subscription_id", "period", "kind"])
            .returning(table.c.id, table.c.subscription_id, table.c.period, table.c.kind)
        )
        # Many parameter sets: SQLAlchemy's "insertmanyvalues" sends them as multi-row
        # VALUES pages of one statement compiled once (not one compiled per chunk).
        for row in system.execute(stmt, rows).all():
            inserted[(row.subscription_id, row.period, row.kind)] = row.id
        # Keys another runner holds: one query tells the few worth a take-over (a stale
        # claim, a retryable failure) from the many it is sending right now.
        clashed = {
            (due.subscription_id, due.period): due
            for due, kind in wanted
            if _key(due, kind) not in inserted
        }
        settled = _settled(system, rules, list(clashed.values()), now) if clashed else set()
    held: list[tuple[Due, str, int]] = []
    for due, kind in wanted:
        posting_id = inserted.get(_key(due, kind))
        if posting_id is None and _key(due, kind) not in settled:
            with store.system() as system:
                posting_id = _take_over(system, rules, due, kind, now, runner)
        if posting_id is not None:
            held.append((due, kind, posting_id))
    return held


def _key(due: Due, kind: str) -> tuple[int, str, str]:
    return (due.subscription_id, due.period, kind)


def claim(
    store: Store, rules: ClaimRules, due: Due, kind: str, now: datetime, runner: str
) -> int | None:
    """Insert the claim; on a clash take over only a stale claim or a retryable failure."""
    try:
        with store.system() as system:
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
            system.add(row)
            system.flush()
            return row.id
    except IntegrityError:
        pass
    with store.system() as system:
        return _take_over(system, rules, due, kind, now, runner)


def _take_over(
    system: System, rules: ClaimRules, due: Due, kind: str, now: datetime, runner: str
) -> int | None:
    """Claim an existing posting, if it is claimable and nobody else claims it first."""
    existing = system.first(
        select(DigestPosting).where(
            DigestPosting.subscription_id == due.subscription_id,
            DigestPosting.period == due.period,
            DigestPosting.kind == kind,
        )
    )
    if existing is None:
        return None
    was_status, was_claimed_at = existing.status, existing.claimed_at
    if not rules.claimable(
        existing.status, existing.claimed_at, existing.next_attempt_at, existing.attempts, now
    ):
        return None
    taken = system.execute(
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


def renew(store: Store, runner: str, posting_ids: Sequence[int], now: datetime) -> int:
    """Refresh this runner's live claims (the heartbeat); returns how many were renewed."""
    if not posting_ids:
        return 0
    renewed = 0
    with store.system() as system:
        for start in range(0, len(posting_ids), _CHUNK):
            result = system.execute(
                update(DigestPosting)
                .where(
                    DigestPosting.id.in_(posting_ids[start : start + _CHUNK]),
                    DigestPosting.claimed_by == runner,
                    DigestPosting.status == "claimed",
                )
                .values(claimed_at=now)
            )
            renewed += int(getattr(result, "rowcount", 0) or 0)
    return renewed
