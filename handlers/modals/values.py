"""A submitted view's state as {field: text}, the way the grammar reads `| field value` parts.

Every value is untrusted text: a select's option value, a typed value and a picked user
are read the same way, then parsed by the same readers as the typed commands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.errors import Conflict, FolioError, NotFound, PermissionDenied

ERROR_LIMIT = 2000  # what an error next to a field keeps of its text
USER_RE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def element_text(state: Mapping[str, Any]) -> str | None:
    """One element's value as text: typed text, a picked option's value, `<@U…>` for a person."""
    kind = state.get("type")
    if kind in ("static_select", "external_select"):
        chosen = state.get("selected_option")
        value = chosen.get("value") if isinstance(chosen, Mapping) else None
    elif kind == "users_select":
        user = state.get("selected_user")
        value = (
            f"<@{user}>"
            if isinstance(user, str) and user[:1] in "UW" and set(user) <= USER_RE_CHARS
            else None
        )
    else:
        value = state.get("value")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def form_values(view: Mapping[str, Any]) -> dict[str, str]:
    """The view's filled-in fields by block id (empty ones left out)."""
    state = view.get("state") if isinstance(view, Mapping) else None
    blocks = state.get("values") if isinstance(state, Mapping) else None
    values: dict[str, str] = {}
    if not isinstance(blocks, Mapping):
        return values
    for block_id, actions in blocks.items():
        if not isinstance(actions, Mapping):
            continue
        for element in actions.values():
            if isinstance(element, Mapping):
                text = element_text(element)
                if text is not None:
                    values[str(block_id)] = text
    return values


def error_text(problem: FolioError, name_of: Callable[[str], str] = str) -> str:
    """A problem as Slack shows it next to a field (plain text), with who can by name."""
    text = problem.message
    who = problem.who if isinstance(problem, PermissionDenied) else ()
    if who:
        text += " Who can: " + ", ".join(name_of(user) for user in who) + "."
    return text if len(text) <= ERROR_LIMIT else text[: ERROR_LIMIT - 1] + "…"


def field_for(problem: FolioError, fields: Mapping[type[FolioError], str], default: str) -> str:
    """The field a service's refusal belongs next to (a clashing key next to the key …)."""
    for kind in (Conflict, NotFound, PermissionDenied):
        if isinstance(problem, kind) and kind in fields:
            return fields[kind]
    return default
