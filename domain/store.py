"""The database: engine, transactions, and the one place tenancy is enforced."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, Select, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

M = TypeVar("M")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine; SQLite gets WAL, foreign keys, a busy timeout and serialised writers."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # let us emit BEGIN ourselves
            cursor = dbapi_connection.cursor()
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock up front, so concurrent writers wait on
            # busy_timeout instead of failing when a read transaction upgrades.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Store:
    """Hands out one transaction per use case."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def transaction(self, team_id: str) -> Iterator[Tenant]:
        """A session scoped to one workspace, committed on success and rolled back on error."""
        with self._sessions.begin() as session:
            yield Tenant(session, team_id)

    @contextmanager
    def system_transaction(self) -> Iterator[Session]:
        """A session for cross-workspace housekeeping (the scheduler's claims)."""
        with self._sessions.begin() as session:
            yield session


class Tenant:
    """A session that only ever sees one workspace's rows."""

    def __init__(self, session: Session, team_id: str) -> None:
        self.session = session
        self.team_id = team_id

    def select(self, model: type[M]) -> Select[M]:
        """SELECT model rows of this workspace only."""
        return select(model).where(model.team_id == self.team_id)  # type: ignore[attr-defined]

    def add(self, row: Any) -> None:
        """Add a row, stamping it with this workspace's team_id."""
        if getattr(row, "team_id", None) not in (None, self.team_id):
            raise ValueError("row belongs to another workspace")
        row.team_id = self.team_id
        self.session.add(row)

    def first(self, stmt: Select[M]) -> M | None:
        """The first row of a scoped statement, or None."""
        return self.session.scalars(stmt.limit(1)).first()

    def all(self, stmt: Select[M]) -> list[M]:
        """All rows of a scoped statement."""
        return list(self.session.scalars(stmt))
