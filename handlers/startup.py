"""Starting Folio: the command line's help, and what cannot work said in one line that names
the setting and the fix.

bot.py reads the environment and hands each value to a `read_…` function here, which returns
it checked or raises StartupError naming the variable. Before a server starts, the database
must open and migrate (bot.open_database, which words its failures with the functions here)
and Slack must take the bot token (auth.test). bot.py prints a
StartupError's message alone, exit status 2, with the traceback only at FOLIO_LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import math
from collections.abc import Mapping
from typing import Protocol
from urllib.error import URLError
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.delivery.client import build_client
from handlers.delivery.errors import (
    Remedy,
    api_error_code,
    api_error_status,
    needed_scope,
    remedy,
)
from handlers.log_safety import install, one_line, redact

CHECK_TIMEOUT = 5
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_EXAMPLES = "sqlite:///folio.db or postgresql://user:password@host:5432/folio"
FIND_THE_BOT_TOKEN = (
    "copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page at "  # noqa: S105
    "https://api.slack.com/apps (reinstall the app if it was revoked)"
)


class StartupError(Exception):
    """A setting Folio cannot start with; the message is one line for the person running it."""


class Credentials(Protocol):
    """The settings the start-up checks read (bot.Settings)."""

    @property
    def bot_token(self) -> str | None: ...
    @property
    def signing_secret(self) -> str | None: ...
    @property
    def app_token(self) -> str | None: ...
    @property
    def client_id(self) -> str | None: ...
    @property
    def client_secret(self) -> str | None: ...
    @property
    def database_url(self) -> str: ...


MODES = (
    ("console", "a terminal that plays Slack, with a demo portfolio (needs nothing set)"),
    ("http", "serve Slack's requests on PORT with gunicorn (production)"),
    ("socket", "connect to Slack with Socket Mode: no public URL needed"),
    ("migrate", "upgrade the database to the newest schema, then exit"),
    ("import", "import products from a CSV file: import FILE [--portfolio NAME] [--team T…]"),
)
ENVIRONMENT = (
    ("SLACK_BOT_TOKEN", "bot token (xoxb-…) of one workspace"),
    ("SLACK_SIGNING_SECRET", "verifies Slack's requests; http mode needs it"),
    ("SLACK_APP_TOKEN", "app-level token (xapp-…); socket mode needs it"),
    ("SLACK_CLIENT_ID", "with SLACK_CLIENT_SECRET: installs in several workspaces (http)"),
    ("SLACK_API_URL", "Web API base URL (default https://slack.com/api/)"),
    ("DATABASE_URL", "sqlite:///folio.db (default) or postgresql://user:password@host/db"),
    ("PORT", "http mode's port (default 3000)"),
    ("WEB_CONCURRENCY", "http mode's gunicorn workers (default 2)"),
    ("FOLIO_TIMEZONE", "digests' default time zone (default UTC)"),
    ("FOLIO_LOG_LEVEL", "DEBUG, INFO (default), WARNING or ERROR"),
)
EXAMPLES = (
    "SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… python bot.py socket",
    'python bot.py import products.csv --portfolio "Products"',
)


def parser() -> argparse.ArgumentParser:
    """The command line's arguments, with the modes, the environment and examples in --help."""
    modes = "\n".join(f"  {name:<9} {text}" for name, text in MODES)
    names = "\n".join(f"  {name:<21} {text}" for name, text in ENVIRONMENT)
    examples = "\n".join(f"  {example}" for example in EXAMPLES)
    command_line = argparse.ArgumentParser(
        prog="bot.py",
        description="Folio, a Slack bot for product and portfolio management.",
        epilog=f"modes:\n{modes}\n\nenvironment (or a .env file in the working directory):\n"
        f"{names}\n\nexamples:\n{examples}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command_line.add_argument(
        "mode",
        nargs="?",
        choices=[name for name, _ in MODES],
        help="default: socket with SLACK_APP_TOKEN, http with SLACK_SIGNING_SECRET, else console",
    )
    command_line.add_argument("file", nargs="?", help="import: the products CSV")
    command_line.add_argument("--portfolio", help="import: portfolio name (default: the default)")
    command_line.add_argument("--team", help="import: team id (default: the only workspace)")
    return command_line


