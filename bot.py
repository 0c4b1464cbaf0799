"""Folio's composition root and command line.

Reads settings from the environment (the only module that does), builds the database,
the Bolt app and the scheduler, and starts the chosen mode:

    python bot.py [console|http|socket|migrate|import FILE]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

import handlers
from domain.services import Services, build_services
from domain.services.clock import system_clock
from domain.store import Store, make_engine
from handlers.chat import ChatUpdates
from handlers.delivery import build_client
from handlers.digests.scheduler import DigestJobs, DigestScheduler, workspace_clients
from handlers.directory import Directory
from handlers.inbox import InboxWorker

ROOT = Path(__file__).resolve().parent
SLACK_API_URL = "https://slack.com/api/"
BOT_SCOPES = (
    "commands",
    "chat:write",
    "channels:history",
    "groups:history",
    "im:history",
    "mpim:history",
    "reactions:write",
    "users:read",
    "im:write",
    "files:write",
    "channels:read",
    "groups:read",
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
        api_url = env.get("SLACK_API_URL") or SLACK_API_URL
        if not api_url.endswith("/"):
            api_url += "/"
        return cls(
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            client_id=env.get("SLACK_CLIENT_ID") or None,
            client_secret=env.get("SLACK_CLIENT_SECRET") or None,
            api_url=api_url,
            database_url=normalise_db_url(env.get("DATABASE_URL") or cls.database_url),
            port=int(env.get("PORT") or 3000),
            timezone=env.get("FOLIO_TIMEZONE") or "UTC",
            log_level=env.get("FOLIO_LOG_LEVEL") or "INFO",
            workers=int(env.get("WEB_CONCURRENCY") or 2),
            digest_poll_seconds=float(env.get("FOLIO_DIGEST_POLL_SECONDS") or 30),
            inbox_poll_seconds=float(env.get("FOLIO_INBOX_POLL_SECONDS") or 5),
            inbox_lease_seconds=float(env.get("FOLIO_INBOX_LEASE_SECONDS") or 60),
            inbox_max_age_seconds=float(env.get("FOLIO_INBOX_MAX_AGE_SECONDS") or 300),
        )

    def mode(self) -> str:
        """Socket Mode with an app token, HTTP with a signing secret, else the console."""
        if self.app_token:
            return "socket"
        if self.signing_secret:
            return "http"
        return "console"


def normalise_db_url(url: str) -> str:
    """Use psycopg 3 for postgres:// and postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


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
    executor = executor or ThreadPoolExecutor(max_workers=8, thread_name_prefix="folio-listener")
    bolt_kwargs: dict[str, Any] = {
        "listener_executor": executor,
        "signing_secret": settings.signing_secret,
        "client": client,
        "process_before_response": process_before_response,
        "logger": logging.getLogger("folio.bolt"),
    }
    if settings.client_id and settings.client_secret:
        bolt_kwargs["oauth_settings"] = oauth_settings(settings, engine)
    app = App(**bolt_kwargs)
    handlers.register(app, services, directory)
    clients = workspace_clients(
        token=settings.bot_token,
        base_url=settings.api_url,
        installation_store=app.installation_store if not settings.bot_token else None,
    )
    scheduler = DigestScheduler(
        DigestJobs(services, clients), interval_seconds=settings.digest_poll_seconds
    )
    services.inbox.policy = replace(
        services.inbox.policy, lease=timedelta(seconds=settings.inbox_lease_seconds)
    )
    inbox = InboxWorker(
        services,
        ChatUpdates(services, directory),
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


def oauth_settings(settings: Settings, engine: Any) -> OAuthSettings:
    """Multi-workspace installs: slack_sdk's SQLAlchemy installation and state stores."""
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    assert settings.client_id is not None
    installation_store = SQLAlchemyInstallationStore(client_id=settings.client_id, engine=engine)
    state_store = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
    installation_store.create_tables()  # type: ignore[no-untyped-call]
    state_store.metadata.create_all(engine)
    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installation_store,
        state_store=state_store,
    )


def create_wsgi_app(folio: Folio) -> Any:
    """The Flask app for HTTP mode: /slack/events, the OAuth pages, and /healthz."""
    from flask import Flask, request
    from slack_bolt.adapter.flask import SlackRequestHandler

    flask_app = Flask("folio")
    handler = SlackRequestHandler(folio.app)

    @flask_app.post("/slack/events")
    def slack_events() -> Any:
        return handler.handle(request)

    @flask_app.get("/slack/install")
    def slack_install() -> Any:
        return handler.handle(request)

    @flask_app.get("/slack/oauth_redirect")
    def slack_oauth_redirect() -> Any:
        return handler.handle(request)

    @flask_app.get("/healthz")
    def healthz() -> Any:
        problem = health_problem(folio)
        if problem is not None:
            return {"ok": False, "reason": problem}, 503
        return {"ok": True}

    return flask_app


