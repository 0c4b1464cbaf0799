"""HTTP mode's WSGI app: /slack/events behind the request guard, the OAuth pages, /healthz."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from domain.services import Services
from handlers import guard

log = logging.getLogger("folio.web")


def create_wsgi_app(
    app: App, *, signing_secret: str | None, health: Callable[[], str | None]
) -> Any:
    """The Flask app serving a Bolt app: events and interactivity, installs, health."""
    from flask import Flask, request
    from slack_bolt.adapter.flask import SlackRequestHandler

    flask_app = Flask("folio")
    flask_app.config["MAX_CONTENT_LENGTH"] = guard.MAX_BODY_BYTES  # a chunked body too: 413
    handler = SlackRequestHandler(app)

    @flask_app.post("/slack/events")
    def slack_events() -> Any:
        return guard.refuse(request, signing_secret) or handler.handle(request)

    @flask_app.get("/slack/install")
    def slack_install() -> Any:
        return handler.handle(request)

    @flask_app.get("/slack/oauth_redirect")
    def slack_oauth_redirect() -> Any:
        return handler.handle(request)

    @flask_app.get("/healthz")
    def healthz() -> Any:
        problem = health()
        if problem is not None:
            return {"ok": False, "reason": problem}, 503
        return {"ok": True}

    return flask_app


def health_problem(services: Services, *, max_age_seconds: float) -> str | None:
    """Why Folio is unhealthy (the database cannot be written, the inbox backs up), or None.

    The inbox backs up when a row has been due longer than `max_age_seconds` and no runner
    has taken it: runners are stuck or gone, and a restart helps. Rows waiting out their
    backoff while Slack fails do not count: every replica would report them, and restarting
    every replica during a Slack outage helps nobody.
    """
    try:
        backlog = services.inbox.backlog()
    except Exception as error:
        log.warning("health check failed: %s", type(error).__name__)
        return f"database unavailable ({type(error).__name__})"
    if backlog.unwritable is not None:
        return f"database cannot be written ({backlog.unwritable})"
    if backlog.overdue_since is not None:
        waited = (services.clock() - backlog.overdue_since).total_seconds()
        if waited > max_age_seconds:
            return (
                f"inbox backing up: {backlog.pending} waiting, one due for {int(waited)} s "
                "and not taken"
            )
    return None
