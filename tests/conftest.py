"""Shared fixtures: a real database (SQLite file and PostgreSQL), a clock, a fake Slack."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from domain.models import Base
from domain.services import Services, build_services
from domain.store import Store, make_engine
from domain.views import Actor
from tests.support.postgres import PostgresServer, postgres_required, start_postgres

TEAM = "T0TEST"
OTHER_TEAM = "T0OTHER"
ALICE = Actor(team_id=TEAM, user_id="U0ALICE", is_admin=True)  # workspace admin
BOB = Actor(team_id=TEAM, user_id="U0BOB")  # product manager (owns products)
CAROL = Actor(team_id=TEAM, user_id="U0CAROL")  # member
MALLORY = Actor(team_id=OTHER_TEAM, user_id="U0MALLORY", is_admin=True)  # another workspace

# Hypothesis: in CI every run tries the same examples (derandomize, no example database), a
# failure prints the blob that replays it (@reproduce_failure), and a slow shared machine
# is no failure (no deadline). On a laptop ("dev"): random examples, the local example
# database in .hypothesis/ replays past failures first. HYPOTHESIS_PROFILE picks either.
settings.register_profile(
    "ci",
    settings.get_profile("default"),
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Hypothesis loads its own "ci" profile whenever CI is set at all: "dev" starts from "default".
settings.register_profile("dev", settings.get_profile("default"), print_blob=True)


def hypothesis_profile(env: Mapping[str, str] = os.environ) -> str:
    """The Hypothesis profile for this run: HYPOTHESIS_PROFILE, else "ci" under CI, else "dev"."""
    chosen = env.get("HYPOTHESIS_PROFILE")
    if chosen:
        return chosen
    in_ci = env.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
    return "ci" if in_ci else "dev"


settings.load_profile(hypothesis_profile())


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    """One throwaway PostgreSQL server for the whole session (None when unavailable)."""
    base = Path(tempfile.mkdtemp(prefix="folio-pg-"))
    server = start_postgres(base)
    yield server
    if server is not None:
        server.stop()


@dataclass(frozen=True)
class Database:
    url: str
    backend: str


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database with Folio's schema: a SQLite file, or the session's PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'folio.db'}"
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield Database(url, "sqlite")
        return
    server = request.getfixturevalue("postgres")
    if server is None:
        if postgres_required():
            pytest.fail("PostgreSQL is required here (CI) but no server could be started.")
        pytest.skip("no PostgreSQL server on this machine (install postgresql to run these)")
    engine = make_engine(server.url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        Base.metadata.create_all(conn)
    engine.dispose()
    yield Database(server.url, "postgresql")
    engine = make_engine(server.url)
    with engine.begin() as conn:
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    """Monday 2027-03-22 10:00 UTC, moved by hand."""
    return Clock(datetime(2027, 3, 22, 10, 0, tzinfo=UTC))


@pytest.fixture
def store(database: Database) -> Iterator[Store]:
    """A store on the test database."""
    engine = make_engine(database.url)
    yield Store(engine)
    engine.dispose()


@pytest.fixture
def services(store: Store, clock: Clock) -> Services:
    """The use cases on a real database with a hand-moved clock."""
    return build_services(store, clock)
