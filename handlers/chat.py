"""Updates typed in chat: `CHK-3: testing, 80%` is recorded, reacted to, and kept in sync.

A message event goes through the inbox (handlers/inbox.py): it is written down before Slack
is answered, then `ChatUpdates.decide` records it (new, edited or deleted message) and
`ChatUpdates.acknowledge` reacts with ✅ or tells the author, privately, what was wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.chat_grammar import match_prefix
from domain.services import Services
from domain.views import ChatOutcome
from handlers import inbox
from handlers.chat_replies import reopened_notice, take_back_check
from handlers.delivery.errors import api_error_code, api_error_status, slack_unavailable
from handlers.directory import Directory
from handlers.home import republish_after_chat
from handlers.replies import problem_text

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
UPDATE_SUBTYPES = (None, "thread_broadcast", "file_share")


def slack_unescape(text: str) -> str:
    """Slack escapes &, < and > in message text; turn them back into what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _could_be_update(text: str | None) -> bool:
    return match_prefix(slack_unescape(text or "")) is not None


def _unknown_or_update(message: dict[str, Any]) -> bool:
    """A previous version without its text may have been an update: keep it to be sure."""
    return not message.get("text") or _could_be_update(message.get("text"))


def is_chat_update(event: dict[str, Any]) -> bool:
    """Whether a message event may record, change or retract an update (else it is ignored)."""
    if event.get("type") != "message":
        return False
    subtype = event.get("subtype")
    previous = event.get("previous_message") or {}
    if subtype == "message_changed":
        message = event.get("message") or {}
        if message.get("bot_id") or not message.get("user") or not message.get("ts"):
            return False
        # An edit can turn a message into an update, or an update back into a message.
        return _could_be_update(message.get("text")) or _unknown_or_update(previous)
    if subtype == "message_deleted":
        if not (event.get("deleted_ts") or previous.get("ts")):
            return False
        return _unknown_or_update(previous)
    if subtype in IGNORED_SUBTYPES or subtype not in UPDATE_SUBTYPES:
        return False
    if event.get("bot_id") or not event.get("user") or not event.get("ts"):
        return False
    return _could_be_update(event.get("text"))


class ChatUpdates:
    """The inbox's processor for message events."""

    def __init__(self, services: Services, directory: Directory) -> None:
        self.services = services
        self.directory = directory

    def accepts(self, body: dict[str, Any]) -> bool:
        """Message events that may be updates; every other message is never written down."""
        return is_chat_update(body.get("event") or {})

    def decide(self, body: dict[str, Any], client: WebClient) -> dict[str, Any]:
        """Record, re-apply or retract the update; return the acknowledgement still to send."""
        event = body.get("event") or {}
        team_id, event_id = inbox.event_key(body)
        channel = event.get("channel") or ""
        subtype = event.get("subtype")
        if subtype == "message_deleted":
            ts = str(event.get("deleted_ts") or (event.get("previous_message") or {})["ts"])
            self.services.updates.retract(team_id, channel_id=channel, ts=ts, event_id=event_id)
            return {}
        message = (event.get("message") or {}) if subtype == "message_changed" else event
        user, ts = message["user"], message["ts"]
        text = slack_unescape(message.get("text") or "")
        actor = self.directory.actor(client, team_id, user)
        if subtype == "message_changed":
            outcome = self.services.updates.edit(
                actor, channel_id=channel, ts=ts, text=text, event_id=event_id
            )
        else:
            outcome = self.services.updates.record(
                actor, channel_id=channel, ts=ts, text=text, event_id=event_id
            )
        log.info(
            "chat %s team=%s user=%s channel=%s outcome=%s",
            "edit" if subtype == "message_changed" else "update",
            team_id,
            user,
            channel,
            outcome.status,
        )
        return {
            "team_id": team_id,
            "channel": channel,
            "ts": ts,
            "thread_ts": message.get("thread_ts"),
            "user": user,
            "status": outcome.status,
            "problem": outcome.problem,
            "who": list(outcome.who),
            "summary": outcome.summary,
            "details": dict(outcome.details),
        }

    def acknowledge(self, decision: dict[str, Any], client: WebClient) -> None:
        """React with ✅ or reply privately, as decided."""
        if not decision:
            return
        outcome = ChatOutcome(
            status=decision["status"],
            problem=decision.get("problem"),
            who=tuple(decision.get("who") or ()),
            summary=decision.get("summary"),
            details=dict(decision.get("details") or {}),
        )
        acknowledge(
            client,
            self.services,
            decision["team_id"],
            decision["channel"],
            decision["ts"],
            decision.get("thread_ts"),
            decision["user"],
            outcome,
        )
        republish_after_chat(client, self.services, self.directory, decision)


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
                if slack_unavailable(api_error_status(exc), api_error_code(exc)):
                    raise  # Slack failing: the inbox reacts again later
                say_recorded_without_reaction(client, team_id, channel, thread_ts, user, exc)
        update_id = outcome.details.get("update_id")
        if update_id:
            try:
                link = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
            except SlackApiError:
                link = None
            if link:
                services.updates.attach_permalink(team_id, int(update_id), link)
        notice = reopened_notice(outcome.details)
        if notice:
            client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=notice)
    elif outcome.status == "recorded":  # retracted by an edit: the ✅ goes too
        take_back_check(client, channel, ts)
    elif outcome.status == "problem" and outcome.problem:
        text = problem_text(outcome.problem, outcome.who)
        client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=text)


def say_recorded_without_reaction(
    client: WebClient,
    team_id: str,
    channel: str,
    thread_ts: str | None,
    user: str,
    error: SlackApiError,
) -> None:
    """Slack refused the ✅ for good: log it, and tell the author their update is recorded."""
    code = api_error_code(error)
    log.warning(
        "reaction refused team=%s channel=%s user=%s error=%s", team_id, channel, user, code
    )
    text = (
        f":white_check_mark: Recorded your update. (Slack wouldn't let me react to your "
        f"message with ✅: `{code}`.)"
    )
    try:
        client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=text)
    except SlackApiError as again:
        log.warning(
            "could not tell the author either team=%s channel=%s user=%s error=%s",
            team_id,
            channel,
            user,
            api_error_code(again),
        )


def register(app: App, listener: Callable[..., None]) -> None:
    """Message events: written to the inbox before the ack, processed right after it."""
    app.event("message")(listener)
