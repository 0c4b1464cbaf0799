"""Folio's composition root and command line.

Reads settings from the environment (the only module that does), builds the database,
the Bolt app and the scheduler, and starts the chosen mode:

    python bot.py [console|http|socket|migrate|import FILE]

A setting it cannot start with (a missing secret, PORT=abc, a database or Slack it cannot
reach, a token Slack rejects) is one line on stderr naming the variable, and exit status 2.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

import handlers
from domain.database_url import database_password, normalise_db_url, shown_url
from domain.services import Services, build_services
from domain.services.clock import system_clock
from domain.store import Store, make_engine
from handlers import web
from handlers.delivery import build_client
from handlers.digests.scheduler import DigestJobs, DigestScheduler, workspace_clients
from handlers.directory import Directory
from handlers.errors import mark_verified
from handlers.inbox import LISTENER_THREADS, InboxWorker
from handlers.installs import oauth_settings, resume_single_workspace, rotate_through
from handlers.log_safety import install, quiet_bolt
from handlers.startup import (
    StartupError,
    app_token_refused,
    check_app_token,
    check_credentials,
    check_slack,
    log_lines,
    not_a_database_url,
    parser,
    read_api_url,
    read_level,
    read_seconds,
    read_whole,
    read_zone,
    secrets_of,
    unreachable_database,
    unsupported_database,
)

ROOT = Path(__file__).resolve().parent
SLACK_API_URL = "https://slack.com/api/"
BOT_SCOPES = (
    "commands",  # /portfolio, /roadmap and the message shortcut
    "chat:write",  # answers, digests, DMs, and chat.update of what Folio posted
    "channels:history",  # message.channels: updates typed in public channels
    "groups:history",  # message.groups: … in private channels
    "im:history",  # message.im: … in a DM with Folio
    "mpim:history",  # message.mpim: … in group DMs
    "app_mentions:read",  # app_mention: @Folio help, @Folio CHK
    "reactions:write",  # ✅ on a recorded update
    "users:read",  # users.info: admins and owners are portfolio managers; time zones
    "im:write",  # conversations.open: reminders and proposal DMs
    "files:write",  # the charts
)
log = logging.getLogger("folio")


@dataclass(frozen=True)
class Settings:
    """Everything Folio reads from its environment."""

    bot_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    api_url: str = SLACK_API_URL
    database_url: str = field(default=f"sqlite:///{Path.cwd() / 'folio.db'}", repr=False)
    port: int = 3000
    timezone: str = "UTC"
    log_level: str = "INFO"
    workers: int = 2
    digest_poll_seconds: float = 30.0
    inbox_poll_seconds: float = 5.0
    inbox_lease_seconds: float = 60.0
    inbox_max_age_seconds: float = 300.0  # /healthz is unhealthy when an event waits longer
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from environment variables (and an optional .env file)."""
        if env is None:
            from dotenv import load_dotenv

            load_dotenv(Path.cwd() / ".env")
            env = os.environ
        api_url = read_api_url(env, SLACK_API_URL)
        return cls(
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            client_id=env.get("SLACK_CLIENT_ID") or None,
            client_secret=env.get("SLACK_CLIENT_SECRET") or None,
            api_url=api_url,
            database_url=normalise_db_url(env.get("DATABASE_URL") or cls.database_url),
            port=read_whole(env, "PORT", 3000, (1, 65535), "a port number"),
            timezone=read_zone(env, "FOLIO_TIMEZONE"),
            log_level=read_level(env, "FOLIO_LOG_LEVEL"),
            workers=read_whole(env, "WEB_CONCURRENCY", 2, (1, 64), "a number of workers"),
            digest_poll_seconds=read_seconds(env, "FOLIO_DIGEST_POLL_SECONDS", 30),
            inbox_poll_seconds=read_seconds(env, "FOLIO_INBOX_POLL_SECONDS", 5),
            inbox_lease_seconds=read_seconds(env, "FOLIO_INBOX_LEASE_SECONDS", 60),
            inbox_max_age_seconds=read_seconds(env, "FOLIO_INBOX_MAX_AGE_SECONDS", 300),
        )

    def mode(self) -> str:
        """Socket Mode with an app token, HTTP with a signing secret, else the console."""
        if self.app_token:
            return "socket"
        if self.signing_secret:
            return "http"
        return "console"


