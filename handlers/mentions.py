"""@Folio: `@Folio help` and `@Folio CHK` (the card) answered in the mention's thread.

The answer goes in the thread the mention started (or the one it was written in) for the
channel to see; a mistake (an unknown key) is told only to whoever wrote it, as ever.
`@Folio CHK-3` shows the item; anything else gets a short hint rather than silence.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from domain.errors import FolioError
from domain.grammar import split_command
from domain.services import Services
from domain.views import Actor
from handlers.blocks import Message, build
from handlers.commands import CommandSet, Request
from handlers.directory import Directory
from handlers.inbox import REPLAYABLE
from handlers.render import escape
from handlers.replies import problem, text_message

log = logging.getLogger("folio.mentions")
LEADING_MENTIONS = re.compile(r"^(\s*<@[UW][A-Z0-9]+(\|[^>]*)?>[\s:,]*)+")
KEY = re.compile(r"[A-Za-z][A-Za-z0-9]{1,9}")
ITEM = re.compile(r"[A-Za-z][A-Za-z0-9]{1,9}-[0-9]{1,6}")
HELP = (
    "*Ask me here* — I answer in the thread:\n"
    "• `@Folio CHK` — a product's card, with buttons for its roadmap and an update\n"
    "• `@Folio CHK-3` — one roadmap item in full\n"
    "• `@Folio help` — this\n"
    "Post updates as messages: `CHK-3: testing, 80% — blocked by the vendor`. Everything "
    "else: `/portfolio help` and `/roadmap help`."
)


def mention_text(text: str) -> str:
    """What the mention says after `@Folio` (and any other leading mentions)."""
    return LEADING_MENTIONS.sub("", text or "").strip()


class Mentions:
    """The inbox's processor for app_mention: @Folio is answered once per event.

    A mention goes through the inbox like a chat update, keyed by Slack's event_id, so a
    retry (Slack resends an event it thinks went unanswered) finds the row and never posts
    the answer twice, and a mention taken before a crash is answered after the restart.
    Answering reads only, so the decision is replayable: nothing is kept before it is sent.
    """

    def __init__(
        self,
        *,
        portfolio: CommandSet,
        roadmap: CommandSet,
        services: Services,
        directory: Directory,
    ) -> None:
        self.portfolio = portfolio
        self.roadmap = roadmap
        self.services = services
        self.directory = directory

    def accepts(self, body: dict[str, Any]) -> bool:
        """A person's app_mention in a channel (never a bot's)."""
        event = body.get("event") or {}
        return (
            event.get("type") == "app_mention"
            and not event.get("bot_id")
            and bool(event.get("user"))
            and bool(event.get("channel"))
        )

    def decide(self, body: dict[str, Any], client: WebClient) -> dict[str, Any]:
        """What to post: help or a card in the thread, or a mistake only to its author."""
        event = body.get("event") or {}
        team_id = str(body.get("team_id") or event.get("team") or "")
        user_id, channel = str(event["user"]), str(event["channel"])
        in_thread = event.get("thread_ts")
        thread = str(in_thread or event.get("ts") or "")
        words = mention_text(str(event.get("text") or "")).split()
        log.info(
            "mention team=%s user=%s channel=%s words=%s", team_id, user_id, channel, len(words)
        )
        if not words or words[0].lower() in ("help", "?"):
            message = build(fallback="How to ask Folio", body=[HELP])
        elif len(words) == 1 and (ITEM.fullmatch(words[0]) or KEY.fullmatch(words[0])):
            word = words[0].upper()
            commands = self.roadmap if "-" in word else self.portfolio
            text = word if "-" in word else f"show {word}"
            actor = self.directory.actor(client, team_id, user_id)
            try:
                message = shown(
                    commands, text, actor, channel, client, self.services, self.directory
                )
            except FolioError as mistake:
                told = problem(mistake)
                # Slack shows an ephemeral sent to a thread that doesn't exist to nobody.
                extra = {"thread_ts": in_thread} if in_thread else {}
                return {
                    REPLAYABLE: True,
                    "method": "chat_postEphemeral",
                    "args": {"channel": channel, "user": user_id, **told.payload(**extra)},
                }
        else:
            message = text_message(
                f"I don't know `{escape(' '.join(words)[:60])}`. `@Folio help` says what I "
                "answer here; `/portfolio help` has everything else."
            )
        return {
            REPLAYABLE: True,
            "method": "chat_postMessage",
            "args": {"channel": channel, "thread_ts": thread, **message.payload()},
        }

    def acknowledge(self, decision: dict[str, Any], client: WebClient) -> None:
        """Post what was decided."""
        if decision.get("method") == "chat_postEphemeral":
            client.chat_postEphemeral(**decision["args"])
        elif decision.get("method") == "chat_postMessage":
            client.chat_postMessage(**decision["args"])


def shown(
    commands: CommandSet,
    text: str,
    actor: Actor,
    channel: str,
    client: WebClient,
    services: Services,
    directory: Directory,
) -> Message:
    """The card or item a reading command shows; its mistake raised, not answered."""
    handler, cmd = commands.handler_for(split_command(text), text)
    if handler is None:
        return commands.help()
    request = Request(
        actor=actor,
        channel_id=channel,
        cmd=cmd,
        services=services,
        client=client,
        directory=directory,
        commands=commands,
    )
    return handler(request).message


def register(app: App, listener: Callable[..., None]) -> None:
    """app_mention: written to the inbox before the ack, answered right after it."""
    app.event("app_mention")(listener)
