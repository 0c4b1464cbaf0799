"""`python bot.py import products.csv [--portfolio NAME] [--team T…]`: products from a CSV file.

The whole file is checked before anything is written, and written in one transaction: a
bad file names every problem of every bad row with its line number, in one pass (a cell
that doesn't read and an objective that doesn't exist alike), and imports nothing. Whoever can run
bot.py on the server holds the database, so the import acts as a workspace admin.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from domain.csv_format import CsvErrors, describe_problems
from domain.errors import FolioError, InvalidInput
from domain.services.clock import system_clock
from domain.services.transfer import ImportResult, TransferService
from domain.store import Store, make_engine
from domain.views import Actor

OPERATOR = "bot.py import"  # the actor's user id: the server's operator, not a Slack user


def read_csv_text(path: Path) -> str:
    """A CSV file's text (UTF-8, with or without Excel's byte-order mark)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"There is no file `{path}`.") from None
    except IsADirectoryError:
        raise InvalidInput(f"`{path}` is a folder; give the CSV file's path.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"`{path.name}` isn't UTF-8 text (byte {error.start + 1} can't be read). In Excel, "
            "save it as “CSV UTF-8 (comma delimited)”; in LibreOffice, choose the UTF-8 "
            "character set."
        ) from None


def run_import(
    settings_database_url: str, path: Path, *, team_id: str | None, portfolio: str | None
) -> ImportResult:
    """Import a products CSV into a workspace's portfolio; raises FolioError on any problem."""
    text = read_csv_text(path)
    engine = make_engine(settings_database_url)
    try:
        service = TransferService(Store(engine), system_clock)
        team = team_id or service.sole_workspace()
        actor = Actor(team_id=team, user_id=OPERATOR, is_admin=True)
        return service.import_csv(actor, text, portfolio=portfolio)
    finally:
        engine.dispose()


def import_products(
    settings_database_url: str, path: Path, *, team_id: str | None, portfolio: str | None
) -> int:
    """Import a products CSV; return how many products it created or updated."""
    return run_import(settings_database_url, path, team_id=team_id, portfolio=portfolio).count


def import_command(
    settings_database_url: str,
    path: Path,
    *,
    team_id: str | None,
    portfolio: str | None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The command line's import: print what happened and return the exit status (0 or 1)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        result = run_import(settings_database_url, path, team_id=team_id, portfolio=portfolio)
    except CsvErrors as error:  # every problem of every line, not only the first twenty
        print(describe_problems(error.problems, limit=None), file=err)
        return 1
    except FolioError as error:
        print(error.message, file=err)
        return 1
    print(
        f"Imported {result.count:,} products into {result.portfolio} ({result.team_id}): "
        f"{len(result.created):,} new, {len(result.updated):,} updated.",
        file=out,
    )
    return 0
