"""Slack's documented request shapes for tests, signed like Slack signs them (dummy secret)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Sequence
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


def interactive_body(payload: dict[str, Any]) -> str:
    """An interactivity request as Slack sends it: form-encoded, the JSON in `payload`."""
    return urlencode({"payload": json.dumps(payload)})


def block_actions_payload(
    action: dict[str, Any],
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    response_url: str,
    message: dict[str, Any] | None = None,
    message_ts: str | None = None,
    is_ephemeral: bool = False,
    user_name: str = "alice",
    api_app_id: str = API_APP_ID,
) -> dict[str, Any]:
    """A `block_actions` payload for a button or menu on a message (Slack's documented shape).

    `action` is the element pressed, as Slack reports it: action_id, block_id, type and
    `value` (a button) or `selected_option` (a menu); `action_ts` is added if missing.
    `message` is the message clicked on (absent for an ephemeral one, as in Slack).
    """
    ts = message_ts or (message or {}).get("ts") or f"{int(time.time())}.000100"
    pressed = {"action_ts": f"{time.time():.6f}", **action}
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": _trigger_id(),
        "team": {"id": team_id, "domain": "console"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "general"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [pressed],
    }
    if message is not None and not is_ephemeral:
        payload["message"] = {"type": "message", "ts": ts, **message}
    return payload


def pressed(element: dict[str, Any], block_id: str, *, option: int = 0) -> dict[str, Any]:
    """What Slack reports for pressing a button (or picking option N of a menu) of ours."""
    action: dict[str, Any] = {
        "action_id": element["action_id"],
        "block_id": block_id,
        "type": element["type"],
    }
    if element["type"] == "button":
        action["value"] = element["value"]
        action["text"] = element["text"]
    else:
        action["selected_option"] = element["options"][option]
    return action


def app_mention_event(
    text: str, *, user: str, channel: str, ts: str, team: str, thread_ts: str | None = None
) -> dict[str, Any]:
    """An ``app_mention`` event (``text`` starts with ``<@UFOLIOBOT>`` as Slack writes it)."""
    event: dict[str, Any] = {
        "type": "app_mention",
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "user": user,
        "ts": ts,
        "team": team,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def app_uninstalled_event() -> dict[str, Any]:
    """An ``app_uninstalled`` event: Folio was removed from the workspace."""
    return {"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"}


def tokens_revoked_event(*, bot: Sequence[str] = (), oauth: Sequence[str] = ()) -> dict[str, Any]:
    """A ``tokens_revoked`` event: the bot user ids (and user ids) whose tokens were revoked."""
    return {
        "type": "tokens_revoked",
        "tokens": {"oauth": list(oauth), "bot": list(bot)},
        "event_ts": f"{time.time():.6f}",
    }


def _user(team_id: str, user_id: str, user_name: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def view_actions_payload(
    action: dict[str, Any],
    *,
    team_id: str,
    user_id: str,
    view: dict[str, Any],
    user_name: str = "alice",
    api_app_id: str = API_APP_ID,
) -> dict[str, Any]:
    """A `block_actions` payload for a button in a view (App Home or a modal): no channel,
    no response_url, the view itself (its id, hash and state) as Slack sends it."""
    return {
        "type": "block_actions",
        "user": _user(team_id, user_id, user_name),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": view.get("id", "V0HOME")},
        "trigger_id": _trigger_id(),
        "team": {"id": team_id, "domain": "console"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [{"action_ts": f"{time.time():.6f}", **action}],
    }


def submitted_view(
    view: dict[str, Any], values: dict[str, dict[str, Any]], *, view_id: str = "V0MODAL"
) -> dict[str, Any]:
    """A view as view_submission carries it: ours, plus Slack's id, hash and the state.

    `values` maps block_id to the element's state, e.g. {"type": "plain_text_input",
    "value": "CHK"}; the action id is read from the view's own input block.
    """
    actions = {
        b["block_id"]: b["element"]["action_id"]
        for b in view.get("blocks", [])
        if b.get("type") == "input"
    }
    state = {block: {actions.get(block, block): element} for block, element in values.items()}
    return {
        "id": view_id,
        "team_id": view.get("team_id", ""),
        "hash": f"{int(time.time())}.abc",
        "root_view_id": view_id,
        "previous_view_id": None,
        "app_id": API_APP_ID,
        "external_id": "",
        "bot_id": "BFOLIOBOT",
        "clear_on_close": False,
        "notify_on_close": True,
        **view,
        "state": {"values": state},
    }


def view_submission_payload(
    view: dict[str, Any], *, team_id: str, user_id: str, user_name: str = "alice"
) -> dict[str, Any]:
    """A `view_submission` payload (Slack's documented shape)."""
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "console"},
        "user": _user(team_id, user_id, user_name),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed_payload(
    view: dict[str, Any], *, team_id: str, user_id: str, user_name: str = "alice"
) -> dict[str, Any]:
    """A `view_closed` payload: the person closed (cancelled) a modal with notify_on_close."""
    return {
        "type": "view_closed",
        "team": {"id": team_id, "domain": "console"},
        "user": _user(team_id, user_id, user_name),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "view": view,
        "is_cleared": False,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def block_suggestion_payload(
    view: dict[str, Any],
    *,
    action_id: str,
    block_id: str,
    value: str,
    team_id: str,
    user_id: str,
    user_name: str = "alice",
) -> dict[str, Any]:
    """A `block_suggestion` payload: the person typed `value` in an external_select."""
    return {
        "type": "block_suggestion",
        "user": _user(team_id, user_id, user_name),
        "container": {"type": "view", "view_id": view.get("id", "V0MODAL")},
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "team": {"id": team_id, "domain": "console"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
    }


def message_action_payload(
    message: dict[str, Any],
    *,
    callback_id: str,
    team_id: str,
    user_id: str,
    channel_id: str,
    response_url: str,
    user_name: str = "alice",
    channel_name: str = "general",
) -> dict[str, Any]:
    """A `message_action` payload: a message shortcut used on `message` (type, user, ts, text)."""
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": {"id": team_id, "domain": "console"},
        "user": {"id": user_id, "name": user_name, "username": user_name, "team_id": team_id},
        "channel": {"id": channel_id, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": _trigger_id(),
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": {"type": "message", **message},
    }


def app_home_opened_event(
    *, user: str, tab: str = "home", view: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An ``app_home_opened`` event (``view`` is the published view, absent the first time)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D{user}",
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = view
    return event


def _later(ts: str) -> str:
    seconds, _, micros = ts.partition(".")
    return f"{int(seconds) + 60}.{micros or '000000'}"
