"""reactions.add and reactions.remove (the bot's own reactions)."""

from __future__ import annotations

from typing import Any

from console.loopback.records import ApiError, FakeChannel, Post, required
from console.loopback.state import Method, SlackState


def _target(slack: SlackState, params: dict[str, Any]) -> tuple[FakeChannel, str, str]:
    channel = slack.writable_channel(params)
    ts = required(params, "timestamp")
    name = required(params, "name").strip(":")
    if not name:
        raise ApiError("invalid_name")
    slack.check_target(channel.id, ts)
    return channel, ts, name


def add(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """reactions.add: once per message and emoji (then already_reacted)."""
    channel, ts, name = _target(slack, params)
    key = (channel.id, ts, name)
    if key in slack.reactions:
        raise ApiError("already_reacted")
    slack.reactions.add(key)
    message = slack.by_ts.get((channel.id, ts))
    if message is not None:
        reactions = message.setdefault("reactions", [])
        reactions.append({"name": name, "users": [slack.bot_user_id], "count": 1})
    slack.emit(Post("reaction", channel.id, None, ts, None, name, None, {"name": name}))
    return {}


def remove(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """reactions.remove: take the bot's reaction back (no_reaction if there is none)."""
    channel, ts, name = _target(slack, params)
    key = (channel.id, ts, name)
    if key not in slack.reactions:
        raise ApiError("no_reaction")
    slack.reactions.discard(key)
    message = slack.by_ts.get((channel.id, ts))
    if message is not None:
        message["reactions"] = [r for r in message.get("reactions", []) if r["name"] != name]
    extra = {"name": name, "removed": True}
    slack.emit(Post("reaction", channel.id, None, ts, None, name, None, extra))
    return {}


METHODS: dict[str, Method] = {"reactions.add": add, "reactions.remove": remove}
