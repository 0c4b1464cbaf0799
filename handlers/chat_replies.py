"""What Folio says about a recorded chat update besides the ✅: a reopened item, a retraction."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.delivery.errors import NO_REACTION_ERRORS, api_error_code
from handlers.render import escape

CHECK = "white_check_mark"


def reopened_notice(details: Mapping[str, str]) -> str | None:
    """The line telling the author an update reopened a done or dropped item, else None."""
    was = details.get("reopened")
    if not was:
        return None
    now = details.get("status", "open")
    return (
        f":arrows_counterclockwise: That reopened the item: it was *{escape(was)}*, it is now "
        f"*{escape(now)}*. If it was meant for new work, add an item with `/roadmap add`; "
        "edit or delete your message to undo."
    )


def take_back_check(client: WebClient, channel: str, ts: str) -> None:
    """Remove Folio's ✅ from a message that is no longer an update (edited into a plain one)."""
    try:
        client.reactions_remove(channel=channel, timestamp=ts, name=CHECK)
    except SlackApiError as exc:
        if api_error_code(exc) not in NO_REACTION_ERRORS:
            raise
