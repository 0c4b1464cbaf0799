"""`/portfolio weights`, `allocate`, `balance`, `chart`: what to weigh, fund, group, draw (pure)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal, cast

from domain.allocation import ShareRule
from domain.balance import GROUPINGS
from domain.commands.common import CATEGORY_MAX, Amount, parse_keys
from domain.errors import InvalidInput
from domain.grammar import CommandText, check_fields, clean_text, one_of
from domain.money import parse_amount, parse_percent
from domain.ranking import Weights
from domain.vocabulary import MEASURES, WEIGHT_PARTS, WEIGHT_SYNONYMS

AllocateBy = Literal["value", "score"]
Grouping = Literal["category", "stage", "health"]
ChartKind = Literal["bubble", "ranking"]
CHART_KINDS: tuple[ChartKind, ...] = ("bubble", "ranking")

WEIGHTS_USAGE = "/portfolio weights roi 40% risk 30% alignment 30%"
ALLOCATE_USAGE = (
    "/portfolio allocate 2m | min Growth 30%, Platform 10% | max Core 50% | keep CHK "
    "| drop LEG | by score"
)
BALANCE_USAGE = "/portfolio balance [by category|stage|health]"
CHART_USAGE = "/portfolio chart [bubble|ranking] [roi|risk|npv|score]"

_WEIGHT_PAIR = re.compile(r"([A-Za-z][A-Za-z_-]*)\s*[:=]?\s*([-+]?\d+(?:[.,]\d+)?)\s*(%?)")
_WEIGHTS_EXAMPLE = "Example: `/portfolio weights roi 40% risk 30% alignment 30%`."


@dataclass(frozen=True)
class AllocateRequest:
    """`/portfolio allocate [BUDGET] | min … | max … | keep … | drop … | by value|score`."""

    budget: Amount | None = None
    rules: tuple[ShareRule, ...] = ()
    keep: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    by: AllocateBy = "value"


@dataclass(frozen=True)
class ChartRequest:
    """`/portfolio chart`: which chart, and for a ranking chart its measure (None: default)."""

    kind: ChartKind = "bubble"
    measure: str | None = None


# -- weights ------------------------------------------------------------------------------


def parse_weights_command(cmd: CommandText) -> Weights | None:
    """`weights roi 40% …` as the new weights; None for bare `weights` (show them)."""
    check_fields(cmd, (), usage=WEIGHTS_USAGE)
    return parse_weights(cmd.head) if cmd.head else None


def parse_weights(text: str) -> Weights:
    """Read weights like `roi 40% risk 30% alignment 30%`; they must add up to 100 %."""
    rest = text.strip()
    if not rest:
        raise InvalidInput(f"Give a weight for at least one measure. {_WEIGHTS_EXAMPLE}")
    found: dict[str, Decimal] = {}
    position = 0
    for match in _WEIGHT_PAIR.finditer(rest):
        between = rest[position : match.start()]
        if between.strip(" ,;+&") and between.strip().lower() not in {"and"}:
            raise InvalidInput(
                f"I could not read `{between.strip()}` in the weights. {_WEIGHTS_EXAMPLE}"
            )
        position = match.end()
        word, number, _percent = match.groups()
        name = _weight_part(word)
        if name in found:
            raise InvalidInput(
                f"`{name}` is weighted twice; give each measure once. {_WEIGHTS_EXAMPLE}"
            )
        found[name] = _weight_percent(word, number)
    if rest[position:].strip(" ,;") or not found:
        raise InvalidInput(
            f"I could not read `{rest[position:].strip()}` in the weights. {_WEIGHTS_EXAMPLE}"
        )
    total = sum(found.values(), Decimal(0))
    if total != 100:
        raise InvalidInput(
            f"Weights must add up to 100 %; yours add up to {total.normalize():f} %. "
            f"{_WEIGHTS_EXAMPLE}"
        )
    return Weights(**{name: value / 100 for name, value in found.items()})


def _weight_part(word: str) -> str:
    """The score part a word names (`align` is alignment), else an error with a suggestion."""
    name = WEIGHT_SYNONYMS.get(word.lower())
    if name is not None:
        return name
    close = difflib.get_close_matches(word.lower(), list(WEIGHT_SYNONYMS), n=1, cutoff=0.5)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    raise InvalidInput(
        f"There is no measure `{word}` to weigh.{hint} Weigh any of: "
        f"{', '.join(WEIGHT_PARTS)}. {_WEIGHTS_EXAMPLE}"
    )


def _weight_percent(word: str, number: str) -> Decimal:
    """A weight's percentage, 0-100."""
    try:
        percent = Decimal(number.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the pattern only admits numbers
        raise InvalidInput(f"`{number}` is not a number. {_WEIGHTS_EXAMPLE}") from error
    if percent < 0 or percent > 100:
        raise InvalidInput(
            f"A weight must be between 0 % and 100 %; you wrote `{word} {number}%`. "
            f"{_WEIGHTS_EXAMPLE}"
        )
    return percent


# -- allocation ---------------------------------------------------------------------------


def parse_allocate(cmd: CommandText) -> AllocateRequest:
    """`allocate [BUDGET] | min CAT P%, … | max CAT P% | keep K … | drop K … | by value|score`."""
    values = check_fields(cmd, ("min", "max", "keep", "drop", "by"), usage=ALLOCATE_USAGE)
    budget = parse_amount(cmd.head) if cmd.head else None
    rules = tuple(
        rule
        for kind in ("min", "max")
        if kind in values
        for rule in _share_rules(values[kind], kind)
    )
    by = one_of(values.get("by", "value"), ("value", "score"), what="thing to maximise")
    return AllocateRequest(
        budget=budget,
        rules=rules,
        keep=parse_keys(values.get("keep", "")),
        drop=parse_keys(values.get("drop", "")),
        by=cast(AllocateBy, by),
    )


def _share_rules(text: str, kind: Literal["min", "max"]) -> list[ShareRule]:
    """`Growth 30%, Core 10%` as share rules of one kind."""
    rules = []
    for part in text.split(","):
        words = part.split()
        if len(words) < 2:
            raise InvalidInput(
                f"Write a `{kind}` rule as a category and a share of the budget, like "
                f"`| {kind} Growth 30%` (several: `| {kind} Growth 30%, Core 10%`); "
                f"you wrote `{part.strip()}`."
            )
        category = clean_text(" ".join(words[:-1]), what="A category", max_len=CATEGORY_MAX)
        share = parse_percent(words[-1], what=f"The `{kind} {category}` share")
        rules.append(ShareRule(category=category, share=share, kind=kind))
    return rules


# -- balance and charts -------------------------------------------------------------------


def parse_balance(cmd: CommandText) -> Grouping:
    """`balance [by] category|stage|health` (category when none is named)."""
    check_fields(cmd, (), usage=BALANCE_USAGE)
    words = cmd.head.split()
    if words[:1] and words[0].lower() == "by":
        words = words[1:]
    if len(words) > 1 or (not words and cmd.head):
        raise InvalidInput(
            f"Say how to group, e.g. `/portfolio balance by stage`. ({BALANCE_USAGE})"
        )
    by = one_of(words[0], GROUPINGS, what="grouping") if words else "category"
    return cast(Grouping, by)


def parse_chart(cmd: CommandText) -> ChartRequest:
    """`chart [bubble|ranking] [roi|risk|npv|score]` (a measure only for the ranking chart)."""
    check_fields(cmd, (), usage=CHART_USAGE)
    words = cmd.head.lower().split()
    kind = cast(ChartKind, one_of(words[0], CHART_KINDS, what="chart")) if words else "bubble"
    if len(words) > (2 if kind == "ranking" else 1):
        raise InvalidInput(f"I don't understand `{cmd.head}`. Usage: `{CHART_USAGE}`.")
    measure = one_of(words[1], MEASURES, what="ranking measure") if len(words) > 1 else None
    return ChartRequest(kind=kind, measure=measure)
