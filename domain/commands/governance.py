"""`/portfolio proposals`, `accept`, `reject`, `show CHK | history`: parsed and checked (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.commands.common import TEXT_MAX, parse_nothing
from domain.errors import InvalidInput
from domain.grammar import CommandText, check_fields, clean_text, did_you_mean, parse_key
from domain.vocabulary import FUNDING_INPUT_FIELDS, FUNDING_INPUTS

SHOW_USAGE = "/portfolio show CHK [| history]"
PROPOSALS_USAGE = "/portfolio proposals"
ACCEPT_USAGE = "/portfolio accept CHK [FIELD]"
REJECT_USAGE = "/portfolio reject CHK [FIELD] [| why …]"

# What people type for each funding input: its name, or the `/portfolio set` field.
INPUT_WORDS: dict[str, str] = {
    **{name: name for name in FUNDING_INPUTS},
    **{field: name for name, field in FUNDING_INPUT_FIELDS.items()},
}


@dataclass(frozen=True)
class ShowRequest:
    """`/portfolio show CHK [| history]`: the product, and whether its history was asked for."""

    key: str
    history: bool = False


@dataclass(frozen=True)
class DecisionRequest:
    """`accept` / `reject`: the product, one field or all its pending ones, and why."""

    key: str
    field: str | None = None
    reason: str | None = None


def parse_show(cmd: CommandText) -> ShowRequest:
    """`show KEY`, `show KEY | history` or `show KEY history`."""
    check_fields(cmd, ("history",), usage=SHOW_USAGE)
    words = cmd.head.split()
    history = bool(cmd.fields)
    if len(words) == 2 and words[1].lower() == "history":
        words, history = words[:1], True
    if len(words) != 1:
        raise InvalidInput(f"Name one product, e.g. `/portfolio show CHK` ({SHOW_USAGE}).")
    return ShowRequest(key=parse_key(words[0]), history=history)


def parse_proposals(cmd: CommandText) -> None:
    """`proposals` takes nothing."""
    parse_nothing(cmd, PROPOSALS_USAGE)


def parse_decision(cmd: CommandText, *, reject: bool) -> DecisionRequest:
    """`accept KEY [FIELD]` or `reject KEY [FIELD] [| why …]`."""
    usage = REJECT_USAGE if reject else ACCEPT_USAGE
    values = check_fields(cmd, ("why",) if reject else (), usage=usage)
    words = cmd.head.split(maxsplit=1)
    if not words:
        raise InvalidInput(f"Name the product whose proposal you decide, e.g. `{usage}`.")
    key = parse_key(words[0])
    field = input_named(words[1]) if len(words) == 2 else None
    reason = None
    if "why" in values:
        reason = clean_text(values["why"], what="The reason", max_len=TEXT_MAX)
    return DecisionRequest(key=key, field=field, reason=reason)


def input_named(text: str) -> str:
    """A funding input by the words people type (`return`, `cash flows`, `objective` …)."""
    word = " ".join(text.lower().split())
    if word in INPUT_WORDS:
        return INPUT_WORDS[word]
    hint = did_you_mean(word, INPUT_WORDS)
    suggestion = f" Did you mean `{hint}`?" if hint else ""
    listed = ", ".join(f"`{FUNDING_INPUT_FIELDS[name]}`" for name in FUNDING_INPUTS)
    raise InvalidInput(
        f"`{text}` isn't a field owners propose.{suggestion} Proposals are made for {listed}."
    )
