"""`/portfolio digest …` and `/roadmap remind off|on`: which digest action, which reminders (pure).

The schedule words of a subscription (`weekly mon 09:00 Europe/Berlin`) are read by
`domain.commands.schedule.parse_schedule` once the default time zone is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from domain.errors import InvalidInput
from domain.grammar import CommandText
from domain.vocabulary import CADENCES

DigestAction = Literal["subscribe", "off", "list", "now", "preview"]

DIGEST_USAGE = "/portfolio digest weekly mon 09:00 [Europe/Berlin] [ranking|status|both]"
REMIND_USAGE = "/roadmap remind off"

_BARE_ACTIONS: tuple[DigestAction, ...] = ("off", "list", "now", "preview")


@dataclass(frozen=True)
class DigestRequest:
    """What `/portfolio digest` asks for; a subscription carries its schedule words."""

    action: DigestAction
    schedule: str = ""


@dataclass(frozen=True)
class RemindRequest:
    """`/roadmap remind off` (off) or `/roadmap remind on`."""

    off: bool


def parse_digest(cmd: CommandText) -> DigestRequest:
    """`digest [list]`, `digest off|now|preview`, or a schedule like `digest weekly mon 09:00`."""
    words = cmd.head.split()
    verb = words[0].lower() if words else "list"
    if cmd.fields:
        raise InvalidInput(
            f"`/portfolio digest` takes no `|` fields; write it on one line, e.g. `{DIGEST_USAGE}`."
        )
    if verb in CADENCES or (words and words[0][:1].isdigit()):
        return DigestRequest(action="subscribe", schedule=cmd.head)
    for action in _BARE_ACTIONS:
        if verb == action:
            if len(words) > 1:
                raise InvalidInput(f"`/portfolio digest {verb}` takes nothing after it.")
            return DigestRequest(action=action)
    return DigestRequest(action="subscribe", schedule=cmd.head)


def parse_remind(cmd: CommandText) -> RemindRequest:
    """`remind off` or `remind on`."""
    word = cmd.head.strip().lower()
    if word not in ("off", "on") or cmd.fields:
        raise InvalidInput(
            "Say `off` or `on`: `/roadmap remind off` stops the reminders you get the day "
            "before a digest; `/roadmap remind on` starts them again."
        )
    return RemindRequest(off=word == "off")
