"""`/portfolio setup`, `add`, `set`, `show`, `rank`, `grant`: fields parsed and checked (pure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from domain.commands.common import CATEGORY_MAX, NAME_MAX, TEXT_MAX, Amount
from domain.currencies import parse_currency
from domain.errors import InvalidInput
from domain.grammar import (
    CommandText,
    check_fields,
    clean_text,
    did_you_mean,
    one_of,
    parse_key,
    parse_mention,
    parse_positive_int,
)
from domain.money import parse_amount, parse_percent
from domain.vocabulary import (
    MEASURES,
    PORTFOLIO_MANAGER,
    ROLE_LABELS,
    ROLE_SYNONYMS,
    SLACK_ROLE_WORDS,
)
from domain.words import parse_health, parse_stage

PRODUCT_FIELDS = (
    "name",
    "owner",
    "investment",
    "return",
    "confidence",
    "category",
    "stage",
    "health",
    "cashflows",
    "objective",
)

SETUP_USAGE = "/portfolio setup [NAME] [| currency EUR] [| budget 2m] [| discount 8%]"
ADD_USAGE = (
    "/portfolio add CHK Checkout | owner @alice | investment 120k | return 400k "
    "| confidence 70% | category Growth | stage development"
)
SET_USAGE = "/portfolio set CHK | investment 150k | confidence 60%"
RANK_USAGE = "/portfolio rank [roi|risk|npv|score] [top N] [category NAME] [from N | page P]"
RANK_PAGE = 100
"""Rows one ranking answer lists; `from N` or `page P` reaches the rest."""
MAX_RANK_TOP = 1_000_000
RANK_EXAMPLES = {"top": "10", "from": "101", "page": "2"}
GRANT_USAGE = "/portfolio grant @bob portfolio manager"


@dataclass(frozen=True)
class ProductFields:
    """Optional product fields, as typed values (amounts keep the currency they were written in)."""

    name: str | None = None
    owner_id: str | None = None
    investment: Amount | None = None
    expected_return: Amount | None = None
    confidence: Decimal | None = None
    category: str | None = None
    stage: str | None = None
    health: str | None = None
    cashflows: tuple[Amount, ...] | None = None
    objectives: tuple[str, ...] | None = None
    why: str | None = None  # the reason for a change (`| why …`), kept with a proposal

    def is_empty(self) -> bool:
        """True when no field was given (a reason alone changes nothing)."""
        return all(getattr(self, f) is None for f in self.__dataclass_fields__ if f != "why")


@dataclass(frozen=True)
class SetupRequest:
    """`/portfolio setup`: the portfolio's name, currency, budget and discount rate, if given."""

    name: str | None
    currency: str | None
    budget: Amount | None
    discount: Decimal | None


@dataclass(frozen=True)
class AddProductRequest:
    """`/portfolio add`: the new product's key and fields."""

    key: str
    fields: ProductFields


@dataclass(frozen=True)
class RankRequest:
    """`/portfolio rank`: the measure (None: the channel's default), how many, which category.

    start: the position of the first row listed (1, or 101 for `from 101` or `page 2`).
    """

    measure: str | None
    top: int | None
    category: str | None
    start: int = 1
    calibrated: bool = False  # `rank risk calibrated`: confidence corrected by outcomes


