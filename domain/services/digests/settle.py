"""Settling a claimed posting by its outcome: sent, paused, given up on, or retried later.

From the outcome's kind alone (a typed `DeliveryOutcome`): a delivery marks the posting sent
(many in one transaction with `record_delivered`) and drops older snapshots' bulk; a channel
that refused pauses its subscription (the first runner to pause it tells the subscriber); a
message that cannot be posted is given up on; anything else is retried with backoff while
attempts remain. A late report from a runner whose claim was taken over changes nothing.
Cross-workspace: `store.system()` only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, update

from domain.delivery import Delivery, DeliveryOutcome
from domain.models import DigestPosting, DigestSubscription, Portfolio
from domain.services.digests.claims import ClaimRules
from domain.services.digests.postings import ClaimedPosting, PauseNotice
from domain.services.digests.schedules import schedule_of
from domain.store import Store, System

log = logging.getLogger("folio.digests")

_CHUNK = 500  # subscription ids per IN (...)


def record_outcome(
    store: Store,
    rules: ClaimRules,
    posting: ClaimedPosting,
    outcome: DeliveryOutcome,
    now: datetime,
) -> PauseNotice | None:
    """Settle one claimed posting by the kind of its outcome; a refusal pauses the channel."""
    with store.system() as system:
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
        retry_at = rules.retry_at(row.attempts, now)
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


def record_delivered(
    store: Store, delivered: Sequence[tuple[ClaimedPosting, str | None]], now: datetime
) -> None:
    """Mark many delivered postings sent (with their message ts) in one transaction."""
    if not delivered:
        return
    table = cast(Table, DigestPosting.__table__)
    with store.system() as system:
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


def fail_unsent(
    store: Store, rules: ClaimRules, posting_id: int, error: str, now: datetime
) -> None:
    """A claimed posting that could not even be composed: failed, retried with backoff."""
    with store.system() as system:
        row = system.get(DigestPosting, posting_id)
        if row is not None and row.status == "claimed":
            row.status, row.error = "failed", error
            row.next_attempt_at = rules.retry_at(row.attempts, now)


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
