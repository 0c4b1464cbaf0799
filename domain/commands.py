"""Command text to typed requests: each subcommand's fields, parsed and checked (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.chat_grammar import HEALTHS, ROADMAP_STATUSES, STAGES
from domain.dates import Target, parse_target
from domain.errors import InvalidInput
from domain.grammar import (
    CommandText,
    check_fields,
    clean_text,
    did_you_mean,
    parse_item_ref,
    parse_key,
    parse_mention,
    parse_positive_int,
)
from domain.money import parse_amount, parse_percent

Amount = tuple[Decimal, "str | None"]
NAME_MAX = 80
CATEGORY_MAX = 40
TEXT_MAX = 500

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
ROLES = ("portfolio-manager", "product-manager", "none")
RANK_MEASURES = ("roi", "risk", "npv", "score")


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

    def is_empty(self) -> bool:
        """True when no field was given."""
        return all(getattr(self, f) is None for f in self.__dataclass_fields__)


@dataclass(frozen=True)
class SetupRequest:
    name: str | None
    currency: str | None
    budget: Amount | None
    discount: Decimal | None


@dataclass(frozen=True)
class AddProductRequest:
    key: str
    fields: ProductFields


@dataclass(frozen=True)
class RankRequest:
    measure: str | None
    top: int | None
    category: str | None


@dataclass(frozen=True)
class ItemFields:
    title: str | None = None
    why: str | None = None
    target: Target | None = None
    objective: str | None = None
    status: str | None = None
    progress: int | None = None
    note: str | None = None
    blocker: str | None = None
    clears_blocker: bool = False
    reach: Decimal | None = None
    impact: Decimal | None = None
    confidence: Decimal | None = None
    effort: Decimal | None = None
    value: Decimal | None = None
    time_criticality: Decimal | None = None
    risk_reduction: Decimal | None = None
    job_size: Decimal | None = None


def one_of(text: str, choices: tuple[str, ...], *, what: str) -> str:
    """A word from a fixed list (case-insensitive, hyphens as spaces), else a specific error."""

    def norm(value: str) -> str:
        return " ".join(value.lower().replace("-", " ").replace("_", " ").split())

    word = norm(text)
    for choice in choices:
        if word == norm(choice):
            return choice
    hint = did_you_mean(word, choices)
    suggestion = f" Did you mean `{hint}`?" if hint else ""
    listed = ", ".join(f"`{c}`" for c in choices)
    raise InvalidInput(f"`{text}` isn't a {what}.{suggestion} Use one of {listed}.")


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
        stage=one_of(values["stage"], STAGES, what="lifecycle stage")
        if "stage" in values
        else None,
        health=one_of(values["health"], HEALTHS, what="health") if "health" in values else None,
        cashflows=cashflows,
        objectives=objectives,
    )


SETUP_USAGE = "/portfolio setup [NAME] [| currency EUR] [| budget 2m] [| discount 8%]"
ADD_USAGE = (
    "/portfolio add CHK Checkout | owner @alice | investment 120k | return 400k "
    "| confidence 70% | category Growth | stage development"
)
SET_USAGE = "/portfolio set CHK | investment 150k | confidence 60%"
RANK_USAGE = "/portfolio rank [roi|risk|npv|score] [top N] [category NAME]"


def parse_setup(cmd: CommandText) -> SetupRequest:
    """`setup [NAME] [| currency EUR] [| budget 2m] [| discount 8%]`."""
    values = check_fields(cmd, ("currency", "budget", "discount"), usage=SETUP_USAGE)
    name = clean_text(cmd.head, what="A portfolio name", max_len=NAME_MAX) if cmd.head else None
    currency = None
    if "currency" in values:
        currency = values["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise InvalidInput(
                f"`{values['currency']}` isn't a currency code. Use a three-letter ISO code "
                "such as `USD`, `EUR` or `GBP`."
            )
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
    """`set KEY | field value ...`."""
    values = check_fields(cmd, PRODUCT_FIELDS, usage=SET_USAGE)
    words = cmd.head.split()
    if len(words) != 1:
        raise InvalidInput(f"Name one product, then the fields to change, e.g. `{SET_USAGE}`.")
    key = parse_key(words[0])
    fields = parse_product_fields(values)
    if fields.is_empty():
        raise InvalidInput(f"Say what to change, e.g. `/portfolio set {key} | confidence 60%`.")
    return key, fields


def parse_single_key(cmd: CommandText, usage: str) -> str:
    """A command whose only argument is a product KEY."""
    check_fields(cmd, (), usage=usage)
    words = cmd.head.split()
    if len(words) != 1:
        raise InvalidInput(f"Name one product, e.g. `{usage}`.")
    return parse_key(words[0])


def parse_rank(cmd: CommandText) -> RankRequest:
    """`rank [roi|risk|npv|score] [top N] [category NAME]`."""
    check_fields(cmd, (), usage=RANK_USAGE)
    words = cmd.head.split()
    measure = top = category = None
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word == "top":
            if i + 1 >= len(words):
                raise InvalidInput("`top` needs a number, e.g. `/portfolio rank roi top 5`.")
            top = parse_positive_int(words[i + 1], what="top", high=1000)
            i += 2
        elif word == "category":
            if i + 1 >= len(words):
                raise InvalidInput(
                    "`category` needs a name, e.g. `/portfolio rank category Growth`."
                )
            category = " ".join(words[i + 1 :])
            break
        elif measure is None and i == 0:
            measure = one_of(word, RANK_MEASURES, what="ranking measure")
            i += 1
        else:
            raise InvalidInput(f"I don't understand `{words[i]}` here. Usage: `{RANK_USAGE}`.")
    return RankRequest(measure=measure, top=top, category=category)


GRANT_USAGE = "/portfolio grant @bob portfolio-manager"


def parse_grant(cmd: CommandText) -> tuple[str, str]:
    """`grant @user ROLE`."""
    check_fields(cmd, (), usage=GRANT_USAGE)
    words = cmd.head.split()
    if len(words) != 2:
        raise InvalidInput(f"Name a person and a role, e.g. `{GRANT_USAGE}`.")
    return parse_mention(words[0]), one_of(words[1], ROLES, what="role")


ROADMAP_ADD_USAGE = (
    "/roadmap add CHK Checkout v2 | target 2027-Q1 | why faster payments | objective GROW"
)
ROADMAP_UPDATE_USAGE = "/roadmap update CHK-3 testing 80% | note waiting on vendor"
ITEM_FIELDS = (
    "target",
    "why",
    "objective",
    "title",
    "note",
    "blocker",
    "status",
    "progress",
    "reach",
    "impact",
    "confidence",
    "effort",
    "value",
    "criticality",
    "risk",
    "size",
)


def parse_roadmap_add(cmd: CommandText) -> tuple[str, ItemFields]:
    """`/roadmap add KEY Title | target … | why … | objective …`."""
    values = check_fields(cmd, ("target", "why", "objective"), usage=ROADMAP_ADD_USAGE)
    words = cmd.head.split(maxsplit=1)
    if len(words) < 2:
        raise InvalidInput(f"Name the product and the item's title, e.g. `{ROADMAP_ADD_USAGE}`.")
    key = parse_key(words[0])
    fields = _item_fields(values)
    return key, ItemFields(
        **{
            **fields.__dict__,
            "title": clean_text(words[1], what="A roadmap item title", max_len=200),
        }
    )


def _measure(text: str, *, what: str) -> Decimal:
    value, currency = parse_amount(text)
    if currency is not None:
        raise InvalidInput(f"{what} is a number, not an amount of money; you wrote `{text}`.")
    return value


def _item_fields(values: dict[str, str]) -> ItemFields:
    from domain.prioritisation import validate_impact

    return ItemFields(
        title=clean_text(values["title"], what="A title", max_len=200)
        if "title" in values
        else None,
        why=clean_text(values["why"], what="The why", max_len=TEXT_MAX)
        if "why" in values
        else None,
        target=parse_target(values["target"]) if "target" in values else None,
        objective=parse_key(values["objective"]) if "objective" in values else None,
        status=one_of(values["status"], ROADMAP_STATUSES, what="status")
        if "status" in values
        else None,
        progress=_progress(values["progress"]) if "progress" in values else None,
        note=clean_text(values["note"], what="A note", max_len=TEXT_MAX)
        if "note" in values
        else None,
        blocker=clean_text(values["blocker"], what="A blocker", max_len=TEXT_MAX)
        if "blocker" in values
        else None,
        reach=_measure(values["reach"], what="Reach") if "reach" in values else None,
        impact=validate_impact(values["impact"]) if "impact" in values else None,
        confidence=parse_percent(values["confidence"], what="Confidence")
        if "confidence" in values
        else None,
        effort=_positive(values["effort"], what="Effort") if "effort" in values else None,
        value=_measure(values["value"], what="Value") if "value" in values else None,
        time_criticality=_measure(values["criticality"], what="Time criticality")
        if "criticality" in values
        else None,
        risk_reduction=_measure(values["risk"], what="Risk reduction")
        if "risk" in values
        else None,
        job_size=_positive(values["size"], what="Job size") if "size" in values else None,
    )


def _positive(text: str, *, what: str) -> Decimal:
    value = _measure(text, what=what)
    if value <= 0:
        raise InvalidInput(f"{what} must be more than zero; you wrote `{text}`.")
    return value


def _progress(text: str) -> int:
    fraction = parse_percent(text, what="Progress")
    return int((fraction * 100).to_integral_value())


def parse_roadmap_update(cmd: CommandText) -> tuple[str, int, ItemFields]:
    """`/roadmap update KEY-N [status] [P%] | field value …`."""
    values = check_fields(cmd, ITEM_FIELDS, usage=ROADMAP_UPDATE_USAGE)
    words = cmd.head.split()
    if not words:
        raise InvalidInput(f"Name the item to update, e.g. `{ROADMAP_UPDATE_USAGE}`.")
    key, number = parse_item_ref(words[0])
    rest = words[1:]
    status = progress = None
    if rest and rest[-1].endswith("%"):
        progress = _progress(rest.pop())
    if rest:
        status = one_of(" ".join(rest), ROADMAP_STATUSES, what="status")
    fields = _item_fields(values)
    if status is not None:
        fields = ItemFields(**{**fields.__dict__, "status": status})
    if progress is not None:
        fields = ItemFields(**{**fields.__dict__, "progress": progress})
    if fields == ItemFields():
        raise InvalidInput(
            f"Say what changed, e.g. `/roadmap update {key}-{number} testing 80%` or "
            f"`/roadmap update {key}-{number} | reach 2000 | impact 2 | confidence 80% | effort 3`."
        )
    return key, number, fields
