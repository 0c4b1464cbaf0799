"""`/portfolio objective add|set|remove|list`: company objectives and their weights (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from domain.commands.common import TITLE_MAX, parse_nothing
from domain.errors import InvalidInput
from domain.grammar import CommandText, check_fields, clean_text, parse_key

OBJECTIVE_USAGE = "/portfolio objective add GROW Grow ARR 30% | weight 3"
OBJECTIVE_SET_USAGE = "/portfolio objective set GROW | weight 2 | title Grow ARR 40%"
OBJECTIVE_LIST_USAGE = "/portfolio objective list"
OBJECTIVE_REMOVE_USAGE = "/portfolio objective remove GROW"

WEIGHT_MAX = Decimal(1000)
_WEIGHT_RE = re.compile(r"[0-9]{1,4}(?:\.[0-9]{1,4})?")


@dataclass(frozen=True)
class ListObjectives:
    """`objective` or `objective list`: show the workspace's objectives."""


@dataclass(frozen=True)
class AddObjective:
    """`objective add KEY Title [| weight N]`."""

    key: str
    title: str
    weight: Decimal | None = None


@dataclass(frozen=True)
class SetObjective:
    """`objective set KEY | weight N | title …`: at least one of them."""

    key: str
    title: str | None = None
    weight: Decimal | None = None


@dataclass(frozen=True)
class RemoveObjective:
    """`objective remove KEY`: the objective goes; products and items linked to it are unlinked."""

    key: str


ObjectiveRequest = ListObjectives | AddObjective | SetObjective | RemoveObjective


def parse_objective(cmd: CommandText) -> ObjectiveRequest:
    """`objective [list]`, `objective add KEY Title | weight N`, `set KEY | …`, `remove KEY`."""
    verb, _, rest = cmd.head.partition(" ")
    verb = verb.lower()
    if verb in ("", "list"):
        parse_nothing(cmd, OBJECTIVE_LIST_USAGE, rest=rest)
        return ListObjectives()
    if verb == "add":
        values = check_fields(cmd, ("weight",), usage=OBJECTIVE_USAGE)
        words = rest.split(maxsplit=1)
        if len(words) < 2:
            raise InvalidInput(f"Give the objective a key and a title, e.g. `{OBJECTIVE_USAGE}`.")
        key = parse_key(words[0])
        title = _title(words[1])
        weight = parse_weight(values["weight"]) if "weight" in values else None
        return AddObjective(key=key, title=title, weight=weight)
    if verb == "set":
        values = check_fields(cmd, ("weight", "title"), usage=OBJECTIVE_SET_USAGE)
        words = rest.split()
        if len(words) != 1 or not values:
            raise InvalidInput(
                f"Name one objective, then what to change, e.g. `{OBJECTIVE_SET_USAGE}`."
            )
        key = parse_key(words[0])
        new_title = _title(values["title"]) if "title" in values else None
        weight = parse_weight(values["weight"]) if "weight" in values else None
        return SetObjective(key=key, title=new_title, weight=weight)
    if verb == "remove":
        check_fields(cmd, (), usage=OBJECTIVE_REMOVE_USAGE)
        words = rest.split()
        if len(words) != 1:
            raise InvalidInput(f"Name one objective, e.g. `{OBJECTIVE_REMOVE_USAGE}`.")
        return RemoveObjective(key=parse_key(words[0]))
    raise InvalidInput(
        f"`/portfolio objective {verb}` isn't something I know. Use `objective add`, "
        f"`objective set`, `objective remove` or `objective list`, e.g. `{OBJECTIVE_USAGE}`."
    )


def parse_weight(text: str) -> Decimal:
    """An objective's weight: a number above 0 and at most 1,000, like `3` or `1.5`."""
    written = text.strip()
    value = Decimal(written) if _WEIGHT_RE.fullmatch(written) else None
    if value is None or not 0 < value <= WEIGHT_MAX:
        raise InvalidInput(
            f"An objective's weight is a number above 0 and at most 1,000; you wrote "
            f"`{written}`. Example: `| weight 3`."
        )
    return value


def _title(text: str) -> str:
    """An objective's title: one line of ordinary text."""
    return clean_text(text, what="An objective's title", max_len=TITLE_MAX)
