"""What to tell a person when something fails after the ack: true advice, not "try again".

A permanent Slack error says what fixes it (reinstall, add a scope to manifest.yml, ask for
less); Slack being down or slow says to try again; a role Folio could not check says so
instead of pretending the person is not a portfolio manager.
"""

from __future__ import annotations

import http.client
import re

from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.delivery.errors import (
    Remedy,
    api_error_code,
    api_error_status,
    needed_scope,
    remedy,
)
from handlers.directory import PeopleRefused, PeopleUnavailable

APOLOGY = (
    ":warning: Sorry, something went wrong on my side and nothing was changed. "
    "Please try again in a moment; if it keeps happening, tell your Folio admin."
)
ROLE_UNCHECKED = (
    ":warning: I could not check your role with Slack right now ({why}), so I did nothing. "
    "Please try again in a minute."
)
MANIFEST = "`oauth_config.scopes.bot` in `manifest.yml`"
_METHOD_RE = re.compile(r"[a-zA-Z][a-zA-Z.]{1,60}")


def failure_text(error: BaseException) -> str:
    """The mrkdwn sentence for a failure: what happened and what the person can do."""
    if isinstance(error, PeopleUnavailable):
        return ROLE_UNCHECKED.format(why="Slack did not answer in time")
    if isinstance(error, PeopleRefused):
        return (
            ":warning: I could not check your role: Slack refused to look you up "
            f"(`{error.code}`), so I did nothing. "
            + fix(remedy(error.code), "users.info", error.code, error.needed)
        )
    if isinstance(error, SlackApiError):
        code = api_error_code(error)
        return slack_refusal(method_of(error), code, remedy(code, api_error_status(error)), error)
    if isinstance(error, SlackClientError | OSError | http.client.HTTPException):
        return (
            ":warning: I could not reach Slack just now, so I could not finish. "
            "Please try again in a minute."
        )
    return APOLOGY


def slack_refusal(method: str, code: str, what: Remedy, error: SlackApiError) -> str:
    """A Slack API refusal in words."""
    if what is Remedy.LATER:
        return (
            f":warning: Slack is failing or busy right now (`{method}` answered `{code}`), "
            "so I could not finish. Please try again in a minute."
        )
    return f":warning: Slack refused `{method}` (`{code}`). " + fix(
        what, method, code, needed_scope(error)
    )


def fix(what: Remedy, method: str, code: str, needed: str | None) -> str:
    """What fixes a permanent refusal, in one or two sentences."""
    if what is Remedy.SCOPE:
        scope = f"the `{needed}` scope" if needed else f"a scope `{method}` needs"
        return (
            f"Folio's Slack app is missing {scope}: a Slack admin adds it under {MANIFEST} "
            "and reinstalls the app."
        )
    if what is Remedy.REINSTALL:
        return (
            "Folio's Slack token no longer works: a Slack admin needs to reinstall Folio, or "
            "whoever runs it needs to check `SLACK_BOT_TOKEN`."
        )
    if what is Remedy.TOO_LONG:
        return "The answer was longer than Slack takes; ask for less (e.g. `rank roi top 20`)."
    if what is Remedy.BAD_MESSAGE:
        return "The message I built is one Slack doesn't take: that is a bug in Folio, logged."
    if what is Remedy.CHANNEL:
        return "Invite me to the channel with `/invite @Folio`, or ask in a channel I'm in."
    return "If it keeps happening, tell your Folio admin."


def method_of(error: SlackApiError) -> str:
    """The Web API method a refused call was to (`files.getUploadURLExternal`)."""
    url = getattr(error.response, "api_url", "") or ""
    method = str(url).rstrip("/").rsplit("/", 1)[-1]
    return method if _METHOD_RE.fullmatch(method) else "a Slack call"
