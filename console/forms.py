"""A modal as a form filled in at the prompt: one field per line, errors next to their field.

The form keeps the element states Slack would keep (`view.state.values`) and hands them
back as the `view_submission` payload's state, so the real listeners read them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from console.workspace import USERS

KEEP_HINT = (
    "One field per line: Enter keeps what is shown (or leaves it empty), `-` empties it, "
    "a number picks from a list, :cancel closes the form."
)
INPUT_KINDS = ("plain_text_input", "static_select", "external_select", "users_select")
Suggest = Callable[[str, str], list[tuple[str, str]]]  # (block_id, typed) -> options


def _label(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, Mapping) else ""


@dataclass
class Field:
    """One input of the modal."""

    block_id: str
    action_id: str
    kind: str
    label: str
    optional: bool
    hint: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    value: str | None = None  # the element's value now (option value, text, user id)
    shown: str | None = None  # how the value is shown (an option's label, @name)
    error: str | None = None

    def state(self) -> dict[str, Any] | None:
        """The element's state as Slack reports it, None when empty."""
        if self.value is None:
            return {"type": self.kind, "value": None} if self.kind == "plain_text_input" else None
        if self.kind == "plain_text_input":
            return {"type": self.kind, "value": self.value}
        if self.kind == "users_select":
            return {"type": self.kind, "selected_user": self.value}
        label = {"type": "plain_text", "text": self.shown or self.value}
        option = {"text": label, "value": self.value}
        return {"type": self.kind, "selected_option": option}


def _options(element: Mapping[str, Any]) -> list[tuple[str, str]]:
    listed = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        listed.extend(group.get("options") or [])
    return [(str(o.get("value")), _label(o.get("text"))) for o in listed]


def read_fields(view: Mapping[str, Any]) -> list[Field]:
    """The modal's inputs, with the values it starts with."""
    fields = []
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        if block.get("type") != "input" or element.get("type") not in INPUT_KINDS:
            continue
        item = Field(
            block_id=str(block.get("block_id")),
            action_id=str(element.get("action_id")),
            kind=str(element.get("type")),
            label=_label(block.get("label")),
            optional=bool(block.get("optional")),
            hint=_label(block.get("hint")),
            options=_options(element),
        )
        initial = element.get("initial_option")
        if isinstance(initial, Mapping):
            item.value, item.shown = str(initial.get("value")), _label(initial.get("text"))
        elif element.get("initial_value"):
            item.value = item.shown = str(element["initial_value"])
        elif element.get("initial_user"):
            item.value = str(element["initial_user"])
            item.shown = "@" + next((u.name for u in USERS if u.id == item.value), item.value)
        fields.append(item)
    return fields


class Form:
    """The person filling in one modal, field by field."""

    def __init__(self, view: Mapping[str, Any], suggest: Suggest) -> None:
        self.view = dict(view)
        self.fields = read_fields(view)
        self.suggest = suggest
        self.todo = list(range(len(self.fields)))
        self.offered: list[tuple[str, str]] = []  # the options just listed for the field

    @property
    def title(self) -> str:
        """The modal's title."""
        return _label(self.view.get("title"))

    @property
    def done(self) -> bool:
        """Whether every field has been answered (the form is ready to submit)."""
        return not self.todo

    @property
    def current(self) -> Field:
        """The field being asked."""
        return self.fields[self.todo[0]]

    def prompt(self) -> str:
        """`  Key*: ` or `  Stage [research]: `."""
        item = self.current
        mark = "" if item.optional else "*"
        now = f" [{item.shown}]" if item.shown else ""
        return f"  {item.label}{mark}{now}: "

    def describe(self) -> list[str]:
        """What to say before asking the current field: its error, hint and choices."""
        item = self.current
        lines = []
        if item.error:
            lines.append(f"  ⚠ {item.label}: {item.error}")
        if item.hint:
            lines.append(f"    ({item.hint})")
        choices = self.offered or (item.options if item.kind == "static_select" else [])
        if choices:
            listed = [f"{n}) {label}" for n, (_, label) in enumerate(choices, 1)]
            if sum(len(entry) + 2 for entry in listed) <= 90:
                lines.append("    " + "  ".join(listed))
            else:
                lines.extend("    " + entry for entry in listed)
        elif item.kind == "external_select":
            lines.append("    (type part of a key or a name to search)")
        return lines

    def answer(self, line: str) -> str | None:
        """Take one typed line for the current field; a complaint to show, else None."""
        item = self.current
        typed = line.strip()
        if typed == "-":
            item.value = item.shown = None
        elif typed:
            problem = self._take(item, typed)
            if problem is not None:
                return problem
        if item.value is None and not item.optional:
            return f"{item.label} is required."
        item.error = None
        self.offered = []
        self.todo.pop(0)
        return None

    def _take(self, item: Field, typed: str) -> str | None:
        if item.kind == "plain_text_input":
            item.value = item.shown = typed
            return None
        if item.kind == "users_select":
            name = typed.removeprefix("<@").removesuffix(">").lstrip("@").lower()
            user = next((u for u in USERS if name in (u.name, u.id.lower())), None)
            if user is None:
                return f"No person `{typed}`: " + ", ".join("@" + u.name for u in USERS)
            item.value, item.shown = user.id, "@" + user.name
            return None
        choices = self.offered or item.options
        if typed.isdigit() and 1 <= int(typed) <= len(choices):
            item.value, item.shown = choices[int(typed) - 1]
            return None
        if item.kind == "external_select":
            choices = self.suggest(item.block_id, typed)
        exact = [c for c in choices if typed.lower() in (c[0].lower(), c[1].lower())]
        near = exact or [c for c in choices if typed.lower() in c[1].lower()]
        if len(near) == 1:
            item.value, item.shown = near[0]
            return None
        self.offered = near or ([] if item.kind == "static_select" else choices)
        return "Pick one by its number." if near else f"Nothing matches `{typed}`."

    def refuse(self, errors: Mapping[str, str]) -> bool:
        """Slack's `response_action: errors`: the whole form again, errors next to their fields
        (the fix may be in another field, as in Slack); False if no field has an error."""
        for item in self.fields:
            item.error = str(errors[item.block_id]) if item.block_id in errors else None
        self.todo = list(range(len(self.fields)))
        return any(item.error for item in self.fields)

    def state(self) -> dict[str, Any]:
        """`view.state` as Slack sends it with view_submission."""
        values = {}
        for item in self.fields:
            element = item.state()
            if element is not None:
                values[item.block_id] = {item.action_id: element}
        return {"values": values}
