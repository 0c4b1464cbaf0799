"""The database: engine, transactions, and the one place tenancy is enforced.

A use case gets a `Tenant`: a session bound to one workspace. The session itself adds
`team_id = :team` to every ORM SELECT, UPDATE and DELETE of a workspace-owned model
(SQLAlchemy's `do_orm_execute` + `with_loader_criteria` recipe), so a statement that
forgets the filter still sees only its workspace; `Tenant.get` checks rows the identity
map hands back without SQL, and a flush refuses a row stamped with another workspace.
Work that spans workspaces (the digest outbox, the CSV importer's workspace lookup) goes
through `Store.system()`, the one explicit unscoped path.

Concurrent writers: SQLite serialises them (BEGIN IMMEDIATE); PostgreSQL runs them side by
side at READ COMMITTED. Every write path locks the product row first (`Tenant.lock`), then
its items, then their updates, so two paths never wait on each other in opposite orders; and
every write use case is `@retried`: a transaction that loses a race (deadlock, serialization
failure, unique violation, SQLite's `database is locked`) runs again from the start, a
bounded number of times, and then reads what the winner wrote ("CHK already exists").
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache, lru_cache, wraps
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, TypeVarTuple, overload

from sqlalchemy import (
    Engine,
    Executable,
    Result,
    Select,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    SessionTransaction,
    sessionmaker,
    with_loader_criteria,
)

from domain.models import Base

M = TypeVar("M")
T = TypeVar("T")
P = ParamSpec("P")
Ts = TypeVarTuple("Ts")

log = logging.getLogger("folio.store")

_TEAM = "folio_team_id"
_READ_ONLY = "folio_read_only"
RETRY_ATTEMPTS = 5
RETRY_BASE_SECONDS = 0.02
RETRY_MAX_SECONDS = 0.5
# PostgreSQL's SQLSTATEs for a transaction that lost a race (psycopg.errors.DeadlockDetected,
# SerializationFailure, UniqueViolation): run it again and it sees what the winner wrote.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001", "23505"})


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine; SQLite gets WAL, foreign keys, a busy timeout and serialised writers.

    Statement parameters are left out of errors (and so of logs): they hold what people wrote.
    """
    kwargs.setdefault("hide_parameters", True)
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
            # Writers take the write lock up front (IMMEDIATE), so concurrent writers wait on
            # busy_timeout instead of failing when a read transaction upgrades. Read-only
            # use cases begin DEFERRED: WAL readers never block the writer.
            if conn.get_execution_options().get(_READ_ONLY):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    # Many rows inserted without RETURNING (the CSV importer, seeds) go as multi-row VALUES
    # pages of 1,000 ("insertmanyvalues"), as they already do with RETURNING, instead of one
    # INSERT per row: one statement trigger per page keeps the portfolio totals.
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def lost_a_race(error: BaseException) -> bool:
    """Whether a database error means "run the transaction again": deadlock, serialization
    failure, unique violation (PostgreSQL), or a busy or unique-constrained SQLite."""
    if not isinstance(error, DBAPIError):
        return False
    cause = error.orig
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate is not None:
        return sqlstate in RETRYABLE_SQLSTATES
    message = str(cause)
    if isinstance(error, OperationalError):
        return "database is locked" in message or "database table is locked" in message
    return isinstance(error, IntegrityError) and message.startswith("UNIQUE constraint failed")


