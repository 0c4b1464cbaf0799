"""The inbox: Slack events written down before Slack is answered 200, then processed once.

An event is received (one row per workspace and event_id: Slack's retry of an event already
written is a no-op), claimed by one runner with a lease (like the digest outbox: a runner that
dies mid-way loses its claim when the lease runs out, and another runner resumes the row),
processed, and settled: processed, retried later with backoff, or failed for good with a
reason. All of this is cross-workspace bookkeeping, so it goes through `Store.system()`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, cast

from sqlalchemy import Executable, Select, Table, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from domain.models import InboxEvent
from domain.services.clock import Clock
from domain.store import Store, database_unavailable

__all__ = [
    "Backlog",
    "InboxPolicy",
    "InboxService",
    "ReceivedEvent",
    "database_unavailable",
]
REASON_MAX = 200
INBOX = cast(Table, InboxEvent.__table__)
# A settle: the row, only while this runner still holds it; the SET columns come from the
# parameters it runs with (processed_at, outcome, claimed_at, …).
SETTLE = update(INBOX).where(
    INBOX.c.id == bindparam("settle_id"),
    INBOX.c.claimed_by == bindparam("settle_runner"),
    INBOX.c.processed_at.is_(None),
)


@dataclass(frozen=True)
class InboxPolicy:
    """How long a claim holds, how often and how late a failing event is tried again."""

    lease: timedelta = timedelta(seconds=60)
    grace: timedelta = timedelta(seconds=2)  # a new row is the listener's first
    max_attempts: int = 12
    first_backoff: timedelta = timedelta(seconds=2)
    max_backoff: timedelta = timedelta(minutes=10)
    keep_for: timedelta = timedelta(days=7)

    def backoff(self, attempts: int) -> timedelta:
        """The wait before attempt `attempts + 1`: doubling from first_backoff, capped."""
        wait: timedelta = self.first_backoff * 2 ** max(0, attempts - 1)
        return min(self.max_backoff, wait)


@dataclass(frozen=True)
class ReceivedEvent:
    """A claimed inbox row: the event as Slack sent it, and what an earlier attempt decided."""

    id: int
    team_id: str
    event_id: str
    event_type: str
    body: dict[str, Any]
    attempts: int
    outcome: dict[str, Any] | None
    runner: str


@dataclass(frozen=True)
class Backlog:
    """What the inbox holds: unsettled rows, the oldest one's arrival, and whether we can write."""

    pending: int
    oldest: datetime | None
    unwritable: str | None = None  # why a write failed, None when the database took it
    # Since when the longest-overdue row has been due with no live claim on it (None: every
    # unsettled row is held by a runner or waiting out its backoff). A row waiting out a
    # backoff because Slack is failing is not overdue: no replica could do better.
    overdue_since: datetime | None = None


