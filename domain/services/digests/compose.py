"""Composing the ranking and status digests from the read model and the previous snapshot.

A digest compares the portfolio now (`domain.queries`) with the snapshot its subscription's
last sent digest of the same kind stored, or with the baseline taken when the channel
subscribed. `Facts` keeps each portfolio's read model for one batch of postings, so a
portfolio posted to many channels is read once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain import queries
from domain.digest import (
    RankingDigest,
    StatusDigest,
    StatusState,
    compose_ranking,
    compose_status,
    ranking_snapshot,
    status_snapshot,
)
from domain.models import DigestPosting, DigestSubscription, Portfolio
from domain.ranking import RankInput
from domain.services.calibration import digest_biases
from domain.services.forecasts import digest_slips
from domain.store import Tenant

Digest = RankingDigest | StatusDigest
Snapshot = dict[str, Any]


class Facts:
    """The read model of each portfolio, read at most once per batch of digests."""

    def __init__(self) -> None:
        self._ranking: dict[int, list[RankInput]] = {}
        self._status: dict[int, StatusState] = {}

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
    previous, compared_with, from_start = previous_snapshot(tenant, sub, kind)
    if kind == "ranking":
        ranking = compose_ranking(
            facts.ranking(tenant, portfolio),
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
        return replace(ranking, biases=digest_biases(tenant, portfolio))
    today = now.astimezone(ZoneInfo(tz)).date()
    status = compose_status(
        facts.status(tenant, portfolio),
        portfolio=portfolio.name,
        currency=portfolio.currency,
        now=now,
        today=today,
        previous=previous,
        compared_with=compared_with,
        since_subscribed=from_start,
    )
    return replace(status, slipping=digest_slips(tenant, portfolio, today))


def previous_snapshot(
    tenant: Tenant, sub: DigestSubscription | None, kind: str
) -> tuple[Snapshot | None, datetime | None, bool]:
    """The snapshot of the subscription's last sent digest of this kind, else its baseline.

    Returns the snapshot, when it was taken, and whether it is the subscription's baseline.
    """
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


def baseline(tenant: Tenant, portfolio: Portfolio) -> dict[str, Snapshot]:
    """Where a new subscription's first digest counts movement and changes from."""
    return {
        "ranking": ranking_snapshot(
            queries.product_facts(tenant, portfolio),
            measure=portfolio.ranking_measure,
            discount_rate=portfolio.discount_rate,
            weights=queries.score_weights(portfolio),
        ),
        "status": status_snapshot(queries.status_state(tenant, portfolio)),
    }
