"""Digest fan-out on a real database: composed once, one snapshot, bounded query parameters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select

import domain.services.digests.compose as compose_module
from domain.delivery import Delivery, DeliveryOutcome
from domain.digest import RankingDigest, StatusDigest, compose_ranking, compose_status
from domain.models import DigestPosting, DigestSnapshot, Portfolio, Product, RoadmapItem
from domain.services import Services
from domain.store import Store
from tests.conftest import ALICE, TEAM, Clock
from tests.integration.test_digest_service import add, at, setup

DELIVERED = DeliveryOutcome(Delivery.DELIVERED, ts="1.1")


@pytest.fixture
def portfolio(services: Services) -> Services:
    setup(services)
    add(services, "add CHK Checkout | owner <@U0BOB> | investment 120k | return 400k")
    add(services, "add PAY Payments | owner <@U0DAN> | investment 450k | return 1.2m")
    return services


def grow(store: Store, count: int, *, start: int = 0) -> None:
    """Add products (each owned, half of them at risk, each with an open item due soon)."""
    with store.transaction(TEAM) as tenant:
        portfolio_id = tenant.scalars(select(Portfolio.id))[0]
        products = [
            Product(
                portfolio_id=portfolio_id,
                key=f"P{n:05d}",
                name=f"Product {n}",
                owner_id=f"U{n % 7:07d}",
                health="at risk" if n % 2 else "on track",
                investment=Decimal(1000 + n),
                expected_return=Decimal(5000 + 3 * n),
                next_item_number=2,
                created_at=datetime(2027, 1, 1, tzinfo=UTC),
            )
            for n in range(start, start + count)
        ]
        tenant.add_all(products)
        tenant.flush()
        tenant.add_all(
            RoadmapItem(
                product_id=p.id,
                number=1,
                title=f"Item of {p.key}",
                status="in progress",
                progress=40,
                target_due=datetime(2027, 4, 10).date(),
            )
            for p in products
        )


@contextmanager
def parameters_per_statement(store: Store) -> Iterator[list[int]]:
    """How many parameters each statement sent to the database bound."""
    counts: list[int] = []

    def count(_conn: Any, _cursor: Any, _sql: str, params: Any, _ctx: Any, many: bool) -> None:
        # An executemany's parameter sets, one each; an "insertmanyvalues" page (flagged as
        # many, but one multi-row statement) binds its flat parameters together.
        sets = many and isinstance(params, list | tuple) and bool(params)
        sets = sets and isinstance(params[0], dict | tuple)
        rows = params if sets else [params]
        counts.append(max((len(row or ()) for row in rows), default=0))

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


def a_day_of_digests(services: Services, clock: Clock, day: str) -> list[Any]:
    """Preview, then claim, compose and settle the day's digests, then the reminders."""
    services.subscriptions.preview(ALICE, "C1")
    claimed = services.outbox.claim_due(at(clock, f"{day}T09:00"), "r")
    services.outbox.record_delivered([(p, "1.1") for p in claimed], now=clock.now)
    services.reminders.claim_due(at(clock, f"{day}T09:00") - timedelta(days=1))
    return claimed


def test_digest_queries_bind_no_parameter_per_product(portfolio: Services, clock: Clock) -> None:
    for channel in ("C1", "C2"):
        portfolio.subscriptions.subscribe(ALICE, channel, "daily 09:00 Europe/Berlin both")
    grow(portfolio.store, 20)
    with parameters_per_statement(portfolio.store) as few:
        small = a_day_of_digests(portfolio, clock, "2027-03-29")
    grow(portfolio.store, 400, start=20)
    with parameters_per_statement(portfolio.store) as many:
        large = a_day_of_digests(portfolio, clock, "2027-03-30")
    assert len(small) == len(large) == 4
    status = next(p.digest for p in large if isinstance(p.digest, StatusDigest))
    assert len(status.attention) > 200  # the 420 products were all read
    assert max(many) == max(few) < 100


def test_a_digest_is_composed_once_for_every_channel_and_its_snapshot_stored_once(
    portfolio: Services, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    channels = [f"C{n}" for n in range(6)]
    for channel in channels:
        portfolio.subscriptions.subscribe(ALICE, channel, "weekly mon 09:00 Europe/Berlin both")
    calls = {"ranking": 0, "status": 0}

    def counting(kind: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            calls[kind] += 1
            return real(*args, **kwargs)

        return run

    monkeypatch.setattr(compose_module, "compose_ranking", counting("ranking", compose_ranking))
    monkeypatch.setattr(compose_module, "compose_status", counting("status", compose_status))
    first = portfolio.outbox.claim_due(at(clock, "2027-03-29T09:00"), "r")
    assert len(first) == 12
    assert calls == {"ranking": 1, "status": 1}
    for posting in first:
        portfolio.outbox.record_outcome(posting, DELIVERED, now=clock.now)
    second = portfolio.outbox.claim_due(at(clock, "2027-04-05T09:00"), "r")
    assert calls == {"ranking": 2, "status": 2}
    assert all(p.digest.compared_with is not None for p in second)
    with portfolio.store.system() as system:
        refs = {tuple(sorted(p.snapshot.items())) for p in system.scalars(select(DigestPosting))}
        kinds = [s.kind for s in system.scalars(select(DigestSnapshot))]
    # One reference per kind (the portfolio did not change) and one row per kind's content.
    assert len(refs) == 2
    assert sorted(kinds) == ["ranking", "status"]


def test_the_next_digest_compares_with_the_one_shared_snapshot(
    portfolio: Services, clock: Clock
) -> None:
    from domain.commands import portfolio as parse
    from domain.grammar import split_command

    for channel in ("C1", "C2", "C3"):
        portfolio.subscriptions.subscribe(ALICE, channel, "weekly mon 09:00 Europe/Berlin ranking")
    first = portfolio.outbox.claim_due(at(clock, "2027-03-29T09:00"), "r")
    for posting in first:
        portfolio.outbox.record_outcome(posting, DELIVERED, now=clock.now)
    request = parse.parse_set(split_command("set CHK | investment 900k"))
    portfolio.products.set_product(ALICE, request[0], request[1])
    second = portfolio.outbox.claim_due(at(clock, "2027-04-05T09:00"), "r")
    assert len(second) == 3
    for posting in second:
        digest = posting.digest
        assert isinstance(digest, RankingDigest) and not digest.since_subscribed
        assert [(m.key, m.after) for m in digest.movers] == [("PAY", 1), ("CHK", 2)]
    with portfolio.store.system() as system:
        snapshots = system.scalars(select(DigestSnapshot).where(DigestSnapshot.kind == "ranking"))
    assert len(snapshots) == 2  # the state they subscribed at, and the state now
    assert "name" not in str(snapshots[0].snapshot)