def database_unavailable(error: BaseException) -> bool:
    """Whether a database error is worth trying again later: the server unreachable, a
    dropped connection, an exhausted pool, a busy or read-only database, or a lost race."""
    if isinstance(error, SQLAlchemyTimeoutError | OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and (error.connection_invalidated or lost_a_race(error))


def _scope_to_workspace(state: ORMExecuteState) -> None:
    """Add the session's workspace to every ORM statement it runs."""
    team_id = state.session.info.get(_TEAM)
    if team_id is None:
        return
    if state.is_insert:
        given: Any = state.parameters
        rows: list[Any] = list(given) if isinstance(given, list | tuple) else [given or {}]
        if any(row.get("team_id", team_id) != team_id for row in rows):
            raise PermissionError("an INSERT for another workspace reached this workspace")
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(*_workspace_criteria(team_id))


@lru_cache(maxsize=1024)
def _workspace_criteria(team_id: str) -> tuple[Any, ...]:
    """The `team_id = :team` criteria of every workspace model, built once per workspace.

    Building them is most of a statement's tenancy cost (SQLAlchemy analyses each lambda);
    the options are immutable, so every statement of the workspace shares them.
    """
    return tuple(
        with_loader_criteria(model, lambda cls: cls.team_id == team_id, include_aliases=True)
        for model in _workspace_models()
    )


@cache
def _workspace_models() -> tuple[type[Any], ...]:
    """Every mapped model whose rows belong to a workspace (all of them carry team_id)."""
    return tuple(mapper.class_ for mapper in Base.registry.mappers if "team_id" in mapper.columns)


def _refuse_foreign_rows(session: Session, _context: Any, _instances: Any) -> None:
    """A tenant session never writes a row that belongs to another workspace."""
    team_id = session.info.get(_TEAM)
    if team_id is None:
        return
    for row in (*session.new, *session.dirty):
        if isinstance(row, Base) and getattr(row, "team_id", team_id) != team_id:
            raise PermissionError("a row of another workspace reached this workspace's session")


def _refuse_writes(_session: Session, _context: Any, _instances: Any) -> None:
    """A read-only use case that tries to write is a bug, not a silent no-op."""
    raise PermissionError("a read-only session tried to write")


class Store:
    """Hands out one transaction per use case."""

    def __init__(
        self,
        engine: Engine,
        *,
        retry_attempts: int = RETRY_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.retry_attempts = retry_attempts
        self._sleep = sleep
        self._retrying = threading.local()
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._readers = sessionmaker(
            engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        )
        event.listen(self._sessions, "do_orm_execute", _scope_to_workspace)
        event.listen(self._readers, "do_orm_execute", _scope_to_workspace)
        event.listen(self._sessions, "before_flush", _refuse_foreign_rows)
        event.listen(self._readers, "before_flush", _refuse_writes)

    @contextmanager
    def transaction(self, team_id: str) -> Iterator[Tenant]:
        """A session scoped to one workspace, committed on success and rolled back on error."""
        with self._sessions.begin() as session:
            session.info[_TEAM] = team_id
            yield Tenant(session, team_id)

    @contextmanager
    def read(self, team_id: str) -> Iterator[Tenant]:
        """A read-only session scoped to one workspace (on SQLite it takes no write lock)."""
        with self._readers() as session:
            session.info[_TEAM] = team_id
            try:
                yield Tenant(session, team_id)
            finally:
                session.rollback()

    @contextmanager
    def system(self) -> Iterator[System]:
        """The one unscoped path, for cross-workspace work (the outbox, the importer)."""
        with self._sessions.begin() as session:
            yield System(session)

    @contextmanager
    def rolled_back(self) -> Iterator[System]:
        """An unscoped transaction that is always rolled back: for probing (can we write?)."""
        with self._sessions() as session:
            try:
                yield System(session)
            finally:
                session.rollback()

    def retrying(self, work: Callable[[], T]) -> T:
        """Run `work` (one whole transaction) again when it loses a race, a bounded number of
        times with a short jittered backoff; other errors, and the last attempt's, propagate.

        A call made inside another retried call runs once: the outermost one retries.
        """
        if getattr(self._retrying, "active", False):
            return work()
        self._retrying.active = True
        try:
            for attempt in range(1, self.retry_attempts + 1):
                try:
                    return work()
                except DBAPIError as error:
                    if attempt == self.retry_attempts or not lost_a_race(error):
                        raise
                    cause = type(error.orig).__name__
                    log.info("transaction lost a race (%s); retry %s", cause, attempt)
                    ceiling = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempt - 1))
                    self._sleep(random.uniform(ceiling / 2, ceiling))
            raise AssertionError("unreachable")  # pragma: no cover
        finally:
            self._retrying.active = False


