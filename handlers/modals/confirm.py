"""Where a submitted form's answer goes: where the command's (or the message's) answer would.

A form opened by a slash command or a button on a message answers through that request's
response_url (in the channel for a change, else privately); one opened from App Home
answers on App Home itself, at the top of the republished tab.
"""

from __future__ import annotations

from slack_sdk import WebClient

from handlers.blocks import Message, plain
from handlers.delivery.respond import Asker, ResponseUrl
from handlers.modals.ids import Origin


def deliver(
    client: WebClient,
    origin: Origin,
    *,
    team_id: str,
    user_id: str,
    message: Message,
    in_channel: bool,
    what: str,
) -> bool:
    """Answer through the origin's response_url; False when there is none (App Home)."""
    if not origin.response_url:
        return False
    responder = ResponseUrl(
        response_url=origin.response_url,
        client=client,
        asker=Asker(team_id=team_id, channel_id=origin.channel_id, user_id=user_id, what=what),
    )
    responder(**message.payload(response_type="in_channel" if in_channel else "ephemeral"))
    return True


def notice_text(message: Message) -> str:
    """An answer's own words (up to the product card it may show), as App Home's notice."""
    texts: list[str] = []
    for block in message.blocks:
        if block.get("type") == "header" and texts:
            break
        text = block.get("text")
        if block.get("type") == "section" and isinstance(text, dict) and text.get("text"):
            texts.append(str(text["text"]))
    return plain("\n".join(texts), 3000) if texts else message.text
