"""Composing the ranking and status digests from the read model and the previous snapshot.

A digest compares the portfolio now (`domain.queries`) with the snapshot its subscription's
last sent digest of the same kind refers to, or with the baseline taken when the channel
subscribed. Snapshots live in `DigestSnapshot`, once per portfolio, kind and content; a
posting or a baseline holds only `{"ref": id}` (older rows may still hold a whole snapshot).

`Facts` lives for one batch of postings (a scheduler tick): each portfolio's read model is
read once, and a digest of one portfolio, kind and previous snapshot (and, for status, local
day) is composed once and shared by every channel that gets it; only when it was compared
with, and whether that was the subscription's start, differ per posting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, delete, func, select

from domain import queries
from domain.digest import (
    RankingDigest,
    StatusDigest,
    StatusState,
    compose_ranking,
    compose_status,
    fingerprint,
    ranking_snapshot,
    status_snapshot,
)
from domain.models import DigestPosting, DigestSnapshot, DigestSubscription, Portfolio
from domain.ranking import RankInput
from domain.services.calibration import digest_biases
from domain.services.forecasts import digest_slips
from domain.store import Tenant

Digest = RankingDigest | StatusDigest
Snapshot = dict[str, Any]
PRUNE_AFTER = timedelta(hours=1)  # a fresh snapshot may not be referred to yet: never pruned


@dataclass(frozen=True)
class Previous:
    """What a digest compares with: the snapshot, when it was taken, whether it is the start.

    `key` names the snapshot for sharing a composed digest: ("ref", id) for a stored one,
    ("posting", id) or ("baseline", subscription id) for an older inline one, () for none.
    """

    snapshot: Snapshot | None
    compared_with: datetime | None
    since_subscribed: bool
    key: tuple[Any, ...]


NOTHING = Previous(None, None, False, ())


@dataclass(frozen=True)
class Composed:
    """A digest composed once for every posting that shares its key (a name for the sharing)."""

    digest: Digest
    key: str


class Facts:
    """The read model of each portfolio and the digests composed, kept for one batch."""

    def __init__(self, *, keep_snapshots: bool = True) -> None:
        self.keep_snapshots = keep_snapshots  # False: previews, which store nothing
        self._ranking: dict[int, list[RankInput]] = {}
        self._status: dict[int, StatusState] = {}
        self._snapshots: dict[int, Snapshot | None] = {}
        self._portfolios: dict[int, Portfolio | None] = {}
        self.composed: dict[tuple[Any, ...], Composed] = {}
        self.snapshot_ids: dict[str, int] = {}  # a shared digest's key -> its stored snapshot

    def ranking(self, tenant: Tenant, portfolio: Portfolio) -> list[RankInput]:
        """The portfolio's products as ranking inputs."""
        if portfolio.id not in self._ranking:
            self._ranking[portfolio.id] = queries.product_facts(tenant, portfolio)
        return self._ranking[portfolio.id]

    def status(self, tenant: Tenant, portfolio: Portfolio) -> StatusState:
        """The portfolio's products and items as the status digest reads them."""
        if portfolio.id not in self._status:
            self._status[portfolio.id] = queries.status_state(tenant, portfolio)
        return self._status[portfolio.id]

    def snapshot(self, tenant: Tenant, snapshot_id: int) -> Snapshot | None:
        """A stored snapshot, read once per batch (None when it is gone)."""
        if snapshot_id not in self._snapshots:
            row = tenant.get(DigestSnapshot, snapshot_id)
            self._snapshots[snapshot_id] = None if row is None else row.snapshot
        return self._snapshots[snapshot_id]

    def portfolio(self, tenant: Tenant, portfolio_id: int) -> Portfolio | None:
        """A portfolio row, read once per transaction (see `new_transaction`)."""
        if portfolio_id not in self._portfolios:
            self._portfolios[portfolio_id] = tenant.get(Portfolio, portfolio_id)
        return self._portfolios[portfolio_id]

    def new_transaction(self) -> None:
        """Forget the rows read so far: they don't outlive their session."""
        self._portfolios.clear()


def compose(
    tenant: Tenant,
    portfolio: Portfolio,
    sub: DigestSubscription | None,
    kind: str,
    *,
    tz: str,
    now: datetime,
    facts: Facts,
) -> Digest:
    """One digest of a portfolio (for a subscription, or for a preview without one)."""
    return compose_shared(tenant, portfolio, sub, kind, tz=tz, now=now, facts=facts).digest