def slack_client(token: str | None, base_url: str) -> WebClient:
    """A WebClient that honours SLACK_API_URL and retries 429s, 5xx and connection errors."""
    return build_client(token, base_url=base_url, max_retries=3)


@dataclass
class Folio:
    """A built application: the Bolt app and what it runs on."""

    settings: Settings
    app: App
    services: Services
    store: Store
    directory: Directory
    executor: ThreadPoolExecutor
    scheduler: DigestScheduler
    inbox: InboxWorker


def migrate(database_url: str) -> None:
    """Upgrade the database to the newest migration."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = system_clock,
    process_before_response: bool = False,
    executor: ThreadPoolExecutor | None = None,
) -> Folio:
    """Build the Bolt app with its services (the application factory)."""
    engine = make_engine(settings.database_url)
    store = Store(engine)
    services = build_services(store, clock, timezone=settings.timezone)
    directory = Directory()
    client = slack_client(settings.bot_token, settings.api_url)
    executor = executor or ThreadPoolExecutor(
        max_workers=LISTENER_THREADS, thread_name_prefix="folio-listener"
    )
    bolt_kwargs: dict[str, Any] = {
        "listener_executor": executor,
        "signing_secret": settings.signing_secret,
        "client": client,
        "process_before_response": process_before_response,
        "logger": bolt_logger(),
        "before_authorize": mark_verified,  # runs once the signature has been checked
    }
    if settings.client_id and settings.client_secret:
        bolt_kwargs["oauth_settings"] = oauth_settings(
            settings.client_id, settings.client_secret, BOT_SCOPES, engine, services
        )
    app = App(**bolt_kwargs)
    processor = handlers.register(
        app, services, directory, listener_threads=getattr(executor, "_max_workers", 8)
    )
    rotator = None
    if "oauth_settings" in bolt_kwargs:  # token rotation through SLACK_API_URL, as every call
        oauth = bolt_kwargs["oauth_settings"]
        rotator = rotate_through(oauth, slack_client(None, settings.api_url))
    clients = workspace_clients(
        token=settings.bot_token,
        base_url=settings.api_url,
        installation_store=app.installation_store if not settings.bot_token else None,
        rotator=rotator,
    )
    scheduler = DigestScheduler(
        DigestJobs(services, clients), interval_seconds=settings.digest_poll_seconds
    )
    services.inbox.policy = replace(
        services.inbox.policy, lease=timedelta(seconds=settings.inbox_lease_seconds)
    )
    inbox = InboxWorker(
        services,
        processor,
        clients,
        poll_seconds=settings.inbox_poll_seconds,
    )
    return Folio(
        settings=settings,
        app=app,
        services=services,
        store=store,
        directory=directory,
        executor=executor,
        scheduler=scheduler,
        inbox=inbox,
    )


def bolt_logger() -> logging.Logger:
    """Bolt's base logger, without its token warning and its bad-signature body line."""
    logger = logging.getLogger("folio.bolt")
    quiet_bolt(logger)
    return logger


def create_wsgi_app(folio: Folio) -> Any:
    """The Flask app for HTTP mode: /slack/events, the OAuth pages, and /healthz."""
    return web.create_wsgi_app(
        folio.app,
        signing_secret=folio.settings.signing_secret,
        health=lambda: web.health_problem(
            folio.services, max_age_seconds=folio.settings.inbox_max_age_seconds
        ),
    )


