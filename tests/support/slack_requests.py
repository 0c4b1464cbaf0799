"""Slack's documented request shapes for tests, signed like Slack signs them (dummy secret)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret"
VERIFICATION_TOKEN = "legacy-verification-token-dummy"
API_APP_ID = "A0FOLIO"
BOT_USER_ID = "UFOLIOBOT"


def sign(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Headers Slack sends with a request body: timestamp, v0 signature and content type."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    is_json = body.lstrip().startswith("{")
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/json" if is_json else "application/x-www-form-urlencoded",
    }


def _trigger_id() -> str:
    return f"1337.42.{uuid.uuid4().hex}"


def slash_command_body(
    command: str,
    text: str,
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    response_url: str,
    user_name: str = "alice",
    channel_name: str = "general",
    trigger_id: str | None = None,
    team_domain: str = "console",
    enterprise_id: str | None = None,
    enterprise_name: str | None = None,
    api_app_id: str = API_APP_ID,
) -> str:
    """A slash command request: the form fields Slack documents, url-encoded."""
    fields: dict[str, str] = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_domain,
    }
    if enterprise_id is not None:
        fields["enterprise_id"] = enterprise_id
        fields["enterprise_name"] = enterprise_name or enterprise_id
    fields.update(
        {
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or _trigger_id(),
        }
    )
    return urlencode(fields)


def event_body(
    event: dict[str, Any],
    *,
    team_id: str,
    event_id: str | None = None,
    api_app_id: str = API_APP_ID,
    event_time: int | None = None,
    bot_user_id: str = BOT_USER_ID,
) -> str:
    """An Events API ``event_callback`` envelope around one event, as JSON."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }
    return json.dumps(envelope)


def channel_type(channel: str) -> str:
    """The ``channel_type`` Slack reports for a conversation id."""
    return {"D": "im", "G": "group"}.get(channel[:1], "channel")


def message_event(
    text: str,
    *,
    user: str,
    channel: str,
    ts: str,
    team: str,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """A plain ``message`` event (what message.channels / message.im deliver)."""
    event: dict[str, Any] = {
        "type": "message",
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "user": user,
        "ts": ts,
        "team": team,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type(channel),
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def message_changed_event(
    text: str,
    *,
    previous_text: str,
    user: str,
    channel: str,
    ts: str,
    team: str,
    edited_ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """A ``message_changed`` event: ``message`` is the edited message, ``ts`` its original ts."""
    event_ts = edited_ts or _later(ts)
    message: dict[str, Any] = {
        "type": "message",
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "user": user,
        "team": team,
        "ts": ts,
        "edited": {"user": user, "ts": event_ts},
    }
    previous: dict[str, Any] = {
        "type": "message",
        "text": previous_text,
        "user": user,
        "ts": ts,
        "team": team,
    }
    if thread_ts is not None:
        message["thread_ts"] = thread_ts
        previous["thread_ts"] = thread_ts
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "message": message,
        "previous_message": previous,
        "channel": channel,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": channel_type(channel),
    }


def message_deleted_event(
    *,
    user: str,
    channel: str,
    ts: str,
    team: str,
    previous_text: str = "",
    deleted_event_ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """A ``message_deleted`` event: ``deleted_ts`` is the removed message's ts."""
    event_ts = deleted_event_ts or _later(ts)
    previous: dict[str, Any] = {
        "type": "message",
        "text": previous_text,
        "user": user,
        "ts": ts,
        "team": team,
    }
    if thread_ts is not None:
        previous["thread_ts"] = thread_ts
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": ts,
        "previous_message": previous,
        "channel": channel,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": channel_type(channel),
    }


def _later(ts: str) -> str:
    seconds, _, micros = ts.partition(".")
    return f"{int(seconds) + 60}.{micros or '000000'}"
