"""Block Kit pieces of Folio's forms, cut to Slack's limits (titles 24, options 75 characters)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.blocks import context, plain, section
from handlers.modals.ids import LOADING, NOTICE, action_id

TITLE_LIMIT = 24
OPTION_LIMIT = 75
VALUE_LIMIT = 150
PLACEHOLDER_LIMIT = 150
HINT_LIMIT = 2000


def text(value: str, limit: int = 3000) -> dict[str, Any]:
    """A plain_text object."""
    return {"type": "plain_text", "text": plain(value, limit), "emoji": True}


def option(value: str, label: str) -> dict[str, Any]:
    """One option of a select."""
    return {"text": text(label, OPTION_LIMIT), "value": value[:VALUE_LIMIT]}


def _input(
    field: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool,
    hint: str | None,
    placeholder: str | None,
) -> dict[str, Any]:
    if placeholder:
        element["placeholder"] = text(placeholder, PLACEHOLDER_LIMIT)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field,
        "label": text(label, 2000),
        "element": {"action_id": action_id(field), **element},
        "optional": optional,
    }
    if hint:
        block["hint"] = text(hint, HINT_LIMIT)
    return block


def text_input(
    field: str,
    label: str,
    *,
    initial: str | None = None,
    optional: bool = True,
    hint: str | None = None,
    placeholder: str | None = None,
    max_length: int | None = None,
    multiline: bool = False,
) -> dict[str, Any]:
    """A plain-text input (its text is read with the grammar's reader for that field)."""
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if max_length:
        element["max_length"] = max_length
    return _input(field, label, element, optional=optional, hint=hint, placeholder=placeholder)


def select(
    field: str,
    label: str,
    options: Sequence[tuple[str, str]],
    *,
    initial: str | None = None,
    optional: bool = True,
    hint: str | None = None,
    placeholder: str | None = None,
) -> dict[str, Any]:
    """A static select of (value, label) options (at most 100)."""
    listed = [option(value, shown) for value, shown in options[:100]]
    element: dict[str, Any] = {"type": "static_select", "options": listed}
    chosen = next((o for o in listed if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return _input(field, label, element, optional=optional, hint=hint, placeholder=placeholder)


def grouped_select(
    field: str,
    label: str,
    groups: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    *,
    initial: str | None = None,
    optional: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
) -> dict[str, Any]:
    """A static select in option groups (a group per product: the product, then its items)."""
    listed = [(name, [option(v, s) for v, s in entries]) for name, entries in groups[:100]]
    option_groups = [
        {"label": text(name, OPTION_LIMIT), "options": options}
        for name, options in listed
        if options
    ]
    element: dict[str, Any] = {"type": "static_select", "option_groups": option_groups}
    chosen = next((o for _, options in listed for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return _input(field, label, element, optional=optional, hint=hint, placeholder=placeholder)


def external_select(
    field: str,
    label: str,
    *,
    initial: tuple[str, str] | None = None,
    optional: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
) -> dict[str, Any]:
    """A select whose options Folio sends as the person types (block_suggestion)."""
    element: dict[str, Any] = {"type": "external_select", "min_query_length": 0}
    if initial is not None:
        element["initial_option"] = option(*initial)
    return _input(field, label, element, optional=optional, hint=hint, placeholder=placeholder)


def users_select(
    field: str, label: str, *, initial: str | None = None, optional: bool = True
) -> dict[str, Any]:
    """A person picker (read as the mention `<@U…>` the grammar takes)."""
    element: dict[str, Any] = {"type": "users_select"}
    if initial:
        element["initial_user"] = initial
    return _input(field, label, element, optional=optional, hint=None, placeholder="Pick a person")


def modal(
    callback_id: str,
    title: str,
    blocks: Sequence[dict[str, Any]],
    *,
    metadata: str = "",
    submit: str | None = None,
    close: str = "Cancel",
) -> dict[str, Any]:
    """A modal view (notify_on_close, so closing it is acknowledged too)."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": text(title, TITLE_LIMIT),
        "close": text(close, TITLE_LIMIT),
        "blocks": list(blocks)[:100],
        "private_metadata": metadata,
        "notify_on_close": True,
    }
    if submit:
        view["submit"] = text(submit, TITLE_LIMIT)
    return view


def loading(title: str, metadata: str = "") -> dict[str, Any]:
    """What the modal shows for the moment between the trigger and the loaded form."""
    return modal(LOADING, title, [section(":hourglass_flowing_sand: Loading…")], metadata=metadata)


def notice(title: str, mrkdwn: str, *, footer: str | None = None) -> dict[str, Any]:
    """A modal that only says something (a refusal, nothing to pick), closed with Close."""
    blocks = [section(mrkdwn)] + ([context(footer)] if footer else [])
    return modal(NOTICE, title, blocks, close="Close")
