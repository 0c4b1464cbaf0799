"""Driving Folio's views in tests: App Home, modals, shortcuts — signed, through Bolt."""

from __future__ import annotations

import json
from typing import Any

from tests.slack.conftest import SlackDriver
from tests.support.blockkit import assert_valid_view
from tests.support.slack_requests import (
    app_home_opened_event,
    block_suggestion_payload,
    interactive_body,
    message_action_payload,
    slash_command_body,
    submitted_view,
    view_actions_payload,
    view_closed_payload,
    view_submission_payload,
)


def sent_views(slack: SlackDriver, *methods: str) -> list[dict[str, Any]]:
    """Every view Folio sent with these methods, oldest first, each checked against the schema."""
    views = []
    for call in slack.fake.calls:
        if call.method in methods:
            view = call.params["view"]
            view = json.loads(view) if isinstance(view, str) else view
            assert_valid_view(view)
            views.append(
                {**view, "_user": call.params.get("user_id"), "_id": call.params.get("view_id")}
            )
    return views


def homes(slack: SlackDriver, user: str) -> list[dict[str, Any]]:
    """The App Home views published for a person, oldest first."""
    return [v for v in sent_views(slack, "views.publish") if v["_user"] == user]


def open_home(slack: SlackDriver, user: str, *, team: str | None = None) -> dict[str, Any]:
    """The person opens the Home tab; returns the view Folio published."""
    before = len(homes(slack, user))
    slack.event(app_home_opened_event(user=user), team=team)
    slack.drain()
    published = homes(slack, user)
    assert len(published) == before + 1, "App Home was not published"
    return published[-1]


def text_of(view: dict[str, Any]) -> str:
    """Everything a person can read in a view."""
    return json.dumps(view.get("blocks", []), ensure_ascii=False)


def buttons(view: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    """The view's buttons by action id, with the id of the block each is in."""
    found = {}
    for block in view.get("blocks", []):
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        accessory = block.get("accessory")
        for element in [*elements, *([accessory] if accessory else [])]:
            if element.get("type") == "button":
                found[element["action_id"]] = (element, block.get("block_id", ""))
    return found


def interact(slack: SlackDriver, payload: dict[str, Any]) -> Any:
    """Send an interactivity payload; Bolt must answer it (never 404 unhandled request)."""
    response = slack.post(interactive_body(payload))
    assert response.status_code == 200, (response.status_code, response.data)
    return response


def press(
    slack: SlackDriver, view: dict[str, Any], action_id: str, *, user: str, team: str | None = None
) -> Any:
    """Press a button of a view (App Home) as this person."""
    element, block_id = buttons(view)[action_id]
    action = {
        "action_id": action_id,
        "block_id": block_id,
        "type": "button",
        "value": element["value"],
        "text": element["text"],
    }
    shown = {k: v for k, v in view.items() if not k.startswith("_")}
    payload = view_actions_payload(action, team_id=team or slack.team, user_id=user, view=shown)
    response = interact(slack, payload)
    slack.drain()
    return response


def modal(slack: SlackDriver) -> dict[str, Any]:
    """The modal Folio shows now: the last view it opened or updated."""
    views = sent_views(slack, "views.open", "views.update")
    assert views, "no modal was opened"
    return views[-1]


def submit(
    slack: SlackDriver,
    view: dict[str, Any],
    values: dict[str, dict[str, Any]],
    *,
    user: str,
    team: str | None = None,
) -> dict[str, Any]:
    """Submit a modal with these element states; returns Folio's answer (empty: closed)."""
    shown = {k: v for k, v in view.items() if not k.startswith("_")}
    payload = view_submission_payload(
        submitted_view(shown, values), team_id=team or slack.team, user_id=user
    )
    response = interact(slack, payload)
    slack.drain()
    body = response.data.decode() if response.data else ""
    return json.loads(body) if body.strip() else {}


def close(slack: SlackDriver, view: dict[str, Any], *, user: str) -> Any:
    """Close (cancel) a modal."""
    shown = {k: v for k, v in view.items() if not k.startswith("_")}
    return interact(slack, view_closed_payload(shown, team_id=slack.team, user_id=user))


def suggest(
    slack: SlackDriver, view: dict[str, Any], block_id: str, typed: str, *, user: str
) -> list[dict[str, Any]]:
    """Type in an external_select; returns the options Folio offers."""
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    payload = block_suggestion_payload(
        {k: v for k, v in view.items() if not k.startswith("_")},
        action_id=block["element"]["action_id"],
        block_id=block_id,
        value=typed,
        team_id=slack.team,
        user_id=user,
    )
    response = interact(slack, payload)
    options: list[dict[str, Any]] = json.loads(response.data)["options"]
    return options


def shortcut(
    slack: SlackDriver, ts: str, *, user: str, channel: str = "C0ROADMAP", team: str | None = None
) -> Any:
    """Use "Log as roadmap update" on the stored message `ts` of a channel."""
    message = next(m for m in slack.fake.messages(channel) if m["ts"] == ts)
    payload = message_action_payload(
        {k: message[k] for k in ("user", "ts", "text") if k in message},
        callback_id="log_update",
        team_id=team or slack.team,
        user_id=user,
        channel_id=channel,
        response_url=slack.fake.new_response_url(channel=channel, user=user),
    )
    response = interact(slack, payload)
    slack.drain()
    return response


def typed(text: str) -> dict[str, Any]:
    """A plain-text input's state."""
    return {"type": "plain_text_input", "value": text}


def picked(value: str, kind: str = "static_select") -> dict[str, Any]:
    """A select's state with this option picked."""
    return {
        "type": kind,
        "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
    }


def person(user_id: str) -> dict[str, Any]:
    """A users_select's state."""
    return {"type": "users_select", "selected_user": user_id}


def form_command(
    slack: SlackDriver,
    text: str,
    *,
    user: str,
    command: str = "/portfolio",
    channel: str = "C0GENERAL",
) -> None:
    """Run a slash command that opens a form (it answers with the form, not a message)."""
    body = slash_command_body(
        command,
        text,
        team_id=slack.team,
        user_id=user,
        channel_id=channel,
        response_url=slack.fake.new_response_url(channel=channel, user=user),
    )
    response = slack.post(body)
    assert response.status_code == 200, response.data
    slack.drain()
