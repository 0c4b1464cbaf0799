"""Many writers at once, on SQLite and PostgreSQL: every answer is the one a lone writer gets.

Threads call the use cases directly, released together by a barrier. SQLite serialises
writers (BEGIN IMMEDIATE); PostgreSQL runs them side by side, so these fail there unless every
write path takes its locks in one order (the product row first) and retries a transaction
that loses a race (deadlock, serialization failure, unique violation).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from psycopg import errors as pg_errors
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from domain.commands import portfolio as parse
from domain.commands.roadmap import ItemFields
from domain.errors import Conflict
from domain.grammar import split_command
from domain.models import RoadmapItem, Update
from domain.services import Services
from domain.store import Store, lost_a_race, make_engine
from tests.conftest import ALICE, BOB, TEAM

TIMEOUT = 120  # seconds for a whole burst: a deadlock or a lost wake-up fails, never hangs


def burst(count: int, action: Callable[[int], str]) -> Counter[str]:
    """Run action(0..count-1) in `count` threads started together; count their answers."""
    barrier = threading.Barrier(count, timeout=30)

    def run(n: int) -> str:
        barrier.wait()
        try:
            return action(n)
        except Conflict as conflict:
            return "conflict: " + conflict.message.split(":")[0]
        except Exception as error:  # the figure we want: nothing unexpected escapes
            cause = getattr(error, "orig", None) or error
            return f"error: {type(cause).__name__}"

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(run, n) for n in range(count)]
        return Counter(f.result(timeout=TIMEOUT) for f in futures)


def set_up(services: Services, *, product: bool = True) -> None:
    services.portfolios.setup(ALICE, parse.parse_setup(split_command("setup Products")))
    if product:
        add = parse.parse_add(split_command("add CHK Checkout | owner <@U0BOB|bob>"))
        services.products.add_product(ALICE, None, add.key, add.fields)


def test_concurrent_adds_of_one_key_add_it_once(services: Services) -> None:
    set_up(services, product=False)
    request = parse.parse_add(split_command("add CHK Checkout | investment 120k"))

    def add(_n: int) -> str:
        services.products.add_product(ALICE, None, request.key, request.fields)
        return "added"

    answers = burst(50, add)
    assert answers == Counter({"added": 1, "conflict: CHK already exists": 49}), answers


def test_concurrent_roadmap_adds_are_numbered_1_to_n(services: Services) -> None:
    set_up(services)

    def add(n: int) -> str:
        change = services.roadmap.add(BOB, "CHK", ItemFields(title=f"Item {n}"))
        return "added" if change.created else "not added"

    answers = burst(20, add)
    assert answers == Counter({"added": 20}), answers
    with services.store.read(TEAM) as tenant:
        numbers = tenant.scalars(select(RoadmapItem.number).order_by(RoadmapItem.number))
        titles = tenant.scalars(select(RoadmapItem.title))
    assert numbers == list(range(1, 21))
    assert sorted(titles) == sorted(f"Item {n}" for n in range(20))


def test_chat_updates_and_item_updates_on_one_item_are_all_stored(services: Services) -> None:
    set_up(services)
    services.roadmap.add(BOB, "CHK", ItemFields(title="Checkout v2"))
    chats, commands = 48, 30

    def write(n: int) -> str:
        if n < chats:
            outcome = services.updates.record(
                BOB,
                channel_id="C0ROADMAP",
                ts=f"1790000000.{n:06d}",
                text=f"CHK-1: in progress {n % 100}%",
                event_id=f"Ev{n:08d}",
            )
            return f"chat {outcome.status}"
        change = services.roadmap.update(
            BOB, "CHK", 1, ItemFields(progress=(n * 7) % 100, note=f"command {n}")
        )
        return "command stored" if change.item.ref == "CHK-1" else "command lost"

    answers = burst(chats + commands, write)
    assert answers == Counter({"chat recorded": chats, "command stored": commands}), answers
    with services.store.read(TEAM) as tenant:
        stored = tenant.scalar(
            select(func.count()).select_from(Update).where(Update.kind == "item")
        )
    assert stored == chats + commands


@pytest.mark.parametrize("workers", [8])
def test_concurrent_first_setups_make_one_portfolio(services: Services, workers: int) -> None:
    def setup(_n: int) -> str:
        view = services.portfolios.setup(ALICE, parse.parse_setup(split_command("setup Products")))
        return "created" if view.created else "existing"

    answers = burst(workers, setup)
    assert answers == Counter({"created": 1, "existing": workers - 1}), answers


def database_error(cause: Exception, base: type[Exception]) -> DBAPIError:
    """The SQLAlchemy error a driver's exception arrives as."""
    error = DBAPIError.instance("UPDATE products …", {}, cause, base)
    assert isinstance(error, DBAPIError)
    return error


@pytest.mark.parametrize(
    ("cause", "base", "retried"),
    [
        (pg_errors.DeadlockDetected("deadlock detected"), pg_errors.Error, True),
        (pg_errors.SerializationFailure("could not serialize access"), pg_errors.Error, True),
        (pg_errors.UniqueViolation("duplicate key value"), pg_errors.Error, True),
        (pg_errors.ForeignKeyViolation("violates foreign key"), pg_errors.Error, False),
        (pg_errors.ReadOnlySqlTransaction("read-only transaction"), pg_errors.Error, False),
        (sqlite3.OperationalError("database is locked"), sqlite3.Error, True),
        (sqlite3.IntegrityError("UNIQUE constraint failed: products.key"), sqlite3.Error, True),
        (sqlite3.IntegrityError("NOT NULL constraint failed: x.y"), sqlite3.Error, False),
        (sqlite3.OperationalError("attempt to write a readonly database"), sqlite3.Error, False),
    ],
)
def test_lost_races_are_told_apart_from_real_failures(
    cause: Exception, base: type[Exception], retried: bool
) -> None:
    assert lost_a_race(database_error(cause, base)) is retried


def test_a_race_is_retried_a_bounded_number_of_times() -> None:
    waits: list[float] = []
    bounded = Store(make_engine("sqlite://"), retry_attempts=3, sleep=waits.append)
    calls: list[int] = []

    def always_deadlocks() -> None:
        calls.append(1)
        raise database_error(pg_errors.DeadlockDetected("deadlock detected"), pg_errors.Error)

    with pytest.raises(DBAPIError):
        bounded.retrying(always_deadlocks)
    assert len(calls) == 3 and len(waits) == 2
    assert all(0 < wait <= 0.5 for wait in waits)

    def fails_for_real() -> None:
        calls.append(1)
        raise database_error(pg_errors.ForeignKeyViolation("fk"), pg_errors.Error)

    calls.clear()
    with pytest.raises(DBAPIError):
        bounded.retrying(fails_for_real)
    assert len(calls) == 1
