"""views.open, views.push, views.update and views.publish: recorded and answered as Slack does."""

from __future__ import annotations

from typing import Any

from console.loopback.records import ApiError, Post, optional, required
from console.loopback.state import Method, SlackState


def _view(params: dict[str, Any]) -> dict[str, Any]:
    view = params.get("view")
    if not isinstance(view, dict) or not view.get("type"):
        raise ApiError("invalid_arguments")
    return view


def _store(
    slack: SlackState, view: dict[str, Any], view_id: str, user: str | None, method: str
) -> dict[str, Any]:
    stored = {
        **view,
        "id": view_id,
        "team_id": slack.team_id,
        "state": {"values": {}},
        "hash": slack.next_ts(),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "root_view_id": view_id,
        "app_id": slack.app_id,
        "bot_id": slack.bot_id,
    }
    slack.views[view_id] = stored
    title = view.get("title")
    title_text = str(title.get("text", "")) if isinstance(title, dict) else ""
    extra = {"view": dict(stored), "method": method}
    slack.emit(Post("view", None, user, None, None, title_text, view.get("blocks"), extra))
    return {"view": stored}


def open_view(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """views.open: a modal, opened with a trigger_id."""
    required(params, "trigger_id")
    return _store(slack, _view(params), slack.next_id("V"), None, "views.open")


def push(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """views.push: a modal on top of the open one."""
    required(params, "trigger_id")
    return _store(slack, _view(params), slack.next_id("V"), None, "views.push")


def update(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """views.update: replace a view named by view_id or external_id."""
    view = _view(params)
    view_id = optional(params, "view_id")
    external_id = optional(params, "external_id")
    if view_id is None and external_id is not None:
        view_id = next(
            (k for k, v in slack.views.items() if v.get("external_id") == external_id), None
        )
    if view_id is None or view_id not in slack.views:
        raise ApiError("not_found")
    return _store(slack, view, view_id, None, "views.update")


def publish(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """views.publish: a member's App Home (one view id per member)."""
    user = required(params, "user_id")
    if user not in slack.users:
        raise ApiError("user_not_found")
    view = _view(params)
    view_id = slack.home_views.get(user) or slack.next_id("V")
    slack.home_views[user] = view_id
    return _store(slack, view, view_id, user, "views.publish")


METHODS: dict[str, Method] = {
    "views.open": open_view,
    "views.push": push,
    "views.update": update,
    "views.publish": publish,
}