def compose_shared(
    tenant: Tenant,
    portfolio: Portfolio,
    sub: DigestSubscription | None,
    kind: str,
    *,
    tz: str,
    now: datetime,
    facts: Facts,
) -> Composed:
    """The digest for one subscription, composed once per portfolio, kind and previous state.

    Reads only: the snapshot to store is the digest's (`store_snapshot` writes it).
    """
    return compose_from(
        tenant,
        portfolio,
        kind,
        previous_snapshot(tenant, sub, kind, facts),
        tz=tz,
        now=now,
        facts=facts,
    )


def compose_from(
    tenant: Tenant,
    portfolio: Portfolio,
    kind: str,
    previous: Previous,
    *,
    tz: str,
    now: datetime,
    facts: Facts,
) -> Composed:
    """The digest comparing with `previous`, composed once per key for the batch."""
    today = now.astimezone(ZoneInfo(tz)).date()
    key = (tenant.team_id, portfolio.id, kind, previous.key, today if kind == "status" else None)
    shared = facts.composed.get(key)
    if shared is None:
        digest = _compose(tenant, portfolio, kind, previous.snapshot, now=now, today=today, f=facts)
        shared = Composed(digest, repr(key))
        facts.composed[key] = shared
    digest = replace(
        shared.digest,
        compared_with=previous.compared_with,
        since_subscribed=previous.since_subscribed,
    )
    return replace(shared, digest=digest)


def remember_snapshot_id(facts: Facts, composed: Composed, snapshot_id: int) -> None:
    """Keep the stored snapshot's id with the shared digest, so it is stored once."""
    facts.snapshot_ids[composed.key] = snapshot_id


def shared_snapshot_id(facts: Facts, composed: Composed) -> int | None:
    """The id of the snapshot already stored for this shared digest, if any."""
    return facts.snapshot_ids.get(composed.key)


def _compose(
    tenant: Tenant,
    portfolio: Portfolio,
    kind: str,
    previous: Snapshot | None,
    *,
    now: datetime,
    today: Any,
    f: Facts,
) -> Digest:
    if kind == "ranking":
        ranking = compose_ranking(
            f.ranking(tenant, portfolio),
            portfolio=portfolio.name,
            currency=portfolio.currency,
            measure=portfolio.ranking_measure,
            discount_rate=portfolio.discount_rate,
            weights=queries.score_weights(portfolio),
            budget=portfolio.budget,
            previous=previous,
            compared_with=None,
            keep_snapshot=f.keep_snapshots,
        )
        return replace(ranking, biases=digest_biases(tenant, portfolio))
    status = compose_status(
        f.status(tenant, portfolio),
        portfolio=portfolio.name,
        currency=portfolio.currency,
        now=now,
        today=today,
        previous=previous,
        compared_with=None,
        keep_snapshot=f.keep_snapshots,
    )
    return replace(status, slipping=digest_slips(tenant, portfolio, today))


def previous_snapshot(
    tenant: Tenant, sub: DigestSubscription | None, kind: str, facts: Facts | None = None
) -> Previous:
    """The snapshot of the subscription's last sent digest of this kind, else its baseline."""
    if sub is None:
        return NOTHING
    last = tenant.first(
        tenant.select(DigestPosting)
        .where(
            DigestPosting.subscription_id == sub.id,
            DigestPosting.kind == kind,
            DigestPosting.status == "sent",
        )
        .order_by(DigestPosting.sent_at.desc(), DigestPosting.id.desc())
    )
    return previous_from(tenant, sub, kind, last, facts or Facts())


def last_sent(
    tenant: Tenant, subscription_ids: Select[Any] | Sequence[int]
) -> dict[tuple[int, str], DigestPosting]:
    """Each subscription's last sent posting of each kind, in one query (at most 500 ids)."""
    ranked = (
        select(
            DigestPosting.id,
            func.row_number()
            .over(
                partition_by=(DigestPosting.subscription_id, DigestPosting.kind),
                order_by=(DigestPosting.sent_at.desc(), DigestPosting.id.desc()),
            )
            .label("newest"),
        )
        .where(
            DigestPosting.subscription_id.in_(subscription_ids),
            DigestPosting.status == "sent",
        )
        .subquery()
    )
    rows = tenant.all(
        tenant.select(DigestPosting)
        .join(ranked, ranked.c.id == DigestPosting.id)
        .where(ranked.c.newest == 1)
    )
    return {(row.subscription_id, row.kind): row for row in rows}


