"""The console's simulated clock is kept in its database and resumes where it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from console.clock import CLOCK_TABLE, SavedClock, SimClock, resume_clock
from domain.store import make_engine
from tests.conftest import Database

REAL = datetime(2027, 3, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def engine(database: Database) -> Iterator[Engine]:
    engine = make_engine(database.url)
    yield engine
    CLOCK_TABLE.drop(engine, checkfirst=True)
    engine.dispose()


def test_a_first_start_runs_on_the_real_time_and_says_nothing(engine: Engine) -> None:
    clock = SimClock(REAL)
    assert resume_clock(clock, SavedClock(engine)) is None
    assert clock() == REAL
    assert SavedClock(engine).load() == REAL


def test_a_moved_clock_resumes_where_it_was_after_a_restart(engine: Engine) -> None:
    first = SimClock(REAL)
    resume_clock(first, SavedClock(engine))
    first.set(REAL + timedelta(days=3))  # `:clock +3d`
    again = SimClock(REAL + timedelta(minutes=5))  # the restart, five real minutes later
    note = resume_clock(again, SavedClock(engine))
    assert again() == REAL + timedelta(days=3)
    assert note is not None and "resumes at Thu 25 Mar 2027, 10:00 UTC" in note


def test_when_real_time_passed_the_saved_time_the_clock_says_it_moved(engine: Engine) -> None:
    resume_clock(SimClock(REAL), SavedClock(engine))
    later = SimClock(REAL + timedelta(days=30))
    note = resume_clock(later, SavedClock(engine))
    assert later() == REAL + timedelta(days=30)
    assert note is not None and "moved on to now" in note


def test_every_move_is_kept(engine: Engine) -> None:
    clock = SimClock(REAL)
    resume_clock(clock, SavedClock(engine))
    for days in (1, 2, 7):
        clock.set(REAL + timedelta(days=days))
        assert SavedClock(engine).load() == REAL + timedelta(days=days)
