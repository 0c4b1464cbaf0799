"""What every command parser shares: field limits, amounts, and small readers (pure)."""

from __future__ import annotations

from decimal import Decimal

from domain.errors import InvalidInput
from domain.grammar import CommandText, check_fields, parse_key

Amount = tuple[Decimal, "str | None"]
"""An amount of money and the currency it was written in (None: the portfolio's)."""

NAME_MAX = 80
CATEGORY_MAX = 40
TEXT_MAX = 500
TITLE_MAX = 200


def parse_nothing(cmd: CommandText, usage: str, *, rest: str | None = None) -> None:
    """A command that takes nothing: no `|` fields and no words after it (or after `rest`)."""
    check_fields(cmd, (), usage=usage)
    if (cmd.head if rest is None else rest).strip():
        raise InvalidInput(f"`{usage}` takes nothing after it.")


def parse_keys(text: str) -> tuple[str, ...]:
    """Product keys separated by spaces or commas, each once, in the order written."""
    return tuple(dict.fromkeys(parse_key(word) for word in text.replace(",", " ").split()))
