"""Alembic environment: the same settings as the bot (DATABASE_URL), the models' metadata."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import event, pool

from domain.models import Base
from domain.store import make_engine

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    """The URL given by the caller, else the bot's settings."""
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from bot import Settings

    return Settings.from_env().database_url


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave tables others create for themselves out of our migrations.

    slack_sdk's OAuth tables (`slack_…`) and the console's own (`console_…`, its clock).
    """
    return not (type_ == "table" and name is not None and name.startswith(("slack_", "console_")))


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url(), poolclass=pool.NullPool)
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        event.listen(engine, "connect", _without_cascades)  # after make_engine's, which sets ON
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)
    engine.dispose()


def _without_cascades(dbapi_connection: Any, _record: Any) -> None:
    """SQLite migrations run with foreign keys off (set before any transaction begins).

    Batch mode changes a table by copying it, dropping the old one and renaming the copy.
    With foreign keys on, that DROP deletes every row that references the table through
    `ON DELETE CASCADE`: upgrading an 0007 database lost every objective link, roadmap item,
    update, metric and piece of feedback of its products.
    """
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")


def _check_foreign_keys(connection: Any) -> None:
    """Refuse (and roll back) a migration that leaves a row pointing at nothing."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise RuntimeError(
            f"the migration would leave {len(broken)} row(s) referring to missing rows "
            f"(in {', '.join(tables)}); nothing was changed"
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
