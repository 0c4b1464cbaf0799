"""response_url: a slash command's or an interaction's answer, ephemeral or in the channel."""

from __future__ import annotations

from typing import Any

from console.loopback.records import ApiError, Post, flag, optional
from console.loopback.state import ResponseTarget, SlackState

RESPOND_PATH = "/respond/"


def new_target(
    slack: SlackState, channel: str | None, user: str | None, message_ts: str | None
) -> str:
    """Register where a fresh response_url's answers land; return the URL."""
    key = slack.next_id("R")
    slack.response_urls[key] = ResponseTarget(channel, user, message_ts)
    return f"{slack.root_url}{RESPOND_PATH}{key}"


def respond(slack: SlackState, key: str, payload: dict[str, Any]) -> None:
    """An answer posted to a response_url: shown, replacing or deleting the original."""
    target = slack.response_urls.get(key)
    if target is None:
        raise ApiError("expired_url", status=404)
    text = str(payload.get("text") or "")
    blocks = payload.get("blocks") if isinstance(payload.get("blocks"), list) else None
    delete = flag(payload.get("delete_original", False))
    replace = flag(payload.get("replace_original", False))
    if not (text or blocks or delete):
        raise ApiError("no_text", status=400)
    response_type = str(payload.get("response_type") or "ephemeral")
    thread_ts = optional(payload, "thread_ts")
    extra = {
        "response_type": response_type,
        "replace_original": replace,
        "delete_original": delete,
        "message_ts": target.message_ts,
        "response_url": key,  # which response_url took it (the last part of the URL)
    }
    ts = slack.next_ts()
    original = None
    if target.channel is not None and target.message_ts is not None:
        original = slack.by_ts.get((target.channel, target.message_ts))
    if delete and original is not None and target.channel is not None:
        slack.remove_message(target.channel, original)
    elif replace and original is not None:
        original["text"] = text
        if blocks is not None:
            original["blocks"] = blocks
        ts = original["ts"]
    elif response_type == "in_channel" and target.channel is not None:
        slack.store_message(target.channel, ts, text, blocks, thread_ts, author=None, extra={})
    slack.emit(Post("response", target.channel, target.user, ts, thread_ts, text, blocks, extra))
