"""Export the console's demo portfolio, import it elsewhere in a new process, compare.

The export comes from `python bot.py console` (`/portfolio export` writes the DM'd file under
./charts/); the import is `python bot.py import FILE` in its own process against the test database
(SQLite and PostgreSQL), migrated by `python bot.py migrate` first.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from domain.csv_format import parse_products_csv
from domain.models import Base
from domain.services.clock import system_clock
from domain.services.transfer import TransferService
from domain.store import Store, make_engine
from domain.views import Actor
from tests.conftest import Database

ROOT = Path(__file__).resolve().parents[2]
TEAM = "T0IMPORT"
ADMIN = Actor(team_id=TEAM, user_id="U0ADMIN", is_admin=True)

pytestmark = pytest.mark.e2e


def clean_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "FOLIO_", "DATABASE_URL"))
    }
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo portfolio's CSV, exported through the console."""
    workdir = tmp_path_factory.mktemp("console")
    result = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "console"],
        input="/portfolio export\n:quit\n",
        capture_output=True,
        text=True,
        cwd=workdir,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Sent you *products-" in result.stdout
    (path,) = (workdir / "charts").glob("*-products-*.csv")
    return path


def run_bot(database: Database, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean_env(), "DATABASE_URL": database.url},
        timeout=120,
        check=False,
    )


def run_import(database: Database, path: Path) -> subprocess.CompletedProcess[str]:
    return run_bot(database, "import", str(path))


def migrated(database: Database) -> None:
    """The test database emptied, then built by the bot's own migrations."""
    engine = make_engine(database.url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    result = run_bot(database, "migrate")
    assert result.returncode == 0, result.stderr


@pytest.fixture
def target(database: Database, exported: Path) -> Iterator[TransferService]:
    """An empty USD portfolio in another database, with the objectives the export names."""
    from domain.commands.portfolio import SetupRequest
    from domain.services import build_services

    migrated(database)
    engine = make_engine(database.url)
    services = build_services(Store(engine))
    services.portfolios.setup(ADMIN, SetupRequest("Imported", "USD", None, None))
    rows = parse_products_csv(exported.read_text(encoding="utf-8-sig"))
    for key in sorted({key for row in rows for key in row.objectives}):
        services.objectives.add_objective(ADMIN, key, f"Objective {key}", Decimal(1))
    yield TransferService(Store(engine), system_clock)
    engine.dispose()


def test_importing_an_export_reproduces_the_portfolio(
    database: Database, exported: Path, target: TransferService
) -> None:
    original = exported.read_bytes()
    assert original.startswith(b"\xef\xbb\xbfkey,name,owner")
    result = run_import(database, exported)
    assert result.returncode == 0, result.stderr
    assert "Imported 10 products into Imported (T0IMPORT): 10 new, 0 updated." in result.stdout
    assert target.export(ADMIN, None).text == original.decode("utf-8-sig")
    again = run_import(database, exported)
    assert "0 new, 10 updated" in again.stdout
    assert target.export(ADMIN, None).text == original.decode("utf-8-sig")


def with_cell(line: str, column: int, text: str) -> str:
    """A CSV line (the demo's have no quoted commas) with one cell replaced."""
    cells = line.split(",")
    cells[column] = text
    return ",".join(cells)


def test_a_bad_file_imports_nothing_and_names_every_bad_line(
    database: Database, exported: Path, target: TransferService, tmp_path: Path
) -> None:
    lines = exported.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 11
    lines[2] = with_cell(lines[2], 6, "lots")  # investment
    lines[4] = with_cell(lines[4], 4, "flying")  # stage
    lines[6] = with_cell(lines[6], 10, "NOPE")  # objectives
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = target.export(ADMIN, None).text
    result = run_import(database, bad)
    assert result.returncode == 1
    # One pass: the cells that don't read and the objective the database lacks, together.
    assert "Nothing was imported: 3 lines have problems" in result.stderr
    assert "line 3: investment:" in result.stderr and "line 5: stage:" in result.stderr
    assert "line 7: objectives: there is no objective `NOPE`" in result.stderr
    assert target.export(ADMIN, None).text == before  # nothing written
    fixed = tmp_path / "fixed.csv"
    lines[2], lines[4] = exported.read_text(encoding="utf-8-sig").splitlines()[2:5:2]
    fixed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_import(database, fixed)
    assert result.returncode == 1
    assert "Nothing was imported: 1 line has problems" in result.stderr
    assert "line 7: objectives: there is no objective `NOPE`" in result.stderr
    assert target.export(ADMIN, None).text == before  # checked against the database: still none


def test_the_command_line_lists_every_problem_not_only_the_first_twenty(
    database: Database, exported: Path, target: TransferService, tmp_path: Path
) -> None:
    lines = exported.read_text(encoding="utf-8-sig").splitlines()
    header, first = lines[0], lines[1]
    rows = [with_cell(with_cell(first, 0, f"BAD{n}"), 6, "lots") for n in range(30)]
    bad = tmp_path / "many.csv"
    bad.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = run_import(database, bad)
    assert result.returncode == 1
    assert "Nothing was imported: 30 lines have problems" in result.stderr
    assert all(f"line {n}: investment:" in result.stderr for n in range(2, 32))
    assert "more problems" not in result.stderr


def test_a_missing_or_non_utf8_file_is_explained(database: Database, tmp_path: Path) -> None:
    migrated(database)
    assert "There is no file" in run_import(database, tmp_path / "nope.csv").stderr
    latin = tmp_path / "latin.csv"
    latin.write_bytes("key,name\nCAF,Caf\xe9\n".encode("latin-1"))
    result = run_import(database, latin)
    assert result.returncode == 1 and "CSV UTF-8" in result.stderr
