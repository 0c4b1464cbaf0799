"""Rendered mrkdwn to Block Kit, within Slack's limits (50 blocks, 3,000 characters a section)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
FALLBACK_LIMIT = 3000
CONTEXT_LIMIT = 2000
SECTION_BUDGET = 2900  # room for an "… and N more" line


@dataclass
class Message:
    """A message being assembled: blocks plus the plain-text fallback."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def payload(self, **extra: Any) -> dict[str, Any]:
        """The chat.postMessage / respond() keyword arguments."""
        return {"text": self.text, "blocks": self.blocks, **extra}


def plain(text: str, limit: int) -> str:
    """Cut text to a limit with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(title: str) -> dict[str, Any]:
    """A header block (plain text, at most 150 characters)."""
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": plain(title, HEADER_LIMIT), "emoji": True},
    }


def section(text: str) -> dict[str, Any]:
    """A mrkdwn section (cut to 3,000 characters)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": plain(text, SECTION_LIMIT)}}


def fields_section(pairs: Sequence[str]) -> dict[str, Any]:
    """A section of up to 10 mrkdwn fields."""
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": plain(p, 2000)} for p in pairs[:10]],
    }


def context(text: str) -> dict[str, Any]:
    """A small grey line of mrkdwn."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": plain(text, CONTEXT_LIMIT)}]}


def divider() -> dict[str, Any]:
    """A horizontal rule."""
    return {"type": "divider"}


def image(url: str, alt: str, title: str | None = None) -> dict[str, Any]:
    """An image block."""
    block: dict[str, Any] = {"type": "image", "image_url": url, "alt_text": plain(alt, 2000)}
    if title:
        block["title"] = {"type": "plain_text", "text": plain(title, 2000)}
    return block


def build(
    *,
    fallback: str,
    title: str | None = None,
    body: Sequence[str] = (),
    lines: Sequence[str] = (),
    more: str = "more",
    footer: str | None = None,
    fields: Sequence[str] = (),
    after: Sequence[str] = (),
    hidden: int = 0,
) -> Message:
    """Assemble a message: header, body sections, a long list packed into sections, footer.

    A list that does not fit in the message ends with "… and N more" instead of failing;
    `hidden` counts further lines left out before rendering (they count as more).
    """
    blocks: list[dict[str, Any]] = []
    if title:
        blocks.append(header(title))
    for text in body:
        if text.strip():
            blocks.append(section(text))
    if fields:
        for start in range(0, len(fields), 10):
            blocks.append(fields_section(fields[start : start + 10]))
    reserved = len(after) + (1 if footer else 0) + 1
    room = MAX_BLOCKS - len(blocks) - reserved
    blocks.extend(pack_lines(lines, room=room, more=more, hidden=hidden))
    for text in after:
        if text.strip():
            blocks.append(section(text))
    if footer:
        blocks.append(context(footer))
    return Message(text=plain(fallback, FALLBACK_LIMIT), blocks=blocks[:MAX_BLOCKS])


def pack_lines(
    lines: Sequence[str], *, room: int, more: str, hidden: int = 0
) -> list[dict[str, Any]]:
    """Pack lines into as few sections as fit; say how many did not (`hidden` ones too)."""
    blocks: list[dict[str, Any]] = []
    chunk: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        line = plain(line, SECTION_BUDGET)
        if chunk and size + len(line) + 1 > SECTION_BUDGET:
            if len(blocks) + 1 >= room:
                left = len(lines) - index + hidden
                chunk.append(f"_… and {left:,} {more}_")
                blocks.append(section("\n".join(chunk)))
                return blocks
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if hidden:
        chunk.append(f"_… and {hidden:,} {more}_")
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def error(message: str) -> Message:
    """A short ephemeral error."""
    return Message(text=plain(message, FALLBACK_LIMIT), blocks=[section(message)])


BUTTON_TEXT_LIMIT = 75
VALUE_LIMIT = 2000
OPTION_VALUE_LIMIT = 150
ACTIONS_LIMIT = 25  # elements in one actions block
OPTIONS_LIMIT = 100  # options in one select menu


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A button (text cut to 75 characters; its value is at most 2,000)."""
    if len(value) > VALUE_LIMIT:
        raise ValueError(f"a button's value is at most {VALUE_LIMIT} characters")
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": plain(text, BUTTON_TEXT_LIMIT), "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def option(text: str, value: str) -> dict[str, Any]:
    """One option of a select menu (text cut to 75 characters, value at most 150)."""
    if len(value) > OPTION_VALUE_LIMIT:
        raise ValueError(f"an option's value is at most {OPTION_VALUE_LIMIT} characters")
    return {"text": {"type": "plain_text", "text": plain(text, BUTTON_TEXT_LIMIT)}, "value": value}


def select(placeholder: str, action_id: str, options: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A static select menu of at most 100 options."""
    return {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": {"type": "plain_text", "text": plain(placeholder, 150)},
        "options": list(options[:OPTIONS_LIMIT]),
    }


def confirmation(title: str, text: str, yes: str, no: str = "Cancel") -> dict[str, Any]:
    """The "are you sure?" dialog a button asks before it acts."""
    return {
        "title": {"type": "plain_text", "text": plain(title, 100)},
        "text": {"type": "mrkdwn", "text": plain(text, 300)},
        "confirm": {"type": "plain_text", "text": plain(yes, 30)},
        "deny": {"type": "plain_text", "text": plain(no, 30)},
    }


def actions(elements: Sequence[dict[str, Any]], *, block_id: str | None = None) -> dict[str, Any]:
    """An actions block of at most 25 buttons and menus."""
    block: dict[str, Any] = {"type": "actions", "elements": list(elements[:ACTIONS_LIMIT])}
    if block_id is not None:
        block["block_id"] = block_id
    return block