def parse_product_fields(values: dict[str, str]) -> ProductFields:
    """Typed product fields from `field value` parts."""

    def amount(name: str) -> Amount | None:
        return parse_amount(values[name]) if name in values else None

    cashflows = None
    if "cashflows" in values:
        parts = [p for p in values["cashflows"].replace(";", ",").split(",") if p.strip()]
        if not parts:
            raise InvalidInput(
                "`cashflows` needs yearly amounts, e.g. `| cashflows -100k, 50k, 80k`."
            )
        cashflows = tuple(parse_amount(p, allow_negative=True) for p in parts)
    objectives = None
    if "objective" in values:
        objectives = tuple(
            parse_key(w) for w in values["objective"].replace(",", " ").split() if w != "none"
        )
    return ProductFields(
        name=clean_text(values["name"], what="A product name", max_len=NAME_MAX)
        if "name" in values
        else None,
        owner_id=parse_mention(values["owner"]) if "owner" in values else None,
        investment=amount("investment"),
        expected_return=amount("return"),
        confidence=parse_percent(values["confidence"], what="Confidence")
        if "confidence" in values
        else None,
        category=clean_text(values["category"], what="A category", max_len=CATEGORY_MAX)
        if "category" in values
        else None,
        stage=parse_stage(values["stage"]) if "stage" in values else None,
        health=parse_health(values["health"]) if "health" in values else None,
        cashflows=cashflows,
        objectives=objectives,
    )


def parse_setup(cmd: CommandText) -> SetupRequest:
    """`setup [NAME] [| currency EUR] [| budget 2m] [| discount 8%]`."""
    values = check_fields(cmd, ("currency", "budget", "discount"), usage=SETUP_USAGE)
    name = clean_text(cmd.head, what="A portfolio name", max_len=NAME_MAX) if cmd.head else None
    currency = parse_currency(values["currency"]) if "currency" in values else None
    budget = parse_amount(values["budget"]) if "budget" in values else None
    discount = None
    if "discount" in values:
        discount = parse_percent(values["discount"], high=Decimal(100), what="The discount rate")
    return SetupRequest(name=name, currency=currency, budget=budget, discount=discount)


def parse_add(cmd: CommandText) -> AddProductRequest:
    """`add KEY Name | field value ...`."""
    values = check_fields(cmd, tuple(f for f in PRODUCT_FIELDS if f != "name"), usage=ADD_USAGE)
    words = cmd.head.split(maxsplit=1)
    if not words:
        raise InvalidInput(f"Give the new product a key and a name, e.g. `{ADD_USAGE}`.")
    key = parse_key(words[0])
    if len(words) < 2:
        raise InvalidInput(f"{key} needs a name too, e.g. `/portfolio add {key} Checkout`.")
    fields = parse_product_fields({**values, "name": words[1]})
    return AddProductRequest(key=key, fields=fields)


def parse_set(cmd: CommandText) -> tuple[str, ProductFields]:
    """`set KEY | field value ... [| why …]`."""
    values = check_fields(cmd, (*PRODUCT_FIELDS, "why"), usage=SET_USAGE)
    words = cmd.head.split()
    if len(words) != 1:
        raise InvalidInput(f"Name one product, then the fields to change, e.g. `{SET_USAGE}`.")
    key = parse_key(words[0])
    fields = parse_product_fields(values)
    if "why" in values:
        fields = replace(fields, why=clean_text(values["why"], what="The reason", max_len=TEXT_MAX))
    if fields.is_empty():
        raise InvalidInput(f"Say what to change, e.g. `/portfolio set {key} | confidence 60%`.")
    return key, fields


RENAME_USAGE = "/portfolio rename Consumer | to Retail"
DELETE_USAGE = "/portfolio delete Consumer"


def parse_rename(cmd: CommandText) -> tuple[str, str]:
    """`rename OLD NAME | to NEW NAME`: the portfolio's name now and the name it gets."""
    values = check_fields(cmd, ("to",), usage=RENAME_USAGE)
    if not cmd.head or "to" not in values:
        raise InvalidInput(f"Name the portfolio and its new name, e.g. `{RENAME_USAGE}`.")
    old = clean_text(cmd.head, what="A portfolio name", max_len=NAME_MAX)
    return old, clean_text(values["to"], what="A portfolio name", max_len=NAME_MAX)


