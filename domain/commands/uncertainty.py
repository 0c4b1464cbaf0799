"""`whatif`, `scenario`, `frontier`, `forecast`, `outcome`, `calibration` (pure parsers).

A what-if is an allocation (budget, share rules, keep, drop) over changed products:
`| set KEY field value` any number of times. It is stored with a scenario as JSON strings
(`whatif_json` / `whatif_from_json`), so a saved scenario reads back exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, cast

from domain.allocation import ShareRule
from domain.commands.common import CATEGORY_MAX, Amount, parse_nothing
from domain.commands.planning import AllocateRequest, parse_allocate
from domain.dates import parse_date
from domain.errors import InvalidInput
from domain.grammar import (
    CommandText,
    check_fields,
    clean_text,
    did_you_mean,
    one_of,
    parse_item_ref,
    parse_key,
)
from domain.money import parse_amount, parse_percent

WHATIF_USAGE = (
    "/portfolio whatif allocate 1.7m | drop CHK | set MOB confidence 40% | set API return 300k"
)
SCENARIO_USAGE = "/portfolio scenario save|list|show|compare|apply|drop NAME …"
FRONTIER_USAGE = "/portfolio frontier [BUDGET] [| min Growth 30%] [| max Core 50%] [| keep CHK]"
FORECAST_USAGE = "/portfolio forecast [| target 3m]"
OUTCOME_USAGE = "/portfolio outcome CHK success|failure [| realised 350k] [| on 2027-06-30]"
CALIBRATION_USAGE = "/portfolio calibration"
ROADMAP_FORECAST_USAGE = "/roadmap forecast CHK"

ChangeField = Literal["investment", "return", "confidence", "category"]
CHANGE_FIELDS: tuple[ChangeField, ...] = ("investment", "return", "confidence", "category")
OTHER_PRODUCT_FIELDS = ("name", "owner", "stage", "health", "cashflows", "objective")
ScenarioAction = Literal["save", "list", "show", "compare", "apply", "drop"]
SCENARIO_ACTIONS: tuple[ScenarioAction, ...] = ("save", "list", "show", "compare", "apply", "drop")
SCENARIO_NAME_MAX = 40

_RELATIVE = re.compile(r"([+\-−])\s*([0-9]+(?:[.,][0-9]+)?)\s*%")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_SUCCESS = {"success": True, "succeeded": True, "won": True, "failure": False, "failed": False}
_WHATIF_FIELDS = ("min", "max", "keep", "drop", "set")


@dataclass(frozen=True)
class Change:
    """`set KEY field value`: a product's investment, return (amounts), confidence or category."""

    key: str
    field: ChangeField
    value: Amount | Decimal | str


@dataclass(frozen=True)
class WhatIf:
    """An allocation over changed products; the budget absolute, relative (−15 %), or none."""

    budget: Amount | None = None
    budget_change: Decimal | None = None
    rules: tuple[ShareRule, ...] = ()
    keep: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    changes: tuple[Change, ...] = field(default_factory=tuple)

    def allocation(self) -> AllocateRequest:
        """The allocation part (rules, keeps, drops) without the budget."""
        return AllocateRequest(budget=None, rules=self.rules, keep=self.keep, drop=self.drop)


@dataclass(frozen=True)
class ScenarioRequest:
    """`scenario ACTION [NAME …]`: names (none, one or two) and, to save, the what-if."""

    action: ScenarioAction
    names: tuple[str, ...] = ()
    whatif: WhatIf | None = None
    text: str = ""


@dataclass(frozen=True)
class OutcomeRequest:
    """`outcome CHK success|failure [| realised 350k] [| on 2027-06-30]`."""

    key: str
    success: bool
    realised: Amount | None = None
    on: date | None = None


@dataclass(frozen=True)
class ItemForecastRequest:
    """`/roadmap forecast CHK` (every item) or `CHK-3` (one)."""

    key: str
    number: int | None = None


# -- what-if ------------------------------------------------------------------------------


def parse_whatif(cmd: CommandText) -> WhatIf:
    """`whatif [allocate] [BUDGET | −15%] | min … | max … | keep … | drop … | set KEY f v`."""
    head = cmd.head
    first, _, rest = head.partition(" ")
    if first.lower() == "allocate":
        head = rest.strip()
    elif first and not first[:1].isdigit() and first[:1] not in "$€£¥+-−":
        raise InvalidInput(
            f"A what-if answers `allocate` under changes; `{first}` isn't one of those. "
            f"Example: `{WHATIF_USAGE}`."
        )
    if re.fullmatch(r"[0-9]+(?:[.,][0-9]+)?\s*%", head.strip()):
        raise InvalidInput(
            f"Write a change of budget with its sign, like `-15%` or `+10%`, or a budget like "
            f"`1.7m`; you wrote `{head.strip()}`."
        )
    return _whatif(head, cmd.fields)


