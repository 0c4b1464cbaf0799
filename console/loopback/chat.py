"""chat.*: post, post ephemerally, update, delete, permalink."""

from __future__ import annotations

from typing import Any

from console.loopback.records import ApiError, Post, except_keys, flag, optional, required
from console.loopback.state import Method, SlackState


def post_message(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """chat.postMessage: store the message (in a thread with thread_ts) and show it."""
    ref = required(params, "channel")
    resolved = slack.resolve_channel(ref)
    slack.check_rate(resolved.id if resolved is not None else ref)
    channel = slack.writable_channel(params)
    text, blocks = slack.message_content(params)
    thread_ts = optional(params, "thread_ts")
    extra = except_keys(params, "channel", "text", "blocks", "thread_ts")
    stored: dict[str, Any] = {}
    if "attachments" in params:
        stored["attachments"] = params["attachments"]
    if thread_ts is not None and flag(params.get("reply_broadcast")):
        stored["subtype"] = "thread_broadcast"
    ts = slack.next_ts()
    message = slack.store_message(
        channel.id, ts, text, blocks, thread_ts, author=None, extra=stored
    )
    slack.sent_by_channel[channel.id] = slack.sent_by_channel.get(channel.id, 0) + 1
    slack.emit(Post("message", channel.id, None, ts, thread_ts, text, blocks, extra))
    return {"channel": channel.id, "ts": ts, "message": dict(message)}


def post_ephemeral(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """chat.postEphemeral: shown to one member, or (like Slack) to no one.

    Slack accepts an ephemeral whose thread_ts names a message without a thread (or a
    reply's ts) and answers ok, but nobody ever sees it: such posts go to ``unshown``.
    """
    channel = slack.writable_channel(params)
    user = required(params, "user")
    if user not in slack.users:
        raise ApiError("user_not_found")
    text, blocks = slack.message_content(params)
    ts = slack.next_ts()
    thread_ts = optional(params, "thread_ts")
    extra = except_keys(params, "channel", "user", "text", "blocks", "thread_ts")
    post = Post("ephemeral", channel.id, user, ts, thread_ts, text, blocks, extra)
    problem = slack.thread_problem(channel.id, thread_ts)
    if problem is None:
        slack.emit(post)
    else:
        post.extra["not_shown"] = problem
        slack.unshown.append(post)
    return {"message_ts": ts}


def update(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """chat.update: change one of the bot's messages."""
    channel = slack.known_channel(params)
    if channel.is_archived:
        raise ApiError("is_archived")
    ts = required(params, "ts")
    message = slack.bot_message(channel.id, ts, "cant_update_message")
    if "text" in params:
        message["text"] = str(params.get("text") or "")
    blocks = params.get("blocks")
    if isinstance(blocks, list):
        if blocks:
            message["blocks"] = blocks
        else:
            message.pop("blocks", None)
    message["edited"] = {"user": slack.bot_user_id, "ts": slack.next_ts()}
    extra = except_keys(params, "channel", "ts", "text", "blocks")
    slack.emit(
        Post(
            "update",
            channel.id,
            None,
            ts,
            message.get("thread_ts"),
            message["text"],
            message.get("blocks"),
            extra,
        )
    )
    return {"channel": channel.id, "ts": ts, "text": message["text"], "message": dict(message)}


def delete(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """chat.delete: remove one of the bot's messages."""
    channel = slack.known_channel(params)
    ts = required(params, "ts")
    message = slack.bot_message(channel.id, ts, "cant_delete_message")
    slack.remove_message(channel.id, message)
    slack.emit(Post("delete", channel.id, None, ts, message.get("thread_ts"), "", None, {}))
    return {"channel": channel.id, "ts": ts}


def get_permalink(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """chat.getPermalink: a link to a message."""
    channel = slack.known_channel(params)
    ts = required(params, "message_ts")
    slack.check_target(channel.id, ts)
    return {"channel": channel.id, "permalink": slack.permalink(channel.id, ts)}


METHODS: dict[str, Method] = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
}
