"""Updates typed in chat: `CHK-3: testing, 80%` is recorded, reacted to, and kept in sync."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.chat_grammar import match_prefix
from domain.services import Services
from domain.views import ChatOutcome
from handlers.directory import Directory
from handlers.messages import problem_text

log = logging.getLogger("folio.chat")
IGNORED_SUBTYPES = frozenset(
    {
        "bot_message",
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "group_join",
        "group_leave",
        "pinned_item",
        "unpinned_item",
        "ekm_access_denied",
        "me_message",
    }
)


def slack_unescape(text: str) -> str:
    """Slack escapes &, < and > in message text; turn them back into what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def record_chat_update(
    body: dict[str, Any],
    event: dict[str, Any],
    client: WebClient,
    *,
    services: Services,
    directory: Directory,
) -> None:
    """Record a message that starts with a known product key or roadmap item."""
    subtype = event.get("subtype")
    team_id = body.get("team_id") or event.get("team") or ""
    event_id = body.get("event_id")
    channel = event.get("channel") or ""
    if subtype == "message_changed":
        edit_chat_update(team_id, event_id, channel, event, client, services, directory)
        return
    if subtype == "message_deleted":
        ts = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
        if ts:
            services.updates.retract(team_id, channel_id=channel, ts=ts, event_id=event_id)
        return
    if subtype in IGNORED_SUBTYPES or subtype not in (None, "thread_broadcast", "file_share"):
        return
    if event.get("bot_id") or not event.get("user"):
        return
    text = slack_unescape(event.get("text") or "")
    if match_prefix(text) is None:
        return
    actor = directory.actor(client, team_id, event["user"])
    outcome = services.updates.record(
        actor, channel_id=channel, ts=event["ts"], text=text, event_id=event_id
    )
    log.info(
        "chat update team=%s user=%s channel=%s outcome=%s",
        team_id,
        event["user"],
        channel,
        outcome.status,
    )
    acknowledge(
        client,
        services,
        team_id,
        channel,
        event["ts"],
        event.get("thread_ts"),
        event["user"],
        outcome,
    )


def edit_chat_update(
    team_id: str,
    event_id: str | None,
    channel: str,
    event: dict[str, Any],
    client: WebClient,
    services: Services,
    directory: Directory,
) -> None:
    """An edited message updates its record."""
    message = event.get("message") or {}
    user = message.get("user")
    ts = message.get("ts")
    if not user or not ts or message.get("bot_id"):
        return
    text = slack_unescape(message.get("text") or "")
    actor = directory.actor(client, team_id, user)
    outcome = services.updates.edit(actor, channel_id=channel, ts=ts, text=text, event_id=event_id)
    log.info(
        "chat edit team=%s user=%s channel=%s outcome=%s", team_id, user, channel, outcome.status
    )
    acknowledge(client, services, team_id, channel, ts, message.get("thread_ts"), user, outcome)


def acknowledge(
    client: WebClient,
    services: Services,
    team_id: str,
    channel: str,
    ts: str,
    thread_ts: str | None,
    user: str,
    outcome: ChatOutcome,
) -> None:
    """React on success; on a problem, tell the author (only them) where they wrote.

    Slack shows an ephemeral with a thread_ts only inside a thread that already exists, so
    the problem goes to the channel for a top-level message and to the parent's thread
    (its thread_ts, never the reply's own ts) for a reply.
    """
    if outcome.status == "recorded" and outcome.summary != "retracted":
        try:
            client.reactions_add(channel=channel, timestamp=ts, name="white_check_mark")
        except SlackApiError as exc:
            if exc.response.get("error") != "already_reacted":
                raise
        update_id = outcome.details.get("update_id")
        if update_id:
            try:
                link = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
            except SlackApiError:
                link = None
            if link:
                services.updates.attach_permalink(team_id, int(update_id), link)
    elif outcome.status == "problem" and outcome.problem:
        text = problem_text(outcome.problem, outcome.who)
        client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=text)


def register(app: App, services: Services, directory: Directory) -> None:
    """Listen to messages in channels Folio is in."""
    app.event("message")(partial(record_chat_update, services=services, directory=directory))
