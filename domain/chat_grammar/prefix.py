"""The prefix that makes a chat message an update, and which reader takes the rest."""

from __future__ import annotations

import re

from domain.chat_grammar.items import item_update
from domain.chat_grammar.metrics import metrics_update
from domain.chat_grammar.products import product_update
from domain.chat_grammar.updates import ChatUpdate, FeedbackUpdate
from domain.errors import InvalidInput

_PREFIX_RE = re.compile(
    r"\s*(?P<key>[A-Z][A-Z0-9]{1,9})"
    r"(?:-(?P<number>[0-9]{1,9})|[ \t]+(?P<kind>(?i:metrics|metric|feedback)))?"
    r"[ \t]*:(?!//)"
)


def match_prefix(text: str) -> tuple[str, int | None, str] | None:
    """(KEY, item number or None, kind) if the text starts like a chat update, else None."""
    match = _PREFIX_RE.match(text)
    if match is None:
        return None
    return _prefix_parts(match)


def parse_chat_update(text: str) -> ChatUpdate | None:
    """Read a chat message as an update, None if it doesn't start with a prefix."""
    match = _PREFIX_RE.match(text)
    if match is None:
        return None
    key, number, kind = _prefix_parts(match)
    body = text[match.end() :].strip()
    if kind == "item":
        assert number is not None
        return item_update(key, number, body)
    if kind == "product":
        return product_update(key, body)
    if kind == "metrics":
        return metrics_update(key, body)
    if not body:
        raise InvalidInput(
            f"Write the feedback after `{key} feedback:`, like "
            f"`{key} feedback: customers want Apple Pay`."
        )
    return FeedbackUpdate(key=key, text=body)


def _prefix_parts(match: re.Match[str]) -> tuple[str, int | None, str]:
    """The key, item number and kind named by a matched prefix."""
    if match["number"] is not None:
        return match["key"], int(match["number"]), "item"
    if match["kind"] is None:
        return match["key"], None, "product"
    kind = match["kind"].lower()
    return match["key"], None, "feedback" if kind == "feedback" else "metrics"