def check_credentials(settings: Credentials, mode: str) -> None:
    """Every Slack setting the mode needs, named in one line when missing or mixed up."""
    needed: list[str] = []
    if mode == "http" and not settings.signing_secret:
        needed.append("SLACK_SIGNING_SECRET")
    if mode == "socket" and not settings.app_token:
        needed.append("SLACK_APP_TOKEN (xapp-…)")
    if mode in ("http", "socket") and not (
        settings.bot_token or (settings.client_id and settings.client_secret)
    ):
        needed.append("SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)")
    if needed:
        raise StartupError(
            f"{mode} mode needs {' and '.join(needed)}: set them in the environment or in "
            ".env (`python bot.py --help` lists every setting)."
        )
    if settings.bot_token and settings.bot_token.startswith("xapp-"):
        raise StartupError(
            "SLACK_BOT_TOKEN holds an app-level token (xapp-…): move it to SLACK_APP_TOKEN and "
            "set SLACK_BOT_TOKEN to the bot token (xoxb-…)."
        )
    if mode == "socket" and settings.app_token and not settings.app_token.startswith("xapp-"):
        raise StartupError(
            "SLACK_APP_TOKEN must be an app-level token (xapp-…): create one with "
            "connections:write under Basic Information → App-Level Tokens."
        )


def secrets_of(settings: Credentials, database_password: str | None) -> list[str]:
    """Every secret the settings hold, for the log filter to redact by value."""
    secrets = [settings.signing_secret, settings.client_secret, settings.bot_token]
    secrets += [settings.app_token, database_password]
    return [str(secret) for secret in secrets if secret]


def not_a_database_url() -> StartupError:
    """DATABASE_URL can't be read as a URL."""
    return StartupError(f"DATABASE_URL is not a database URL: use {DATABASE_EXAMPLES}.")


def unsupported_database(shown: str) -> StartupError:
    """DATABASE_URL names a database (a driver) Folio doesn't have."""
    return StartupError(
        f"DATABASE_URL={shown} names a database Folio doesn't support: use {DATABASE_EXAMPLES}."
    )


def unreachable_database(shown: str, error: BaseException) -> StartupError:
    """The database at DATABASE_URL could not be opened or migrated."""
    return StartupError(
        f"Could not open the database at DATABASE_URL={shown} ({reason(error)}): check the path "
        "(its folder must exist and be writable) or the host, port, user, password and "
        "database name, and that the server runs."
    )


def _shown(text: str) -> str:
    return one_line(text)[:60]


def read_whole(
    env: Mapping[str, str], name: str, default: int, bounds: tuple[int, int], what: str
) -> int:
    """A whole number setting within bounds; StartupError naming it otherwise."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    low, high = bounds
    if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
        raise StartupError(
            f"{name}={_shown(text)} is not {what}: set {name} to a whole number from {low} to "
            f"{high} (default {default})."
        )
    return int(text)


def read_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds (at most a day); StartupError naming it otherwise."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 86_400:
        raise StartupError(
            f"{name}={_shown(text)} is not a number of seconds: set {name} to a number "
            f"above 0, like {default:g} (the default)."
        )
    return value


def read_level(env: Mapping[str, str], name: str) -> str:
    """A log level name; StartupError naming the setting otherwise."""
    text = (env.get(name) or "INFO").strip().upper()
    if text not in LOG_LEVELS:
        raise StartupError(
            f"{name}={_shown(text)} is not a log level: use one of {', '.join(LOG_LEVELS)} "
            "(default INFO)."
        )
    return text


def read_zone(env: Mapping[str, str], name: str) -> str:
    """An IANA time zone name; StartupError naming the setting otherwise."""
    text = (env.get(name) or "UTC").strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise StartupError(
            f"{name}={_shown(text)} is not a time zone: use an IANA name such as "
            "Europe/Berlin or America/New_York (default UTC)."
        ) from None
    return text


def read_api_url(env: Mapping[str, str], default: str) -> str:
    """SLACK_API_URL with its trailing slash; StartupError unless it is an http(s) URL."""
    url = (env.get("SLACK_API_URL") or default).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StartupError(
            f"SLACK_API_URL={_shown(url)} is not an http(s) URL: unset it for "
            f"{default}, or give the whole base URL, like https://slack-gov.com/api/."
        )
    return url if url.endswith("/") else url + "/"


def reason(error: BaseException) -> str:
    """The first line of what went wrong, short, with no password or token in it."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines() or [type(cause).__name__]
    text = one_line(redact(lines[0]))
    return text if len(text) <= 160 else text[:159] + "…"