def run_http(settings: Settings) -> None:
    """Serve HTTP mode with gunicorn (several workers share one database).

    The app is built once in the master (`preload_app`) and the workers fork from it, so
    they share its imported code and read-only memory; each worker then drops the database
    connections it inherited and starts its own digest scheduler and inbox worker (threads
    do not survive a fork).
    """
    from gunicorn.app.base import BaseApplication

    built: list[Folio] = []

    def post_fork(_server: Any, _worker: Any) -> None:
        folio = built[0]
        folio.store.engine.dispose(close=False)  # the master's connections stay the master's
        folio.scheduler.start()  # in every worker: the database claims keep posts single
        folio.inbox.start()  # likewise: a claim with a lease keeps each event single

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{settings.port}")
            self.cfg.set("workers", settings.workers)
            self.cfg.set("threads", 4)
            self.cfg.set("timeout", 30)
            self.cfg.set("accesslog", "-")
            self.cfg.set("preload_app", True)
            self.cfg.set("post_fork", post_fork)

        def load(self) -> Any:
            password = database_password(settings.database_url)
            install(secrets_of(settings, password), ("", "gunicorn.error", "gunicorn.access"))
            folio = create_app(settings)
            if settings.bot_token:  # a working token again: digests an uninstall paused resume
                resume_single_workspace(folio.app.client, folio.services)
            built.append(folio)
            wsgi = create_wsgi_app(folio)
            # What the master built lives as long as the workers do: frozen, the collector
            # of each worker no longer walks it in every full collection (nor copies its
            # pages by touching them).
            gc.freeze()
            return wsgi

    Server().run()


def run_socket(settings: Settings) -> None:
    """Socket Mode: no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    folio = create_app(settings)
    if settings.bot_token:  # a working token again: digests an uninstall paused resume
        resume_single_workspace(folio.app.client, folio.services)
    folio.scheduler.start()
    folio.inbox.start()
    assert settings.app_token is not None
    handler = SocketModeHandler(
        folio.app, settings.app_token, web_client=slack_client(settings.app_token, settings.api_url)
    )
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except SlackApiError as error:  # refused since start() checked it: still one line
        raise app_token_refused(error) from error
    log.info("Socket Mode connected")
    threading.Event().wait()


def main(argv: list[str] | None = None) -> int:
    """The command line: a setting Folio cannot start with is one line and exit status 2."""
    command_line = parser()
    args = command_line.parse_args(argv)
    if args.mode == "import" and not args.file:
        command_line.error("import needs a file: python bot.py import products.csv")
    try:
        return start(args)
    except StartupError as error:
        if os.environ.get("FOLIO_LOG_LEVEL", "").strip().upper() == "DEBUG":
            traceback.print_exception(error)
        print(error, file=sys.stderr)
        return 2


def start(args: argparse.Namespace) -> int:
    """Check the settings, open the database, check Slack, then run the chosen mode."""
    settings = Settings.from_env()
    mode = args.mode or settings.mode()
    if mode == "console" and not args.mode and (settings.bot_token or settings.client_id):
        raise StartupError(
            "Slack credentials are set but incomplete: add SLACK_APP_TOKEN (xapp-…) for Socket "
            "Mode or SLACK_SIGNING_SECRET for HTTP mode — or run `python bot.py console`."
        )
    check_credentials(settings, mode)
    configure_logging(settings, console=mode == "console")
    open_database(settings.database_url)
    if mode == "migrate":
        print(f"Database is up to date ({shown_url(settings.database_url)}).")
        return 0
    if mode == "import":
        from console.importer import import_command

        return import_command(
            settings.database_url, Path(args.file), team_id=args.team, portfolio=args.portfolio
        )
    if mode == "console":
        from console.repl import run_console

        return run_console(settings, create_app=create_app)
    if settings.bot_token:
        check_slack(settings.bot_token, settings.api_url)
    if mode == "socket" and settings.app_token:
        check_app_token(settings.app_token, settings.api_url)
    if mode == "http":
        run_http(settings)
    else:
        run_socket(settings)
    return 0


def configure_logging(settings: Settings, *, console: bool) -> None:
    """One line per event (console: warnings only), never a token, a secret or a body."""
    level = "WARNING" if console else settings.log_level
    log_lines(level, secrets_of(settings, database_password(settings.database_url)))


def open_database(url: str) -> None:
    """Migrate the database; each way that can fail is one StartupError line."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    try:
        make_url(url)
    except (ArgumentError, ValueError) as error:
        raise not_a_database_url() from error
    try:
        migrate(url)
    except (NoSuchModuleError, ImportError) as error:
        raise unsupported_database(shown_url(url)) from error
    except (SQLAlchemyError, OSError) as error:
        raise unreachable_database(shown_url(url), error) from error


__all__ = ["BoltResponse", "Folio", "Settings", "create_app", "create_wsgi_app", "main"]

if __name__ == "__main__":
    sys.exit(main())
