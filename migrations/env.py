"""Alembic environment: the same settings as the bot (DATABASE_URL), the models' metadata."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import pool

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
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