def _whatif(head: str, fields: tuple[tuple[str, str], ...]) -> WhatIf:
    names = [name for name, _ in fields]
    check_fields(CommandText("whatif", "", fields), _WHATIF_FIELDS, usage=WHATIF_USAGE)
    rule_fields = tuple((n, v) for n, v in fields if n != "set")
    budget_change = None
    budget_text = head.strip()
    relative = _RELATIVE.fullmatch(budget_text)
    if relative is not None:
        sign = -1 if relative[1] in "-−" else 1
        budget_change = sign * Decimal(relative[2].replace(",", ".")) / 100
        if budget_change <= -1:
            raise InvalidInput(
                f"The budget can drop by less than 100 %; you wrote `{budget_text}`. "
                "Example: `/portfolio whatif allocate -15%`."
            )
        budget_text = ""
    request = parse_allocate(CommandText("allocate", budget_text, rule_fields))
    changes = tuple(_change(value) for name, value in fields if name == "set")
    seen: set[tuple[str, str]] = set()
    for change in changes:
        if (change.key, change.field) in seen:
            raise InvalidInput(
                f"`set {change.key} {change.field}` is given twice; give each change once."
            )
        seen.add((change.key, change.field))
    if not changes and not names and request.budget is None and budget_change is None:
        raise InvalidInput(
            "Say what changes: a budget, rules or `| set KEY field value`. "
            f"Example: `{WHATIF_USAGE}`."
        )
    return WhatIf(
        budget=request.budget,
        budget_change=budget_change,
        rules=request.rules,
        keep=request.keep,
        drop=request.drop,
        changes=changes,
    )


def _change(text: str) -> Change:
    """`MOB confidence 40%`, `API return 300k`, `CHK category Core`."""
    words = text.split()
    if len(words) < 3:
        raise InvalidInput(
            "Write a change as `| set KEY field value`, e.g. `| set MOB confidence 40%`; "
            f"you wrote `| set {text}`."
        )
    key = parse_key(words[0])
    name = words[1].lower()
    value = " ".join(words[2:])
    if name not in CHANGE_FIELDS:
        if name in OTHER_PRODUCT_FIELDS:
            raise InvalidInput(
                f"A what-if changes what an allocation weighs: {', '.join(CHANGE_FIELDS)}. "
                f"`{name}` doesn't change an allocation; set it with `/portfolio set {key} | "
                f"{name} …`."
            )
        hint = did_you_mean(name, CHANGE_FIELDS)
        suggestion = f" Did you mean `{hint}`?" if hint else ""
        raise InvalidInput(
            f"A product has no field `{name}` a what-if can change.{suggestion} "
            f"Change any of: {', '.join(CHANGE_FIELDS)}, e.g. `| set {key} confidence 40%`."
        )
    if name in ("investment", "return"):
        return Change(key, name, parse_amount(value))
    if name == "confidence":
        return Change(key, name, parse_percent(value, what=f"`{key}` confidence"))
    return Change(key, name, clean_text(value, what="A category", max_len=CATEGORY_MAX))


def whatif_json(whatif: WhatIf) -> dict[str, Any]:
    """The what-if as JSON-safe values (Decimals as strings)."""
    return {
        "budget": None if whatif.budget is None else [str(whatif.budget[0]), whatif.budget[1]],
        "budget_change": None if whatif.budget_change is None else str(whatif.budget_change),
        "rules": [[r.kind, r.category, str(r.share)] for r in whatif.rules],
        "keep": list(whatif.keep),
        "drop": list(whatif.drop),
        "changes": [[c.key, c.field, *_value_json(c.value)] for c in whatif.changes],
    }


def _value_json(value: Amount | Decimal | str) -> list[str | None]:
    if isinstance(value, tuple):
        return ["amount", str(value[0]), value[1]]
    if isinstance(value, Decimal):
        return ["fraction", str(value), None]
    return ["text", value, None]


def whatif_from_json(data: dict[str, Any]) -> WhatIf:
    """A stored what-if back as values."""

    def value(kind: str, text: str, currency: str | None) -> Amount | Decimal | str:
        if kind == "amount":
            return (Decimal(text), currency)
        return Decimal(text) if kind == "fraction" else text

    budget = data.get("budget")
    change = data.get("budget_change")
    return WhatIf(
        budget=None if budget is None else (Decimal(budget[0]), budget[1]),
        budget_change=None if change is None else Decimal(change),
        rules=tuple(
            ShareRule(category, Decimal(share), kind) for kind, category, share in data["rules"]
        ),
        keep=tuple(data["keep"]),
        drop=tuple(data["drop"]),
        changes=tuple(
            Change(key, name, value(kind, text, currency))
            for key, name, kind, text, currency in data["changes"]
        ),
    )


# -- scenarios ----------------------------------------------------------------------------