def health_problem(folio: Folio) -> str | None:
    """Why Folio is unhealthy (the database cannot be written, the inbox backs up), or None."""
    try:
        backlog = folio.services.inbox.backlog()
    except Exception as error:
        log.warning("health check failed: %s", type(error).__name__)
        return f"database unavailable ({type(error).__name__})"
    if backlog.unwritable is not None:
        return f"database cannot be written ({backlog.unwritable})"
    if backlog.oldest is not None:
        waited = (folio.services.clock() - backlog.oldest).total_seconds()
        if waited > folio.settings.inbox_max_age_seconds:
            return f"inbox backing up: {backlog.pending} waiting, the oldest for {int(waited)} s"
    return None


def run_http(settings: Settings) -> None:
    """Serve HTTP mode with gunicorn (several workers share one database)."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{settings.port}")
            self.cfg.set("workers", settings.workers)
            self.cfg.set("threads", 4)
            self.cfg.set("timeout", 30)
            self.cfg.set("accesslog", "-")

        def load(self) -> Any:
            folio = create_app(settings)
            folio.scheduler.start()  # in every worker: the database claims keep posts single
            folio.inbox.start()  # likewise: a claim with a lease keeps each event single
            return create_wsgi_app(folio)

    Server().run()


def run_socket(settings: Settings) -> None:
    """Socket Mode: no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    folio = create_app(settings)
    folio.scheduler.start()
    folio.inbox.start()
    assert settings.app_token is not None
    handler = SocketModeHandler(
        folio.app, settings.app_token, web_client=slack_client(settings.app_token, settings.api_url)
    )
    handler.start()  # type: ignore[no-untyped-call]


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="bot.py", description="Folio, a Slack bot for product and portfolio management."
    )
    parser.add_argument(
        "mode",
        nargs="?",
        choices=["console", "http", "socket", "migrate", "import"],
        help="default: socket with SLACK_APP_TOKEN, http with SLACK_SIGNING_SECRET, else console",
    )
    parser.add_argument("file", nargs="?", help="import: the products CSV")
    parser.add_argument("--portfolio", help="import: portfolio name (default: the default one)")
    parser.add_argument("--team", help="import: team id (default: the only workspace)")
    args = parser.parse_args(argv)
    if args.mode == "import" and not args.file:
        parser.error("import needs a file: python bot.py import products.csv [--portfolio NAME]")
    settings = Settings.from_env()
    mode = args.mode or settings.mode()
    if mode == "console" and not args.mode and (settings.bot_token or settings.client_id):
        print(
            "Slack credentials are set but incomplete: add SLACK_APP_TOKEN (xapp-…) for Socket "
            "Mode or SLACK_SIGNING_SECRET for HTTP mode — or run `python bot.py console`.",
            file=sys.stderr,
        )
        return 2
    configure_logging(settings, console=mode == "console")
    migrate(settings.database_url)
    if mode == "migrate":
        print(f"Database is up to date ({redact(settings.database_url)}).")
        return 0
    if mode == "import":
        from console.importer import import_command

        return import_command(
            settings.database_url, Path(args.file), team_id=args.team, portfolio=args.portfolio
        )
    if mode == "console":
        from console.repl import run_console

        return run_console(settings, create_app=create_app)
    if mode in ("http", "socket") and not (settings.bot_token or settings.client_id):
        print(
            "Set SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) to run "
            f"in {mode} mode.",
            file=sys.stderr,
        )
        return 2
    if mode == "http":
        if not settings.signing_secret:
            print("Set SLACK_SIGNING_SECRET to run in http mode.", file=sys.stderr)
            return 2
        run_http(settings)
    else:
        if not settings.app_token:
            print("Set SLACK_APP_TOKEN (xapp-…) to run in socket mode.", file=sys.stderr)
            return 2
        run_socket(settings)
    return 0


def configure_logging(settings: Settings, *, console: bool) -> None:
    """One line per event; in the console, only warnings and errors (to stderr)."""
    level = "WARNING" if console else settings.log_level
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel("WARNING")
    logging.getLogger("apscheduler").setLevel("WARNING")  # it logs every 30-second tick


def redact(url: str) -> str:
    """A database URL without its password, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


__all__ = ["BoltResponse", "Folio", "Settings", "create_app", "create_wsgi_app", "main"]

if __name__ == "__main__":
    sys.exit(main())