def previous_from(
    tenant: Tenant,
    sub: DigestSubscription,
    kind: str,
    last: DigestPosting | None,
    facts: Facts,
) -> Previous:
    """What a subscription's next digest compares with, given its last sent posting."""
    baseline = (sub.baseline or {}).get(kind)
    baseline_newer = (
        baseline
        and sub.baseline_at is not None
        and (last is None or last.sent_at is None or sub.baseline_at > last.sent_at)
    )
    if last is not None and last.snapshot and not baseline_newer:
        found = _resolve(tenant, last.snapshot, ("posting", last.id), facts)
        if found is not None:
            return Previous(found[0], last.sent_at, False, found[1])
    if baseline:
        found = _resolve(tenant, baseline, ("baseline", sub.id), facts)
        if found is not None:
            return Previous(found[0], sub.baseline_at, True, found[1])
    return NOTHING


def _resolve(
    tenant: Tenant, stored: Snapshot, inline_key: tuple[Any, ...], facts: Facts
) -> tuple[Snapshot, tuple[Any, ...]] | None:
    """A reference to a stored snapshot, or an older inline snapshot as it is."""
    ref = stored.get("ref")
    if ref is None or len(stored) != 1:
        return stored, inline_key
    snapshot = facts.snapshot(tenant, int(ref))
    if snapshot is None:
        return None
    return snapshot, ("ref", int(ref))


def store_snapshot(
    tenant: Tenant, portfolio_id: int, kind: str, snapshot: Snapshot, now: datetime
) -> int:
    """Store a snapshot once per portfolio, kind and content; returns its id."""
    mark = fingerprint(snapshot)
    found = tenant.scalar(
        select(func.max(DigestSnapshot.id)).where(
            DigestSnapshot.portfolio_id == portfolio_id,
            DigestSnapshot.kind == kind,
            DigestSnapshot.fingerprint == mark,
        )
    )
    if found is not None:
        return int(found)
    row = DigestSnapshot(
        portfolio_id=portfolio_id, kind=kind, fingerprint=mark, taken_at=now, snapshot=snapshot
    )
    tenant.add(row)
    tenant.flush()
    _prune(tenant, portfolio_id, kind, keep=row.id, now=now)
    return row.id


def _prune(tenant: Tenant, portfolio_id: int, kind: str, *, keep: int, now: datetime) -> None:
    """Drop the portfolio's snapshots of this kind that no subscription can compare with any more.

    Kept: those the latest sent posting of each subscription, or any posting not sent yet,
    or a baseline refers to, and every one taken in the last PRUNE_AFTER.
    """
    subs = select(DigestSubscription.id).where(DigestSubscription.portfolio_id == portfolio_id)
    latest = (
        select(func.max(DigestPosting.id))
        .where(
            DigestPosting.subscription_id.in_(subs),
            DigestPosting.kind == kind,
            DigestPosting.status == "sent",
        )
        .group_by(DigestPosting.subscription_id)
    )
    held = tenant.scalars(
        select(DigestPosting.snapshot).where(
            DigestPosting.subscription_id.in_(subs),
            DigestPosting.kind == kind,
            (DigestPosting.id.in_(latest)) | (DigestPosting.status != "sent"),
        )
    )
    baselines = tenant.scalars(
        select(DigestSubscription.baseline).where(DigestSubscription.portfolio_id == portfolio_id)
    )
    refs = {keep}
    for stored in [*held, *((b or {}).get(kind) or {} for b in baselines)]:
        ref = (stored or {}).get("ref")
        if ref is not None:
            refs.add(int(ref))
    candidates = tenant.scalars(
        select(DigestSnapshot.id).where(
            DigestSnapshot.portfolio_id == portfolio_id,
            DigestSnapshot.kind == kind,
            DigestSnapshot.taken_at < now - PRUNE_AFTER,
        )
    )
    gone = [i for i in candidates if i not in refs]
    for start in range(0, len(gone), 500):
        tenant.execute(
            delete(DigestSnapshot).where(DigestSnapshot.id.in_(gone[start : start + 500]))
        )


def baseline(tenant: Tenant, portfolio: Portfolio, now: datetime) -> dict[str, Snapshot]:
    """Where a new subscription's first digest counts movement and changes from (stored refs)."""
    ranking = ranking_snapshot(
        queries.product_facts(tenant, portfolio),
        measure=portfolio.ranking_measure,
        discount_rate=portfolio.discount_rate,
        weights=queries.score_weights(portfolio),
    )
    status = status_snapshot(queries.status_state(tenant, portfolio))
    return {
        "ranking": {"ref": store_snapshot(tenant, portfolio.id, "ranking", ranking, now)},
        "status": {"ref": store_snapshot(tenant, portfolio.id, "status", status, now)},
    }
