"""The Post update form's fields, read with the grammar's own readers (pure).

Each field is read alone, so a mistake is reported next to the field it is in, in the
words `/roadmap update … | field value` (or the chat update `CHK metrics: …`) would use.
`from_chat` turns a chat message into the form's starting values (the message shortcut).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from domain.chat_grammar import (
    ChatUpdate,
    FeedbackUpdate,
    ItemUpdate,
    MetricsUpdate,
    ProductUpdate,
    parse_chat_update,
)
from domain.chat_grammar.metrics import metrics_update
from domain.commands.portfolio import parse_product_fields
from domain.commands.roadmap import parse_item_fields
from domain.errors import InvalidInput
from domain.grammar import parse_item_ref, parse_key
from domain.money import plain_decimal

FORM_FIELDS = ("about", "status", "progress", "health", "blocker", "note", "metrics")
ITEM_ONLY = ("status", "progress", "blocker")
T = TypeVar("T")


@dataclass(frozen=True)
class UpdateForm:
    """A Post update form, read: the product or item, and what to record about it."""

    key: str
    number: int | None = None  # the item's number; None for the product itself
    status: str | None = None
    progress: int | None = None
    blocker: str | None = None
    clears_blocker: bool = False
    health: str | None = None
    note: str | None = None
    metrics: tuple[tuple[str, Decimal], ...] = ()
    currencies: tuple[tuple[str, str], ...] = ()  # (metric, the currency it was written in)

    @property
    def ref(self) -> str:
        """`CHK-3` for an item, `CHK` for the product."""
        return f"{self.key}-{self.number}" if self.number is not None else self.key


def parse_about(text: str) -> tuple[str, int | None]:
    """A picked product (`CHK`) or roadmap item (`CHK-3`)."""
    written = text.strip()
    if "-" in written:
        return parse_item_ref(written)
    return parse_key(written), None


def _read(
    values: dict[str, str], errors: dict[str, str], field: str, reader: Callable[[str], T]
) -> T | None:
    """One field read alone; its problem goes to `errors` under the field's name."""
    if field not in values:
        return None
    try:
        return reader(values[field])
    except InvalidInput as problem:
        errors[field] = problem.message
        return None


def parse_update_form(values: dict[str, str]) -> tuple[UpdateForm | None, dict[str, str]]:
    """The form read from {field: text} (empty fields left out), and each field's problem."""
    errors: dict[str, str] = {}
    target = _read(values, errors, "about", parse_about)
    if "about" not in values:
        errors["about"] = "Pick the product or roadmap item this update is about."
    status = _read(values, errors, "status", lambda v: parse_item_fields({"status": v}).status)
    progress = _read(
        values, errors, "progress", lambda v: parse_item_fields({"progress": v}).progress
    )
    blocker = _read(values, errors, "blocker", lambda v: parse_item_fields({"blocker": v}))
    note = _read(values, errors, "note", lambda v: parse_item_fields({"note": v}).note)
    health = _read(values, errors, "health", lambda v: parse_product_fields({"health": v}).health)
    key, number = target if target is not None else (None, None)
    metrics = _read(values, errors, "metrics", lambda v: metrics_update(key or "CHK", v))
    if key is not None and number is None:
        for field in ITEM_ONLY:
            if field in values:
                errors.setdefault(
                    field,
                    f"Status, progress and blockers belong to a roadmap item: pick one of "
                    f"{key}'s items (like `{key}-1`) instead of the product.",
                )
    if key is None or errors:
        return None, errors
    if not any(f in values for f in FORM_FIELDS if f != "about"):
        return None, {
            "note": "Fill in at least one of status, progress, health, blocker, note or metrics."
        }
    form = UpdateForm(
        key=key,
        number=number,
        status=status,
        progress=progress,
        blocker=blocker.blocker if blocker else None,
        clears_blocker=blocker.clears_blocker if blocker else False,
        health=health,
        note=note,
        metrics=metrics.metrics if metrics else (),
        currencies=metrics.currencies if metrics else (),
    )
    return form, {}


def from_chat(text: str) -> tuple[dict[str, str], str | None]:
    """A message as the form's starting values, and why it couldn't be read (if it couldn't).

    A message that isn't written as an update (`Vendor slips again`) becomes the note.
    """
    try:
        parsed = parse_chat_update(text)
    except InvalidInput as problem:
        return {"note": " ".join(text.split())[:500]}, problem.message
    if parsed is None:
        return ({"note": " ".join(text.split())[:500]} if text.strip() else {}), None
    return chat_values(parsed), None


def chat_values(parsed: ChatUpdate) -> dict[str, str]:
    """A chat update's parts as form values (`CHK-3`, `testing`, `80%` …)."""
    if isinstance(parsed, ItemUpdate):
        values = {"about": f"{parsed.key}-{parsed.number}", "note": parsed.note}
        if parsed.status:
            values["status"] = parsed.status
        if parsed.progress is not None:
            values["progress"] = f"{parsed.progress}%"
        if parsed.blocker:
            values["blocker"] = parsed.blocker
        elif parsed.clears_blocker:
            values["blocker"] = "none"
        return {k: v for k, v in values.items() if v}
    if isinstance(parsed, ProductUpdate):
        values = {"about": parsed.key, "note": parsed.note, "health": parsed.health or ""}
        return {k: v for k, v in values.items() if v}
    if isinstance(parsed, MetricsUpdate):
        written = ", ".join(f"{name} {plain_decimal(value)}" for name, value in parsed.metrics)
        return {"about": parsed.key, "metrics": written}
    assert isinstance(parsed, FeedbackUpdate)
    return {"about": parsed.key, "note": parsed.text}


def update_line(form: UpdateForm) -> str:
    """The update as one chat-style line, as it is kept in the history: `CHK-3: testing, 80%`."""
    parts: list[str] = []
    if form.status:
        parts.append(form.status)
    if form.progress is not None:
        parts.append(f"{form.progress}%")
    if form.health:
        parts.append(form.health)
    if form.blocker:
        parts.append(f"blocked by {form.blocker}")
    elif form.clears_blocker:
        parts.append("unblocked")
    if form.metrics:
        parts.append(
            "metrics " + ", ".join(f"{name} {plain_decimal(value)}" for name, value in form.metrics)
        )
    line = ", ".join(parts)
    if form.note:
        line = f"{line} — {form.note}" if line else form.note
    return f"{form.ref}: {line}"
