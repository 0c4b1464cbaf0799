"""Read-only use cases take no write lock: on SQLite they run while another writer holds it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from domain.commands.planning import AllocateRequest
from domain.commands.portfolio import ProductFields, RankRequest
from domain.models import Base
from domain.ranking import Weights
from domain.services import Services, build_services
from domain.store import Store, make_engine
from tests.conftest import ALICE, CAROL, Clock
from tests.integration.test_analytics_service import run


@pytest.fixture
def sqlite_services(tmp_path: Path, clock: Clock) -> Iterator[tuple[Services, Path]]:
    """Services on a SQLite file whose connections wait at most 50 ms for a lock, no retries."""
    path = tmp_path / "locks.db"
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _impatient(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    Base.metadata.create_all(engine)
    services = build_services(Store(engine, retry_attempts=1), clock)
    for text in (
        "setup Products | currency USD",
        "add CHK Checkout | investment 120k | return 400k | confidence 70% | category Growth",
        "add PAY Payments | investment 450k | return 1.2m | confidence 60% | category Core",
    ):
        run(services, text)
    yield services, path
    engine.dispose()


@pytest.fixture
def write_lock(sqlite_services: tuple[Services, Path]) -> Iterator[sqlite3.Connection]:
    """Another connection holding SQLite's write lock (BEGIN IMMEDIATE) until the test ends."""
    _, path = sqlite_services
    other = sqlite3.connect(path, isolation_level=None, timeout=0.05)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE products SET name = 'Locked' WHERE key = 'CHK'")
    yield other
    other.execute("ROLLBACK")
    other.close()


def test_reads_run_while_another_connection_holds_the_write_lock(
    sqlite_services: tuple[Services, Path], write_lock: sqlite3.Connection
) -> None:
    services, _ = sqlite_services
    # The lock is real: a write use case cannot get it within its 50 ms.
    with pytest.raises(OperationalError, match="database is locked"):
        services.products.set_product(ALICE, "CHK", ProductFields(name="Nope"))
    for measure in ("roi", "risk", "npv"):
        ranking = services.ranking.rank(CAROL, None, RankRequest(measure, None, None))
        assert {r.key for r in ranking.rows} == {"CHK", "PAY"}
    by_category = services.ranking.rank(CAROL, None, RankRequest("roi", 1, "growth"))
    assert [r.key for r in by_category.rows] == ["CHK"]
    card = services.products.show(CAROL, "CHK")
    assert card.name == "Checkout"  # the writer's change is not committed
    listing = services.products.list_products(CAROL, None)
    assert [p.key for p in listing.products] == ["CHK", "PAY"]
    assert services.ranking.weights(CAROL, None).weights == ()
    assert services.planning.balance(CAROL, None, "category").product_count == 2
    assert {p.key for p in services.planning.chart_points(CAROL, None).points} == {"CHK", "PAY"}
    allocation = services.planning.allocate(
        CAROL, None, AllocateRequest(budget=(D(500_000), "USD"))
    )
    assert [line.key for line in allocation.funded] == ["PAY"]
    assert services.objectives.objectives(CAROL) == ()
    assert services.roadmap.roadmap(CAROL, "CHK").items == ()
    assert services.roadmap.rank(CAROL, "CHK", "rice").rows == ()
    exported = services.transfer.export(CAROL, None)
    assert exported.count == 2 and "Checkout" in exported.text and "Locked" not in exported.text


def test_the_score_ranks_while_another_connection_holds_the_write_lock(
    sqlite_services: tuple[Services, Path],
) -> None:
    services, path = sqlite_services
    services.ranking.set_weights(ALICE, None, Weights(roi=D("0.5"), alignment=D("0.5")))
    other = sqlite3.connect(path, isolation_level=None, timeout=0.05)
    other.execute("BEGIN IMMEDIATE")
    try:
        score = services.ranking.rank(CAROL, None, RankRequest("score", None, None))
        assert [r.key for r in score.rows] == ["CHK", "PAY"]
    finally:
        other.execute("ROLLBACK")
        other.close()
