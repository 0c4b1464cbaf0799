"""The prefix that makes a chat message an update, and which reader takes the rest."""

from __future__ import annotations

import re

from domain.chat_grammar.items import item_update
from domain.chat_grammar.metrics import metrics_update
from domain.chat_grammar.products import product_update
from domain.chat_grammar.text import check_length
from domain.chat_grammar.updates import ChatUpdate, FeedbackUpdate
from domain.errors import InvalidInput
from domain.grammar import check_characters

# Keys in any case (`chk-3:` is CHK-3), as slash commands take them.
_PREFIX_RE = re.compile(
    r"\s*(?P<key>[A-Za-z][A-Za-z0-9]{1,9})"
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
    body = check_characters(text[match.end() :].strip(), what="An update", line_breaks=True)
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
    check_length(body, what="Feedback")
    return FeedbackUpdate(key=key, text=body)


def _prefix_parts(match: re.Match[str]) -> tuple[str, int | None, str]:
    """The key (upper-case), item number and kind named by a matched prefix."""
    key = match["key"].upper()
    if match["number"] is not None:
        return key, int(match["number"]), "item"
    if match["kind"] is None:
        return key, None, "product"
    kind = match["kind"].lower()
    return key, None, "feedback" if kind == "feedback" else "metrics"


def typed_prefix(text: str) -> str | None:
    """The prefix as it was typed, without the colon (`CHX-1`, `chk metrics`), else None."""
    match = _PREFIX_RE.match(text)
    if match is None:
        return None
    return text[: match.end()].rstrip(" \t:").strip()
