"""The throwaway PostgreSQL server the suite runs against: it starts, serves, and goes away."""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import OperationalError

from tests.support import postgres
from tests.support.postgres import (
    NOT_FOUND_REASON,
    URL_ENV,
    PostgresServer,
    PostgresStartError,
    postgres_required,
    start_postgres,
)


def _start_or_give_up(base_dir: Path) -> PostgresServer:
    server = start_postgres(base_dir)
    if server is None:
        if postgres_required():
            pytest.fail(
                f"PostgreSQL is required (CI or FOLIO_REQUIRE_POSTGRES=1): {NOT_FOUND_REASON}"
            )
        pytest.skip(f"PostgreSQL tests not run: {NOT_FOUND_REASON}")
    return server


def test_server_answers_queries_and_is_gone_after_stop(tmp_path: Path) -> None:
    server = _start_or_give_up(tmp_path)
    started_here = not os.environ.get(URL_ENV, "").strip()
    engine = create_engine(server.url)
    try:
        with engine.begin() as connection:
            version = connection.execute(text("SELECT version()")).scalar_one()
            connection.execute(
                text("CREATE TABLE support_probe (id integer PRIMARY KEY, amount numeric(18, 2))")
            )
            connection.execute(
                text("INSERT INTO support_probe VALUES (1, :amount)"), {"amount": Decimal("12.34")}
            )
            amount = connection.execute(text("SELECT amount FROM support_probe")).scalar_one()
            database, timezone = connection.execute(
                text("SELECT current_database(), current_setting('TimeZone')")
            ).one()
        assert version.startswith("PostgreSQL ")
        assert amount == Decimal("12.34")
        if started_here:
            assert (database, timezone) == ("folio_test", "UTC")
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE support_probe"))
        assert not inspect(engine).has_table("support_probe")
    finally:
        engine.dispose()
        server.stop()
    server.stop()  # a second stop is harmless
    if started_here:
        assert server.cluster_dir is not None
        assert not server.cluster_dir.exists()
        stopped = create_engine(server.url, connect_args={"connect_timeout": 2})
        with pytest.raises(OperationalError):
            stopped.connect()
        stopped.dispose()


def test_url_from_environment_is_used_without_starting_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    external = "postgresql+psycopg://folio@db.example.invalid:5432/folio_test"
    monkeypatch.setenv(URL_ENV, external)
    server = start_postgres(tmp_path / "unused")
    assert server is not None
    assert (server.url, server.cluster_dir) == (external, None)
    server.stop()
    assert not (tmp_path / "unused").exists()


@pytest.mark.parametrize(
    ("ci", "require", "expected"),
    [
        ("true", None, True),
        ("1", None, True),
        ("TRUE", None, True),
        (None, "1", True),
        ("false", None, False),
        ("0", "0", False),
        (None, None, False),
    ],
)
def test_postgres_is_required_in_ci_or_when_asked(
    monkeypatch: pytest.MonkeyPatch, ci: str | None, require: str | None, expected: bool
) -> None:
    for name, value in (("CI", ci), ("FOLIO_REQUIRE_POSTGRES", require)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert postgres_required() is expected


def test_without_server_binaries_there_is_no_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(URL_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(postgres, "DEBIAN_VERSIONS_DIR", tmp_path / "no-postgresql")
    assert start_postgres(tmp_path / "base") is None


def test_newest_debian_version_is_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for version in ("9.6", "13", "16", "14"):
        bin_dir = tmp_path / version / "bin"
        bin_dir.mkdir(parents=True)
        for name in ("initdb", "pg_ctl", "postgres"):
            (bin_dir / name).write_text("#!/bin/sh\n")
            (bin_dir / name).chmod(0o755)
    (tmp_path / "17" / "bin").mkdir(parents=True)  # a client-only install: no server binaries
    (tmp_path / "17" / "bin" / "psql").write_text("#!/bin/sh\n")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(postgres, "DEBIAN_VERSIONS_DIR", tmp_path)
    assert postgres.find_postgres_bin_dir() == tmp_path / "16" / "bin"


def test_failed_start_raises_and_leaves_no_cluster_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "99" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("initdb", "pg_ctl", "postgres"):
        (bin_dir / name).write_text("#!/bin/sh\necho 'simulated failure' >&2\nexit 1\n")
        (bin_dir / name).chmod(0o755)
    monkeypatch.delenv(URL_ENV, raising=False)
    monkeypatch.setenv("PATH", f"{tmp_path / 'empty'}:/usr/sbin:/usr/bin:/sbin:/bin")
    monkeypatch.setattr(postgres, "DEBIAN_VERSIONS_DIR", tmp_path)
    system_tmp = Path(tempfile.gettempdir())
    before = set(system_tmp.glob("folio-postgres-*"))
    base = tmp_path / "base"
    with pytest.raises(PostgresStartError, match="initdb failed"):
        start_postgres(base)
    assert list(base.iterdir()) == []
    assert set(system_tmp.glob("folio-postgres-*")) <= before
