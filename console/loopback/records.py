"""What the loopback Slack knows and records: members, conversations, calls and visible posts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeUser:
    """A workspace member as users.info describes it."""

    id: str
    name: str
    real_name: str
    is_admin: bool = False
    is_owner: bool = False
    tz: str = "UTC"
    is_bot: bool = False
    deleted: bool = False


@dataclass
class FakeChannel:
    """A conversation; ``is_member`` says whether the bot is in it."""

    id: str
    name: str
    is_member: bool = True
    is_archived: bool = False
    is_im: bool = False
    is_private: bool = False
    user: str | None = None  # the other person of a DM


@dataclass
class Call:
    """One HTTP request the fake received; params merge query, form or JSON body."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float


@dataclass
class Post:
    """One visible effect: a message, ephemeral, response_url answer, edit, reaction, file..."""

    kind: str
    channel: str | None
    user: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ApiError(Exception):
    """A Slack-style failure: HTTP status plus {"ok": false, "error": ...}."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        retry_after: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.retry_after = retry_after
        self.extra = dict(extra or {})  # more fields of the answer (missing_scope's `needed`)


def flag(value: Any) -> bool:
    """A boolean parameter as Slack reads it (true, 1, yes)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes"}


def optional(params: dict[str, Any], key: str) -> str | None:
    """A parameter as text, or None when absent or empty."""
    value = params.get(key)
    if value is None or value == "":
        return None
    return str(value)


def required(params: dict[str, Any], key: str) -> str:
    """A parameter as text; invalid_arguments when absent."""
    value = optional(params, key)
    if value is None:
        raise ApiError("invalid_arguments")
    return value


def except_keys(params: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The parameters other than the token and the given keys (kept as a post's extra)."""
    skip = {"token", *keys}
    return {k: v for k, v in params.items() if k not in skip}
