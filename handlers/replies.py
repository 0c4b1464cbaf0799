"""What every command may answer: a problem, a plain line, Slack refusing a file."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.errors import SlackApiError

from domain.delivery import Delivery
from domain.errors import FolioError, PermissionDenied
from handlers.blocks import Message, build, error
from handlers.delivery.errors import api_error_code, classify
from handlers.render import escape, render


def problem_text(message: str, who: Sequence[str] = ()) -> str:
    """An error as mrkdwn: what was wrong, how to write it right, who can."""
    return render("common/error.mrkdwn.j2", message=message, who=tuple(who))


def problem(exc: FolioError) -> Message:
    """An error for the person who made it."""
    who = exc.who if isinstance(exc, PermissionDenied) else ()
    return error(problem_text(exc.message, who))


def text_message(text: str) -> Message:
    """A single section of already-rendered mrkdwn."""
    return build(fallback=text, body=[text])


def cant_post(error: SlackApiError, doing: str) -> Message:
    """Why Slack refused a file for a channel, in words (any other refusal is raised again)."""
    code = api_error_code(error)
    if classify(code) is not Delivery.CHANNEL_REFUSED:
        raise error
    return text_message(
        f":warning: Slack wouldn't let me {doing} (`{escape(code)}`). Invite me to the channel "
        "with `/invite @Folio`, or ask in a channel I'm in."
    )