class InboxService:
    """Receive, claim and settle Slack events, exactly once across runners."""

    def __init__(self, store: Store, clock: Clock, policy: InboxPolicy | None = None) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy or InboxPolicy()

    def receive(self, team_id: str, event_id: str, event_type: str, body: dict[str, Any]) -> bool:
        """Write an event down; False when this event_id is already there (Slack's retry)."""
        return self._insert(team_id, event_id, event_type, body, runner=None) is not None

    def receive_claimed(
        self, team_id: str, event_id: str, event_type: str, body: dict[str, Any], runner: str
    ) -> ReceivedEvent | None:
        """Write an event down already claimed by `runner` (the listener that is about to
        process it: one transaction instead of two); None when it was there already."""
        row_id = self._insert(team_id, event_id, event_type, body, runner=runner)
        if row_id is None:
            return None
        return ReceivedEvent(row_id, team_id, event_id, event_type, body, 1, None, runner)

    def _insert(
        self,
        team_id: str,
        event_id: str,
        event_type: str,
        body: dict[str, Any],
        *,
        runner: str | None,
    ) -> int | None:
        now = self.clock()
        values: dict[str, Any] = {
            "team_id": team_id,
            "event_id": event_id,
            "event_type": event_type,
            "body": body,
            "received_at": now,
            "attempts": 0,
            "next_attempt_at": now,
        }
        if runner is not None:
            values.update(claimed_by=runner, claimed_at=now, attempts=1)
        stmt = self._insert_statement

        def write() -> int | None:
            with self.store.system() as system:
                row = system.execute(stmt, values).first()
                return None if row is None else int(row[0])

        return self.store.retrying(write)

    @cached_property
    def _insert_statement(self) -> Executable:
        """INSERT … ON CONFLICT DO NOTHING RETURNING id, its values bound when it runs.

        Built once, on the table rather than the model: the statement (and its compiled
        form, cached by SQLAlchemy) is the same for every event, only its parameters change.
        """
        insert = (
            postgresql.insert if self.store.engine.dialect.name == "postgresql" else sqlite.insert
        )
        return (
            insert(INBOX)
            .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
            .returning(INBOX.c.id)
        )

    def renew(self, event: ReceivedEvent) -> bool:
        """Restart the lease of a claim this runner still holds; False when it was lost."""
        return self._settle(event, claimed_at=self.clock())

    def claim(self, runner: str, *, limit: int = 10) -> list[ReceivedEvent]:
        """Claim up to `limit` due rows, oldest first; rows another runner holds are skipped.

        A row that arrived within the grace period and was never tried is left to the
        listener of the request that brought it.
        """
        fresh = self.clock() - self.policy.grace
        stmt = self._due().where(or_(InboxEvent.attempts > 0, InboxEvent.received_at <= fresh))
        return self._claim(runner, stmt.limit(limit))

    def claim_event(self, team_id: str, event_id: str, runner: str) -> ReceivedEvent | None:
        """Claim one event if it is due and nobody holds it (the request that brought it)."""
        stmt = self._due().where(InboxEvent.team_id == team_id, InboxEvent.event_id == event_id)
        claimed = self._claim(runner, stmt)
        return claimed[0] if claimed else None

    def _due(self) -> Select[InboxEvent]:
        now = self.clock()
        return (
            select(InboxEvent)
            .where(
                InboxEvent.processed_at.is_(None),
                InboxEvent.next_attempt_at <= now,
                or_(
                    InboxEvent.claimed_at.is_(None),
                    InboxEvent.claimed_at < now - self.policy.lease,
                ),
            )
            .order_by(InboxEvent.next_attempt_at, InboxEvent.id)
        )

    def _claim(self, runner: str, stmt: Select[InboxEvent]) -> list[ReceivedEvent]:
        def claim() -> list[ReceivedEvent]:
            now = self.clock()
            with self.store.system() as system:
                # PostgreSQL: rows locked by a runner claiming them right now are skipped;
                # SQLite: claimers are serialised by the write lock.
                rows = system.all(stmt.with_for_update(skip_locked=True))
                for row in rows:
                    row.claimed_by = runner
                    row.claimed_at = now
                    row.attempts += 1
                return [_received(row, runner) for row in rows]

        return self.store.retrying(claim)

    def keep_outcome(self, event: ReceivedEvent, outcome: dict[str, Any]) -> None:
        """Remember what processing decided, so a retry only redoes what is left."""
        self._settle(event, outcome=outcome)

    def processed(self, event: ReceivedEvent) -> None:
        """The event is done for good."""
        self._settle(event, processed_at=self.clock(), failed_reason=None)

    def failed(self, event: ReceivedEvent, reason: str) -> None:
        """The event cannot be processed (a permanent failure): record why and stop."""
        self._settle(event, processed_at=self.clock(), failed_reason=_reason(reason))

    def retry_later(self, event: ReceivedEvent, reason: str) -> datetime | None:
        """Release the claim to try again after a backoff; None when attempts ran out."""
        if event.attempts >= self.policy.max_attempts:
            self.failed(event, f"gave up after {event.attempts} attempts: {reason}")
            return None
        at = self.clock() + self.policy.backoff(event.attempts)
        self._settle(
            event, next_attempt_at=at, claimed_by=None, claimed_at=None, last_error=_reason(reason)
        )
        return at

    def _settle(self, event: ReceivedEvent, **values: Any) -> bool:
        """Change a row this runner still holds; False when its claim was lost meanwhile.

        One conditional UPDATE: the WHERE is the claim, and the row count tells whether it
        was still ours. A runner that took the row over has changed claimed_by, so the old
        claimant's late word matches no row. PostgreSQL (READ COMMITTED) re-checks the WHERE
        against the row a concurrent claimer committed before updating it; SQLite's writers
        are serialised.
        """
        params = {"settle_id": event.id, "settle_runner": event.runner, **values}

        def settle() -> bool:
            with self.store.system() as system:
                result = system.execute(SETTLE, params)
                return int(getattr(result, "rowcount", 0) or 0) == 1

        return self.store.retrying(settle)

    def backlog(self) -> Backlog:
        """Unsettled rows, the oldest one's arrival and since when a row is overdue, after
        probing that a write succeeds.

        The probe inserts a row in a transaction that is always rolled back.
        """
        now = self.clock()
        with self.store.rolled_back() as system:
            try:
                system.add(
                    InboxEvent(
                        team_id="-",
                        event_id=f"probe-{uuid.uuid4().hex}",
                        event_type="probe",
                        body={},
                        received_at=now,
                        attempts=0,
                        next_attempt_at=now,
                    )
                )
                system.flush()
            except Exception as error:  # whatever stops a write makes the database unwritable
                cause = getattr(error, "orig", None) or error
                first_line = str(cause).strip().splitlines()[:1]
                reason = ": ".join([type(cause).__name__, *first_line])
                return Backlog(0, None, unwritable=_reason(reason))
        with self.store.rolled_back() as system:
            pending, oldest = system.execute(
                select(func.count(), func.min(InboxEvent.received_at)).where(
                    InboxEvent.processed_at.is_(None)
                )
            ).one()
            overdue_since = system.execute(
                select(func.min(InboxEvent.next_attempt_at)).where(
                    InboxEvent.processed_at.is_(None),
                    InboxEvent.next_attempt_at <= now,
                    or_(
                        InboxEvent.claimed_at.is_(None),
                        InboxEvent.claimed_at < now - self.policy.lease,
                    ),
                )
            ).scalar()
        return Backlog(pending=int(pending or 0), oldest=oldest, overdue_since=overdue_since)

    def prune(self) -> int:
        """Forget events settled longer ago than the policy keeps them; how many went."""
        cutoff = self.clock() - self.policy.keep_for
        with self.store.system() as system:
            result = system.execute(
                delete(InboxEvent)
                .where(InboxEvent.processed_at < cutoff)
                .execution_options(synchronize_session=False)
            )
            return int(getattr(result, "rowcount", 0) or 0)


def _received(row: InboxEvent, runner: str) -> ReceivedEvent:
    return ReceivedEvent(
        id=row.id,
        team_id=row.team_id,
        event_id=row.event_id,
        event_type=row.event_type,
        body=row.body,
        attempts=row.attempts,
        outcome=row.outcome,
        runner=runner,
    )


def _reason(text: str) -> str:
    """One line, short enough for the column."""
    line = " ".join(text.split())
    return line if len(line) <= REASON_MAX else line[: REASON_MAX - 1] + "…"
