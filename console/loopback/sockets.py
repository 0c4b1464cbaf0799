"""apps.connections.open: Socket Mode's WebSocket URL, for an app-level token (xapp-…)."""

from __future__ import annotations

from typing import Any

from console.loopback.records import ApiError
from console.loopback.state import Method, SlackState

APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


def check_app_token(token: str | None) -> None:
    """Slack takes only an app-level token here (a bot token answers not_allowed_token_type)."""
    if token is None:
        raise ApiError("not_authed")
    if not token.startswith("xapp-"):
        raise ApiError("not_allowed_token_type")


def connections_open(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """apps.connections.open: the URL of the WebSocket stand-in, once one is listening."""
    if slack.socket_url is None:
        raise ApiError("socket_mode_not_enabled")  # no stand-in: nothing to connect to
    return {"url": slack.socket_url}


METHODS: dict[str, Method] = {"apps.connections.open": connections_open}
