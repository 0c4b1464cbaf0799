"""Slack's error codes, read in this one place: each failure becomes a typed outcome.

Everything else (the fan-out, the digest outbox, the messages that explain a refusal) decides
from the `Delivery` kind or the `Refusal` this module gives, never from a code.
"""

from __future__ import annotations

import re
from enum import StrEnum

from slack_sdk.errors import SlackApiError

from domain.delivery import Delivery, DeliveryOutcome

CHANNEL_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "team_access_not_granted",
    }
)
TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "account_inactive",
        "not_authed",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "not_allowed_token_type",
    }
)
MESSAGE_ERRORS = frozenset(
    {
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_blocks_format",
        "too_many_attachments",
        "invalid_arguments",
    }
)
RATE_LIMIT_ERRORS = frozenset({"ratelimited", "http_429"})

CONNECTION_ERROR = "connection_error"  # no answer from Slack at all
NOT_STARTED = "not_started"  # the fan-out stopped before this message was tried
EXCEPTION = "exception"  # the client raised something unexpected for this message

_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def classify(code: str) -> Delivery:
    """The kind of failure a Slack error code (or one of ours above) stands for."""
    if code in CHANNEL_ERRORS:
        return Delivery.CHANNEL_REFUSED
    if code in TOKEN_ERRORS:
        return Delivery.TOKEN_PROBLEM
    if code in MESSAGE_ERRORS:
        return Delivery.MESSAGE_REFUSED
    if code in RATE_LIMIT_ERRORS:
        return Delivery.RATE_LIMITED
    return Delivery.TRANSIENT


def failed(code: str) -> DeliveryOutcome:
    """A failed attempt's outcome, classified, with the code kept for logs."""
    return DeliveryOutcome(classify(code), code=code)


def delivered(ts: str | None) -> DeliveryOutcome:
    """A posted message's outcome."""
    return DeliveryOutcome(Delivery.DELIVERED, ts=ts)


def no_token() -> DeliveryOutcome:
    """The outcome for a workspace that has no bot token to post with."""
    return failed("not_authed")


def api_error_code(error: SlackApiError) -> str:
    """Slack's error code from a refused call, else `http_<status>`."""
    response = error.response
    data = response.data if response is not None else None
    code = data.get("error") if isinstance(data, dict) else None
    if isinstance(code, str) and _ERROR_CODE.fullmatch(code):
        return code
    status = response.status_code if response is not None else 0
    return f"http_{status}"


class Refusal(StrEnum):
    """Why a channel refused a post, as far as a person can do something about it."""

    NOT_A_MEMBER = "not_a_member"
    CHANNEL_GONE = "channel_gone"
    ARCHIVED = "archived"
    OTHER = "other"


_REFUSALS = {
    "not_in_channel": Refusal.NOT_A_MEMBER,
    "channel_not_found": Refusal.CHANNEL_GONE,
    "is_archived": Refusal.ARCHIVED,
}


def refusal(code: str | None) -> Refusal:
    """The refusal a code stands for (OTHER for any code a person can't act on by name)."""
    return _REFUSALS.get(code or "", Refusal.OTHER)
