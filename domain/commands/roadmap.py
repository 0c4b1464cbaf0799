"""`/roadmap add`, `update` and `rank`: item fields and RICE/WSJF inputs, parsed (pure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal, cast

from domain.chat_grammar.items import read_item_words
from domain.commands.common import TEXT_MAX, TITLE_MAX
from domain.dates import Target, parse_target
from domain.errors import InvalidInput
from domain.grammar import (
    CommandText,
    check_fields,
    clean_text,
    one_of,
    parse_item_ref,
    parse_key,
)
from domain.money import parse_amount, parse_percent
from domain.prioritisation import validate_impact
from domain.words import is_clear_word, parse_status

Method = Literal["rice", "wsjf"]
METHODS: tuple[Method, ...] = ("rice", "wsjf")

ROADMAP_ADD_USAGE = (
    "/roadmap add CHK Checkout v2 | target 2027-Q1 | why faster payments | objective GROW"
)
ROADMAP_UPDATE_USAGE = "/roadmap update CHK-3 testing 80% | note waiting on vendor"
ITEM_RANK_USAGE = "/roadmap rank CHK [rice|wsjf]"
ITEM_FIELDS = (
    "target",
    "why",
    "objective",
    "title",
    "note",
    "blocker",
    "unblocked",
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


@dataclass(frozen=True)
class ItemFields:
    """A roadmap item's fields as typed values; None means "not given"."""

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


@dataclass(frozen=True)
class ItemRankRequest:
    """`/roadmap rank KEY [rice|wsjf]`: whose open items, scored how."""

    key: str
    method: Method = "rice"


def parse_roadmap_add(cmd: CommandText) -> tuple[str, ItemFields]:
    """`/roadmap add KEY Title | target … | why … | objective …`."""
    values = check_fields(cmd, ("target", "why", "objective"), usage=ROADMAP_ADD_USAGE)
    words = cmd.head.split(maxsplit=1)
    if len(words) < 2:
        raise InvalidInput(f"Name the product and the item's title, e.g. `{ROADMAP_ADD_USAGE}`.")
    key = parse_key(words[0])
    fields = _item_fields(values)
    title = clean_text(words[1], what="A roadmap item title", max_len=TITLE_MAX)
    return key, replace(fields, title=title)


def parse_roadmap_update(cmd: CommandText) -> tuple[str, int, ItemFields]:
    """`/roadmap update KEY-N [status] [P%] | field value …`."""
    values = check_fields(cmd, ITEM_FIELDS, usage=ROADMAP_UPDATE_USAGE)
    words = cmd.head.split()
    if not words:
        raise InvalidInput(f"Name the item to update, e.g. `{ROADMAP_UPDATE_USAGE}`.")
    key, number = parse_item_ref(words[0])
    ref = f"{key}-{number}"
    status, progress, clears = read_item_words(
        ref, " ".join(words[1:]), example=f"`/roadmap update {ref} testing 80%`"
    )
    fields = _item_fields(values)
    if status is not None:
        fields = replace(fields, status=status)
    if progress is not None:
        fields = replace(fields, progress=progress)
    if clears:
        if fields.blocker is not None:
            raise InvalidInput(
                f"`{ref}` is both blocked and unblocked in one command; say one, like "
                f"`/roadmap update {ref} unblocked` or `/roadmap update {ref} | blocker legal`."
            )
        fields = replace(fields, clears_blocker=True)
    if fields == ItemFields():
        raise InvalidInput(
            f"Say what changed, e.g. `/roadmap update {key}-{number} testing 80%` or "
            f"`/roadmap update {key}-{number} | reach 2000 | impact 2 | confidence 80% | effort 3`."
        )
    return key, number, fields


def parse_item_rank(cmd: CommandText) -> ItemRankRequest:
    """`/roadmap rank KEY [rice|wsjf]` (RICE when no method is named)."""
    check_fields(cmd, (), usage=ITEM_RANK_USAGE)
    words = cmd.head.split()
    if not 1 <= len(words) <= 2:
        raise InvalidInput(f"Name one product, e.g. `{ITEM_RANK_USAGE}`.")
    key = parse_key(words[0])
    if len(words) == 1:
        return ItemRankRequest(key=key)
    method = one_of(words[1], METHODS, what="prioritisation method")
    return ItemRankRequest(key=key, method=cast(Method, method))


def _item_fields(values: dict[str, str]) -> ItemFields:
    """Typed item fields from `field value` parts (`| blocker none` and `| unblocked` clear)."""
    blocker = values.get("blocker")
    clears = "unblocked" in values or (blocker is not None and is_clear_word(blocker))
    if clears and blocker is not None and not is_clear_word(blocker):
        raise InvalidInput(
            "`| unblocked` and `| blocker …` contradict each other; give one, like "
            "`| unblocked` or `| blocker legal review`."
        )
    if clears:
        blocker = None
    return ItemFields(
        clears_blocker=clears,
        title=clean_text(values["title"], what="A title", max_len=TITLE_MAX)
        if "title" in values
        else None,
        why=clean_text(values["why"], what="The why", max_len=TEXT_MAX)
        if "why" in values
        else None,
        target=parse_target(values["target"]) if "target" in values else None,
        objective=parse_key(values["objective"]) if "objective" in values else None,
        status=parse_status(values["status"]) if "status" in values else None,
        progress=_progress(values["progress"]) if "progress" in values else None,
        note=clean_text(values["note"], what="A note", max_len=TEXT_MAX)
        if "note" in values
        else None,
        blocker=clean_text(blocker, what="A blocker", max_len=TEXT_MAX)
        if blocker is not None
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


def _measure(text: str, *, what: str) -> Decimal:
    """A plain number (`2000`, `2k`), refusing an amount of money."""
    value, currency = parse_amount(text)
    if currency is not None:
        raise InvalidInput(f"{what} is a number, not an amount of money; you wrote `{text}`.")
    return value


def _positive(text: str, *, what: str) -> Decimal:
    """A plain number above zero."""
    value = _measure(text, what=what)
    if value <= 0:
        raise InvalidInput(f"{what} must be more than zero; you wrote `{text}`.")
    return value


def _progress(text: str) -> int:
    """A progress percentage as a whole number 0-100."""
    fraction = parse_percent(text, what="Progress")
    return int((fraction * 100).to_integral_value())


def parse_item_fields(values: dict[str, str]) -> ItemFields:
    """Typed item fields from {field: text}, read as the `| field value` parts are (forms too)."""
    return _item_fields(values)
