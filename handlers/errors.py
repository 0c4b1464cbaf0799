"""The one error handler: an unexpected failure becomes a short answer and a logged traceback.

The answer says what happened and what helps (handlers.advice): a Slack scope to add, a token
to reinstall, Slack being down, a role that could not be checked. It goes only to a request
Bolt has verified (`mark_verified` runs right after the signature check), through
`ResponseUrl`: Slack's hosts only, retried, with chat.postEphemeral when Slack refuses it.

Slash commands are acknowledged in the middleware, in the thread that answers Slack, so a
busy listener pool (Slack hanging under every thread) never turns one into Bolt's 404; and
an acknowledged request stays acknowledged when its listener fails (SettledAck).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.advice import APOLOGY, failure_text
from handlers.delivery.errors import api_error_code, needed_scope, response_messages
from handlers.delivery.respond import Asker, ResponseUrl
from handlers.directory import PeopleUnavailable

__all__ = ["APOLOGY", "apologise", "log_failure", "mark_verified", "register"]
ACK_TEXT = "folio_ack_text"  # set by handlers.inbox: what a command's ack says, if anything
log = logging.getLogger("folio.errors")
VERIFIED = "folio_verified"


def apologise(error: Exception, body: dict[str, Any], context: BoltContext) -> BoltResponse | None:
    """Log the failure with the request's context; tell the person what happened and why."""
    event = body.get("event") or {}
    log_failure(
        error,
        (
            body.get("team_id") or (body.get("team") or {}).get("id"),
            body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user"),
            body.get("command"),
            event.get("type"),
        ),
    )
    if not context.get(VERIFIED):
        return None  # never act on what an unverified request says (its response_url least)
    responder = context.get("respond")
    if not isinstance(responder, ResponseUrl):
        url = body.get("response_url") or context.response_url
        if not (url and isinstance(context.client, WebClient)):
            return None
        responder = ResponseUrl(response_url=url, client=context.client, asker=asker(context, body))
    try:
        responder(text=failure_text(error), response_type="ephemeral")
    except Exception:  # the answer is best effort; the failure is already logged
        log.exception("could not send the apology")
    return None


def log_failure(error: Exception, where: tuple[Any, Any, Any, Any]) -> None:
    """Log a failure once, with (team, user, command, event type): a warning for a role that
    could not be checked, Slack's refusal with the scope it needs, else the traceback."""
    if isinstance(error, PeopleUnavailable):
        log.warning("could not check a role team=%s user=%s command=%s event=%s: %s", *where, error)
    elif isinstance(error, SlackApiError):
        log.error(
            "Slack refused a call team=%s user=%s command=%s event=%s error=%s needed=%s "
            "messages=%s",
            *where,
            api_error_code(error),
            needed_scope(error),
            response_messages(error),
            exc_info=error,
        )
    else:
        log.error("unexpected error team=%s user=%s command=%s event=%s", *where, exc_info=error)


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


def mark_verified(context: BoltContext, next_: Callable[[], None]) -> None:
    """Bolt's before_authorize: it runs only once the signature (HTTP) or socket is checked."""
    context[VERIFIED] = True
    next_()


def keep_acknowledgement(
    context: BoltContext, body: dict[str, Any], next_: Callable[[], None]
) -> None:
    """An ack() a failing listener cannot take back; a slash command acknowledged at once."""
    ack = SettledAck()
    context["ack"] = ack
    if isinstance(body.get("command"), str):  # here, not in a pool thread waiting on Slack
        said = context.get(ACK_TEXT)  # "Folio is busy…" when the answer has to wait
        if said:
            ack(text=said, response_type="ephemeral")
        else:
            ack()
    next_()


def answer_through_response_url(
    context: BoltContext, body: dict[str, Any], next_: Callable[[], None]
) -> None:
    """Give every listener a respond() that posts only to Slack, retries and falls back."""
    url = context.response_url
    if url and isinstance(context.client, WebClient):
        context["respond"] = ResponseUrl(
            response_url=url, client=context.client, asker=asker(context, body)
        )
    next_()


def asker(context: BoltContext, body: dict[str, Any]) -> Asker:
    """Who asked and what, for the log and for an answer given another way."""
    command = body.get("command")
    what = f"{command} {(body.get('text') or '').split(' ', 1)[0][:20]}" if command else None
    return Asker(
        team_id=context.team_id,
        channel_id=context.channel_id,
        user_id=context.user_id,
        what=(what or str(body.get("type") or "request")).strip(),
    )


def register(app: App) -> None:
    """Install the error handler (and the ack and respond() it relies on)."""
    app.middleware(keep_acknowledgement)
    app.middleware(answer_through_response_url)
    app.error(apologise)