class _HasStore(Protocol):
    store: Store


S = TypeVar("S", bound=_HasStore)


def retried(method: Callable[Concatenate[S, P], T]) -> Callable[Concatenate[S, P], T]:
    """Make a service's use case (one transaction) run again when it loses a race."""

    @wraps(method)
    def run(service: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return service.store.retrying(lambda: method(service, *args, **kwargs))

    return run


class _Rows:
    """Statement helpers shared by the scoped and the system session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @overload
    def execute(self, stmt: Select[*Ts], params: Any = None) -> Result[*Ts]: ...
    @overload
    def execute(self, stmt: Executable, params: Any = None) -> Result[*tuple[Any, ...]]: ...
    def execute(self, stmt: Executable, params: Any = None) -> Result[*tuple[Any, ...]]:
        """Run a statement (with rows of parameters for a bulk INSERT)."""
        return self._session.execute(stmt, params)

    def scalars(self, stmt: Select[T]) -> list[T]:
        """The first column of every row."""
        return list(self._session.scalars(stmt))

    def scalar(self, stmt: Select[T]) -> T | None:
        """The first column of the first row, or None."""
        return self._session.scalar(stmt)

    def first(self, stmt: Select[M]) -> M | None:
        """The first row of a statement, or None."""
        return self._session.scalars(stmt.limit(1)).first()

    def all(self, stmt: Select[M]) -> list[M]:
        """All rows of a statement."""
        return list(self._session.scalars(stmt))

    def add(self, row: Any) -> None:
        """Add a new row."""
        self._session.add(row)

    def add_all(self, rows: Iterable[Any]) -> None:
        """Add new rows."""
        for row in rows:
            self.add(row)

    def delete(self, row: Any) -> None:
        """Delete a row."""
        self._session.delete(row)

    def flush(self) -> None:
        """Send pending changes (to learn generated ids) without committing."""
        self._session.flush()

    def savepoint(self) -> SessionTransaction:
        """A nested transaction, committed or rolled back on its own."""
        return self._session.begin_nested()

    @staticmethod
    def select(model: type[M]) -> Select[M]:
        """SELECT rows of a model."""
        return select(model)


class Tenant(_Rows):
    """A session that only ever sees one workspace's rows."""

    def __init__(self, session: Session, team_id: str) -> None:
        super().__init__(session)
        self.team_id = team_id

    def get(self, model: type[M], key: Any) -> M | None:
        """A row by primary key, or None when it is absent or belongs to another workspace."""
        row = self._session.get(model, key)
        if row is None or getattr(row, "team_id", None) != self.team_id:
            return None
        return row

    @property
    def dialect(self) -> str:
        """The database's dialect name: "sqlite" or "postgresql"."""
        return str(self._session.get_bind().dialect.name)

    def lock(self, row: M) -> M:
        """Lock a loaded row until commit and reload it (PostgreSQL: FOR NO KEY UPDATE).

        The lock order is parent first: a product, then its items, then their updates. On
        SQLite a writer already holds the database's write lock, so this is a no-op.
        """
        if self.dialect == "sqlite":
            return row
        mapper = inspect(row).mapper
        key = mapper.primary_key_from_instance(row)
        stmt = (
            select(mapper.class_)
            .where(
                *(column == value for column, value in zip(mapper.primary_key, key, strict=True))
            )
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        locked: M = self._session.scalars(stmt).one()
        return locked

    def add(self, row: Any) -> None:
        """Add a row, stamping it with this workspace's team_id."""
        if getattr(row, "team_id", None) not in (None, self.team_id):
            raise PermissionError("row belongs to another workspace")
        row.team_id = self.team_id
        self._session.add(row)


class System(_Rows):
    """An unscoped session for work that spans workspaces; every use is deliberate."""

    def get(self, model: type[M], key: Any) -> M | None:
        """A row by primary key, whichever workspace it belongs to."""
        return self._session.get(model, key)
