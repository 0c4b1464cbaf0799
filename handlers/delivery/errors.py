"""Slack's error codes, read in this one place: each failure becomes a typed outcome.

Everything else (the fan-out, the digest outbox, the messages that explain a refusal) decides
from the `Delivery` kind or the `Refusal` this module gives, never from a code.
"""

from __future__ import annotations

import json
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
SLACK_SIDE_ERRORS = frozenset(
    {"ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout"}
)
"""Codes that mean Slack failed on its side (with HTTP 429 and 5xx): worth trying again later."""
RESPONSE_URL_ERRORS = frozenset({"expired_url", "used_url", "invalid_payload", "no_text"})
"""What a response_url answers when it takes no (more) answers, or not this one."""
NO_REACTION_ERRORS = frozenset({"no_reaction", "message_not_found"})
"""What reactions.remove answers when there is nothing to take back (already gone)."""

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


def slack_unavailable(status: int, code: str | None) -> bool:
    """Whether an answer means Slack failed on its side (429, 5xx, fatal_error …): try later."""
    return status == 429 or status >= 500 or code in SLACK_SIDE_ERRORS


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


def api_error_status(error: SlackApiError) -> int:
    """The HTTP status of a refused call (0 when there was no response)."""
    response = error.response
    return int(response.status_code) if response is not None else 0


def needed_scope(error: SlackApiError) -> str | None:
    """The scope a missing_scope answer says Folio's token needs (`needed`), if it says one."""
    data = error.response.data if error.response is not None else None
    needed = data.get("needed") if isinstance(data, dict) else None
    if isinstance(needed, str) and re.fullmatch(r"[a-z][a-z0-9_.:,-]{0,120}", needed):
        return needed
    return None


def response_messages(error: SlackApiError) -> list[str]:
    """`response_metadata.messages`: what Slack says was wrong with a message's blocks."""
    data = error.response.data if error.response is not None else None
    metadata = data.get("response_metadata") if isinstance(data, dict) else None
    messages = metadata.get("messages") if isinstance(metadata, dict) else None
    return [str(m)[:300] for m in messages[:10]] if isinstance(messages, list) else []


def webhook_error_code(status: int, body: str) -> str:
    """Slack's error code from a response_url answer (JSON or plain text), else `http_<status>`."""
    text = (body or "").strip()
    try:
        data = json.loads(text) if text.startswith("{") else None
    except ValueError:
        data = None
    code = data.get("error") if isinstance(data, dict) else text
    if isinstance(code, str) and _ERROR_CODE.fullmatch(code):
        return code
    return f"http_{status}"


class Remedy(StrEnum):
    """What a person (or the admin) can do about a Slack error, as far as Folio can tell."""

    REINSTALL = "reinstall"  # the token is invalid, revoked or of the wrong kind
    SCOPE = "scope"  # the token lacks a scope: add it to manifest.yml and reinstall
    TOO_LONG = "too_long"  # the message is longer than Slack takes
    BAD_MESSAGE = "bad_message"  # Slack refused the message's layout: a bug in Folio
    CHANNEL = "channel"  # the channel refused (not a member, archived, gone)
    LATER = "later"  # Slack is failing, rate limiting or unreachable: try again later
    OTHER = "other"  # any other refusal: name the code, promise nothing


def remedy(code: str, status: int = 200) -> Remedy:
    """The remedy for a Slack error code and the HTTP status it came with."""
    if code in (CONNECTION_ERROR, "http_429") or slack_unavailable(status, code):
        return Remedy.LATER
    if code.startswith("http_5"):
        return Remedy.LATER
    if code == "missing_scope":
        return Remedy.SCOPE
    if code == "msg_too_long":
        return Remedy.TOO_LONG
    kind = classify(code)
    if kind is Delivery.TOKEN_PROBLEM:
        return Remedy.REINSTALL
    if kind is Delivery.MESSAGE_REFUSED:
        return Remedy.BAD_MESSAGE
    if kind is Delivery.CHANNEL_REFUSED:
        return Remedy.CHANNEL
    return Remedy.OTHER