def check_slack(token: str, api_url: str) -> None:
    """auth.test with the bot token: Slack reachable at SLACK_API_URL, and the token taken."""
    client = build_client(
        token, base_url=api_url, max_retries=1, timeout=CHECK_TIMEOUT, logger=_quiet()
    )
    try:
        client.auth_test()
    except SlackApiError as error:
        code = api_error_code(error)
        what = remedy(code, api_error_status(error))
        if what is Remedy.LATER:
            raise StartupError(
                f"Slack at SLACK_API_URL={api_url} answered auth.test with {code}: try again "
                "in a minute, or check SLACK_API_URL (unset it for https://slack.com/api/)."
            ) from error
        if what is Remedy.SCOPE:
            raise StartupError(
                f"SLACK_BOT_TOKEN lacks the scope {needed_scope(error) or 'auth.test needs'}: "
                "add it under oauth_config.scopes.bot in manifest.yml and reinstall the app."
            ) from error
        raise StartupError(
            f"Slack rejected SLACK_BOT_TOKEN ({code}): {FIND_THE_BOT_TOKEN}."
        ) from error
    except (SlackClientError, OSError, http.client.HTTPException) as error:
        raise StartupError(
            f"Could not reach Slack at SLACK_API_URL={api_url} ({unreachable(error)}): check "
            "the URL (unset it for https://slack.com/api/) and the network."
        ) from error
    except ValueError as error:  # an answer that isn't Slack's JSON
        raise StartupError(
            f"SLACK_API_URL={api_url} did not answer like Slack's Web API: check the URL "
            "(unset it for https://slack.com/api/)."
        ) from error


def _quiet() -> logging.Logger:
    """slack_sdk's logger for the checks: the one line says it all (at DEBUG, more)."""
    quiet = logging.getLogger("folio.startup.slack")
    quiet.setLevel(logging.DEBUG if logging.getLogger().isEnabledFor(logging.DEBUG) else 100)
    return quiet


def unreachable(error: BaseException) -> str:
    """Why a connection failed, in a few words."""
    cause = error.reason if isinstance(error, URLError) else error
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror.lower()
    if isinstance(cause, BaseException):
        return reason(cause) if str(cause) else type(cause).__name__
    return one_line(str(cause))[:160]


def check_app_token(app_token: str, api_url: str) -> None:
    """apps.connections.open with the app-level token: Socket Mode will be let in."""
    client = build_client(
        None, base_url=api_url, max_retries=1, timeout=CHECK_TIMEOUT, logger=_quiet()
    )
    try:
        client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        raise app_token_refused(error) from error
    except (SlackClientError, OSError, http.client.HTTPException) as error:
        raise StartupError(
            f"Could not reach Slack at SLACK_API_URL={api_url} ({unreachable(error)}): check "
            "the URL (unset it for https://slack.com/api/) and the network."
        ) from error


def app_token_refused(error: SlackApiError) -> StartupError:
    """Socket Mode's apps.connections.open refused SLACK_APP_TOKEN: what to do about it."""
    code = api_error_code(error)
    return StartupError(
        f"Slack rejected SLACK_APP_TOKEN ({code}): create an app-level token with the "
        "connections:write scope under Basic Information → App-Level Tokens, and enable "
        "Socket Mode for the app."
    )


def log_lines(level: str, secrets: list[str]) -> None:
    """One line per event at `level`, never a token, a secret (by value) or a body."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger().setLevel(level)  # also when something set up a handler before us
    logging.getLogger("alembic").setLevel("WARNING")
    logging.getLogger("apscheduler").setLevel("WARNING")  # it logs every 30-second tick
    install(secrets)
