"""@Folio: `@Folio help` and `@Folio CHK` (the card) answered in the mention's thread.

The answer goes in the thread the mention started (or the one it was written in) for the
channel to see; a mistake (an unknown key) is told only to whoever wrote it, as ever.
`@Folio CHK-3` shows the item; anything else gets a short hint rather than silence.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import partial
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from domain.errors import FolioError
from domain.grammar import split_command
from domain.services import Services
from domain.views import Actor
from handlers.blocks import Message, build
from handlers.commands import CommandSet, Request
from handlers.directory import Directory
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


def answer_mention(
    event: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    *,
    portfolio: CommandSet,
    roadmap: CommandSet,
    services: Services,
    directory: Directory,
) -> None:
    """app_mention: help or a card in the thread; a mistake only to its author."""
    if event.get("bot_id") or not event.get("user") or not event.get("channel"):
        return
    team_id = str(context.team_id or event.get("team") or "")
    user_id, channel = str(event["user"]), str(event["channel"])
    in_thread = event.get("thread_ts")
    thread = str(in_thread or event.get("ts") or "")
    words = mention_text(str(event.get("text") or "")).split()
    log.info("mention team=%s user=%s channel=%s words=%s", team_id, user_id, channel, len(words))
    if not words or words[0].lower() in ("help", "?"):
        message = build(fallback="How to ask Folio", body=[HELP])
    elif len(words) == 1 and (ITEM.fullmatch(words[0]) or KEY.fullmatch(words[0])):
        word = words[0].upper()
        commands = roadmap if "-" in word else portfolio
        text = word if "-" in word else f"show {word}"
        actor = directory.actor(client, team_id, user_id)
        try:
            message = shown(commands, text, actor, channel, client, services, directory)
        except FolioError as mistake:
            tell_privately(client, channel, user_id, in_thread, problem(mistake))
            return
    else:
        message = text_message(
            f"I don't know `{escape(' '.join(words)[:60])}`. `@Folio help` says what I answer "
            "here; `/portfolio help` has everything else."
        )
    client.chat_postMessage(channel=channel, thread_ts=thread, **message.payload())


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


def tell_privately(
    client: WebClient, channel: str, user_id: str, thread: str | None, message: Message
) -> None:
    """An ephemeral to the mention's author (in its thread only if it was in one: Slack shows
    an ephemeral sent to a thread that doesn't exist to nobody)."""
    extra = {"thread_ts": thread} if thread else {}
    client.chat_postEphemeral(channel=channel, user=user_id, **message.payload(**extra))


def register(
    app: App, sets: Sequence[CommandSet], services: Services, directory: Directory
) -> None:
    """Answer @Folio."""
    portfolio = next(s for s in sets if s.name == "/portfolio")
    roadmap = next(s for s in sets if s.name == "/roadmap")
    app.event("app_mention")(
        partial(
            answer_mention,
            portfolio=portfolio,
            roadmap=roadmap,
            services=services,
            directory=directory,
        )
    )
