"""`alembic upgrade head` on an empty database, and `alembic check`: models and migrations agree."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import inspect, text

from domain.models import Base
from domain.store import make_engine
from tests.conftest import Database
from tests.e2e.conftest import PYTHON, ROOT, clean_env


def empty(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def alembic(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "alembic", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=clean_env(DATABASE_URL=url),
        timeout=120,
        check=False,
    )


def test_upgrade_on_empty_database_then_check(database: Database) -> None:
    empty(database.url)
    upgrade = alembic(database.url, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    tables = set(inspect(make_engine(database.url)).get_table_names())
    assert set(Base.metadata.tables) <= tables
    check = alembic(database.url, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_bot_migrate_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    result = subprocess.run(
        [PYTHON, str(ROOT / "bot.py"), "migrate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(DATABASE_URL=url),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