def parse_delete(cmd: CommandText) -> str:
    """`delete NAME`: the empty portfolio to delete."""
    check_fields(cmd, (), usage=DELETE_USAGE)
    if not cmd.head:
        raise InvalidInput(f"Name the portfolio to delete, e.g. `{DELETE_USAGE}`.")
    return clean_text(cmd.head, what="A portfolio name", max_len=NAME_MAX)


def parse_single_key(cmd: CommandText, usage: str) -> str:
    """A command whose only argument is a product KEY (`show`, `remove`)."""
    check_fields(cmd, (), usage=usage)
    words = cmd.head.split()
    if len(words) != 1:
        raise InvalidInput(f"Name one product, e.g. `{usage}`.")
    return parse_key(words[0])


def parse_rank(cmd: CommandText) -> RankRequest:
    """`rank [roi|risk|npv|score] [top N] [category NAME] [from N | page P]`."""
    check_fields(cmd, (), usage=RANK_USAGE)
    words = cmd.head.split()
    measure = top = category = start = None
    i = 0
    calibrated = False
    while i < len(words):
        word = words[i].lower()
        if word in ("top", "from", "page"):
            if i + 1 >= len(words):
                raise InvalidInput(
                    f"`{word}` needs a number, e.g. `/portfolio rank roi {word} "
                    f"{RANK_EXAMPLES[word]}`."
                )
            if word == "top":
                top = parse_positive_int(words[i + 1], what="top", high=MAX_RANK_TOP)
            else:
                if start is not None:
                    raise InvalidInput("Give one of `from N` or `page P`, e.g. `from 101`.")
                number = parse_positive_int(words[i + 1], what=word, high=MAX_RANK_TOP)
                start = number if word == "from" else (number - 1) * RANK_PAGE + 1
            i += 2
        elif word == "category":
            names: list[str] = []
            i += 1
            while i < len(words) and words[i].lower() not in ("top", "from", "page"):
                names.append(words[i])
                i += 1
            if not names:
                raise InvalidInput(
                    "`category` needs a name, e.g. `/portfolio rank category Growth`."
                )
            category = " ".join(names)
        elif word == "calibrated":
            calibrated = True
            i += 1
        elif measure is None and i == 0:
            measure = one_of(word, MEASURES, what="ranking measure")
            i += 1
        else:
            raise InvalidInput(f"I don't understand `{words[i]}` here. Usage: `{RANK_USAGE}`.")
    return RankRequest(
        measure=measure, top=top, category=category, start=start or 1, calibrated=calibrated
    )


def parse_grant(cmd: CommandText) -> tuple[str, str]:
    """`grant @user ROLE`: the role as stored (`portfolio-manager`, `none`, `product-manager`)."""
    check_fields(cmd, (), usage=GRANT_USAGE)
    words = cmd.head.split(maxsplit=1)
    if len(words) != 2:
        raise InvalidInput(f"Name a person and a role, e.g. `{GRANT_USAGE}`.")
    return parse_mention(words[0]), parse_role(words[1])


def parse_role(text: str) -> str:
    """A role as people type it: `portfolio manager` or `portfolio-manager`, `manager`, `none`."""
    word = " ".join(text.lower().replace("-", " ").replace("_", " ").split())
    if word in ROLE_SYNONYMS:
        return ROLE_SYNONYMS[word]
    choices = f"`{ROLE_LABELS[PORTFOLIO_MANAGER]}` or `none`"
    if word in SLACK_ROLE_WORDS:
        raise InvalidInput(
            f"Folio has no `{text.strip()}` role: Slack's workspace admins and owners are set in "
            f"Slack and are always portfolio managers. The roles Folio grants: {choices}, e.g. "
            f"`{GRANT_USAGE}`."
        )
    hint = did_you_mean(word, ROLE_SYNONYMS)
    suggestion = f" Did you mean `{hint}`?" if hint else ""
    raise InvalidInput(
        f"`{text.strip()}` isn't a role.{suggestion} The roles Folio grants: {choices}, "
        f"e.g. `{GRANT_USAGE}`."
    )
