"""The message shortcut "Log as roadmap update": any message, as a pre-filled Post update form.

The message is read with the chat-update grammar (`CHK-3: testing, 80% — blocked by the
vendor` fills in the item, status, progress and blocker); a message that isn't written as
an update becomes the note. The recorded update links to the message (its permalink), the
message gets Folio's ✅, and deleting the message retracts the update, as in chat.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from domain.commands.update_form import from_chat
from domain.services import Services
from handlers.chat import slack_unescape
from handlers.directory import Directory
from handlers.modals.ids import Origin, decode, encode
from handlers.modals.opening import open_post_update

log = logging.getLogger("folio.shortcuts")
LOG_UPDATE = "log_update"


def log_message(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    *,
    services: Services,
    directory: Directory,
) -> None:
    """Open Post update, pre-filled from the message the shortcut was used on."""
    ack()
    team = body.get("team") or {}
    user = body.get("user") or {}
    message = body.get("message") or {}
    channel = body.get("channel") or {}
    team_id, user_id = str(team.get("id") or ""), str(user.get("id") or "")
    log.info("shortcut team=%s user=%s callback=%s", team_id, user_id, LOG_UPDATE)
    values, problem = from_chat(slack_unescape(str(message.get("text") or "")))
    origin = decode(  # checked as any view's metadata is when it comes back
        encode(
            Origin(
                via="shortcut",
                channel_id=channel.get("id"),
                response_url=body.get("response_url"),
                message_ts=message.get("ts") or body.get("message_ts"),
            )
        )
    )
    opened = open_post_update(
        client,
        services,
        directory,
        trigger_id=str(body.get("trigger_id") or ""),
        team_id=team_id,
        user_id=user_id,
        origin=origin,
        values=values,
        problem=problem,
    )
    if not opened and body.get("response_url"):
        respond(
            text="I couldn't open the form just now. Post the update in chat instead, like "
            "`CHK-3: testing, 80%`.",
            response_type="ephemeral",
        )


def register(app: App, services: Services, directory: Directory) -> None:
    """The message shortcut (callback id `log_update`)."""
    app.shortcut(LOG_UPDATE)(partial(log_message, services=services, directory=directory))