def parse_scenario(cmd: CommandText) -> ScenarioRequest:
    """`scenario save NAME [BUDGET] | …`, `list`, `show|apply|drop NAME`, `compare A [B]`."""
    word, _, rest = cmd.head.partition(" ")
    if not word:
        raise InvalidInput(f"Say what to do with scenarios: `{SCENARIO_USAGE}`.")
    action = cast(ScenarioAction, one_of(word, SCENARIO_ACTIONS, what="scenario action"))
    rest = rest.strip()
    if action == "list":
        parse_nothing(CommandText("scenario", rest, cmd.fields), "/portfolio scenario list")
        return ScenarioRequest("list")
    name, _, after = rest.partition(" ")
    if not name:
        raise InvalidInput(f"Name the scenario, e.g. `/portfolio scenario {action} lean`.")
    first = scenario_name(name)
    if action == "save":
        parsed = parse_whatif(CommandText("whatif", after.strip(), cmd.fields))
        return ScenarioRequest("save", (first,), parsed, _written(after, cmd.fields))
    if action == "compare":
        check_fields(cmd, (), usage="/portfolio scenario compare lean [bold]")
        words = after.split()
        if len(words) > 1:
            raise InvalidInput("Compare one or two scenarios: `/portfolio scenario compare A B`.")
        names = (first, scenario_name(words[0])) if words else (first,)
        if len(names) == 2 and names[0].casefold() == names[1].casefold():
            raise InvalidInput(f"Compare `{first}` with another scenario, or on its own.")
        return ScenarioRequest("compare", names)
    parse_nothing(CommandText("scenario", after, cmd.fields), f"/portfolio scenario {action} NAME")
    return ScenarioRequest(action, (first,))


def scenario_name(text: str) -> str:
    """A scenario's name: letters, digits, `-`, `_`, `.`, at most 40 characters."""
    if len(text) > SCENARIO_NAME_MAX:
        raise InvalidInput(
            f"A scenario name can be at most {SCENARIO_NAME_MAX} characters; `{text[:50]}` has "
            f"{len(text)}."
        )
    if _NAME.fullmatch(text) is None:
        raise InvalidInput(
            f"A scenario name is one word of letters, digits, `-`, `_` or `.`, like `lean` or "
            f"`budget-cut`; you wrote `{text}`."
        )
    return text


def _written(head: str, fields: tuple[tuple[str, str], ...]) -> str:
    """The what-if as the person wrote it, normalised: `1.7m | drop CHK | set …`."""
    return " | ".join([p for p in (head.strip(),) if p] + [f"{n} {v}" for n, v in fields])


# -- frontier, forecast, outcome, calibration ---------------------------------------------


def parse_frontier(cmd: CommandText) -> AllocateRequest:
    """`frontier [BUDGET] | min … | max … | keep … | drop …` (the allocation's rules)."""
    if any(name == "by" for name, _ in cmd.fields):
        raise InvalidInput(
            "The frontier weighs expected value against risk, so it takes no `| by`. "
            f"Usage: `{FRONTIER_USAGE}`."
        )
    return parse_allocate(CommandText("allocate", cmd.head, cmd.fields))


def parse_forecast(cmd: CommandText) -> Amount | None:
    """`forecast [| target 3m]`: the target value, if one is given."""
    values = check_fields(cmd, ("target",), usage=FORECAST_USAGE)
    if cmd.head:
        raise InvalidInput(f"Give a target after `|`: `{FORECAST_USAGE}`.")
    return parse_amount(values["target"], allow_negative=True) if "target" in values else None


def parse_outcome(cmd: CommandText) -> OutcomeRequest:
    """`outcome CHK success|failure [| realised 350k] [| on 2027-06-30]`."""
    values = check_fields(cmd, ("realised", "realized", "on"), usage=OUTCOME_USAGE)
    words = cmd.head.split()
    if len(words) != 2:
        raise InvalidInput(f"Name the product and what happened: `{OUTCOME_USAGE}`.")
    key = parse_key(words[0])
    result = one_of(words[1], tuple(_SUCCESS), what="result")
    if "realised" in values and "realized" in values:
        raise InvalidInput("Give the realised amount once.")
    realised_text = values.get("realised", values.get("realized"))
    return OutcomeRequest(
        key=key,
        success=_SUCCESS[result],
        realised=parse_amount(realised_text) if realised_text is not None else None,
        on=parse_date(values["on"]) if "on" in values else None,
    )


def parse_calibration(cmd: CommandText) -> None:
    """`calibration` takes nothing."""
    parse_nothing(cmd, CALIBRATION_USAGE)


def parse_item_forecast(cmd: CommandText) -> ItemForecastRequest:
    """`/roadmap forecast CHK` or `/roadmap forecast CHK-3`."""
    check_fields(cmd, (), usage=ROADMAP_FORECAST_USAGE)
    words = cmd.head.split()
    if len(words) != 1:
        raise InvalidInput(f"Name one product or item: `{ROADMAP_FORECAST_USAGE}` or `CHK-3`.")
    if "-" in words[0]:
        key, number = parse_item_ref(words[0])
        return ItemForecastRequest(key, number)
    return ItemForecastRequest(parse_key(words[0]))
