"""The one error handler: an unexpected failure becomes a short apology and a logged traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse
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


class SettledAck(Ack):
    """Bolt's ack(), except that an acknowledged request stays acknowledged.

    When a slash command, button or view listener raises after calling ack(), slack_bolt
    (1.30, ThreadListenerRunner) resets `ack.response` to None. Its HTTP thread polls for the
    ack every 10 ms; if the listener failed between two polls, the ack is lost, Bolt waits
    out the 3 s and answers Slack 404 "unhandled request" on top of the apology.
    """

    def __init__(self) -> None:
        self._settled: BoltResponse | None = None
        super().__init__()  # type: ignore[no-untyped-call]

    @property
    def response(self) -> BoltResponse | None:
        """The acknowledgement, once there is one."""
        return self._settled

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None or self._settled is None:
            self._settled = value


def keep_acknowledgement(context: BoltContext, next_: Callable[[], None]) -> None:
    """Give every request an ack() that a failing listener cannot take back."""
    context["ack"] = SettledAck()
    next_()


def register(app: App) -> None:
    """Install the error handler (and the ack it relies on being kept)."""
    app.middleware(keep_acknowledgement)
    app.error(apologise)
