"""The one error handler: an unexpected failure becomes a short apology and a logged traceback."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk.webhook import WebhookClient

log = logging.getLogger("folio.errors")
APOLOGY = (
    ":warning: Sorry, something went wrong on my side and nothing was changed. "
    "Please try again in a moment; if it keeps happening, tell your Folio admin."
)


def apologise(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
    """Log the failure with the request's context; tell the person without a traceback."""
    event = body.get("event") or {}
    log.error(
        "unexpected error team=%s user=%s command=%s event=%s",
        body.get("team_id") or (body.get("team") or {}).get("id"),
        body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user"),
        body.get("command"),
        event.get("type"),
        exc_info=error,
    )
    response_url = body.get("response_url")
    if response_url:
        try:
            WebhookClient(response_url).send(text=APOLOGY, response_type="ephemeral")
        except Exception:  # the apology is best effort; the failure is already logged
            log.exception("could not send the apology")
    return None


def register(app: App) -> None:
    """Install the error handler."""
    app.error(apologise)
