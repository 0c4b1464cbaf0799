"""Block Kit blocks as terminal text: headers, sections in columns, context, tables, rich text."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import zip_longest
from typing import Any

from console.mrkdwn import (
    BOLD,
    CODE,
    DIM,
    HEADER,
    ITALIC,
    STRIKE,
    channel_label,
    mrkdwn_to_text,
    style,
    visible_width,
)

DIVIDER = "─" * 40
PAGE_WIDTH = 100
PRESSABLE = frozenset({"button", "static_select", "external_select", "overflow"})
OPTIONS_SHOWN = 8  # a menu's options named after its number: `(CHK, PAY, … 12)`
Number = Callable[[dict[str, Any], str], int | None]
"""Numbers a pressable element (given its block's id) for `:press N`; None leaves it plain."""


class Renderer:
    """Turns blocks and mrkdwn into terminal lines for one set of names and one width."""

    def __init__(
        self,
        users: Mapping[str, str],
        channels: Mapping[str, str],
        color: bool,
        width: int,
        number: Number | None = None,
    ) -> None:
        self.users = users
        self.channels = channels
        self.color = color
        self.width = width
        self.number = number
        self._block_id = ""
        self.blocks: dict[str, Callable[[dict[str, Any]], str]] = {
            "header": self.header,
            "section": self.section,
            "context": self.context,
            "divider": lambda _block: DIVIDER,
            "image": self.image,
            "actions": self.actions,
            "rich_text": self.rich_text,
            "table": self.table,
            "data_table": self.table,
            "markdown": lambda block: str(block.get("text", "")),
            "input": self.input,
            "file": lambda block: (
                f"📎 {block.get('external_id') or block.get('file_id') or 'file'}"
            ),
            "video": self.video,
        }

    def mrkdwn(self, text: str) -> str:
        """A mrkdwn string as terminal text."""
        return mrkdwn_to_text(text, users=self.users, channels=self.channels, color=self.color)

    def text_object(self, obj: Any) -> str:
        """A Block Kit text object (plain_text or mrkdwn) as terminal text."""
        if not isinstance(obj, dict):
            return "" if obj is None else str(obj)
        text = str(obj.get("text", ""))
        return self.mrkdwn(text) if obj.get("type") == "mrkdwn" else text

    def render(self, blocks: list[dict[str, Any]]) -> str:
        """A list of blocks, one after another."""
        lines = []
        for index, block in enumerate(blocks):
            self._block_id = str(block.get("block_id") or f"b{index}")
            kind = str(block.get("type", ""))
            render = self.blocks.get(kind)
            if render is not None:
                lines.append(render(block))
            elif "text" in block:
                lines.append(self.text_object(block["text"]))
            else:
                lines.append(f"[{kind}]")
        return "\n".join(lines)

    def header(self, block: dict[str, Any]) -> str:
        """A header block: bold and underlined."""
        return style(self.text_object(block.get("text")), HEADER, self.color)

    def section(self, block: dict[str, Any]) -> str:
        """A section: its text, its fields in two columns, its accessory."""
        lines: list[str] = []
        if "text" in block:
            lines.append(self.text_object(block["text"]))
        fields = [self.text_object(field) for field in block.get("fields", [])]
        if fields:
            lines.append(self.columns(fields))
        accessory = block.get("accessory")
        if isinstance(accessory, dict):
            lines.append(self.element(accessory))
        return "\n".join(lines)

    def columns(self, fields: list[str]) -> str:
        """Section fields side by side when they fit the width, else stacked."""
        left = [f.split("\n") for f in fields[0::2]]
        right = [f.split("\n") for f in fields[1::2]]
        left_width = max((visible_width(line) for f in left for line in f), default=0)
        right_width = max((visible_width(line) for f in right for line in f), default=0)
        gap = 4
        if not right or left_width + gap + right_width > self.width:
            return "\n".join(fields)
        rows: list[str] = []
        empty: list[str] = []
        for left_lines, right_lines in zip_longest(left, right, fillvalue=empty):
            for l_line, r_line in zip_longest(left_lines, right_lines, fillvalue=""):
                padding = " " * (left_width + gap - visible_width(l_line))
                rows.append(f"{l_line}{padding}{r_line}".rstrip() if r_line else l_line)
        return "\n".join(rows)

    def context(self, block: dict[str, Any]) -> str:
        """A context block: dim, its elements on one line."""
        parts = []
        for element in block.get("elements", []):
            if element.get("type") == "image":
                parts.append(f"[image: {element.get('alt_text', '')}]")
            else:
                parts.append(self.text_object(element))
        return style("  ".join(parts), DIM, self.color)

    def image(self, block: dict[str, Any]) -> str:
        """An image block as its alt text and URL."""
        slack_file = block.get("slack_file") or {}
        url = block.get("image_url") or slack_file.get("url") or slack_file.get("id", "")
        return f"[chart: {block.get('alt_text', '')} — {url}]"

    def video(self, block: dict[str, Any]) -> str:
        """A video block as its title and URL."""
        return f"[video: {self.text_object(block.get('title'))} — {block.get('video_url', '')}]"

    def actions(self, block: dict[str, Any]) -> str:
        """An actions block: its elements in a row (numbered for `:press N` when pressable)."""
        return " ".join(self.element(element) for element in block.get("elements", []))

    def input(self, block: dict[str, Any]) -> str:
        """An input block: label and element."""
        element = block.get("element")
        shown = self.element(element) if isinstance(element, dict) else ""
        return f"{self.text_object(block.get('label'))}: {shown}"

    def element(self, element: dict[str, Any]) -> str:
        """An interactive element (button, select, date picker...) in brackets.

        With a `number` hook a pressable one reads `[1] Open roadmap` or
        `[2] Show product… ▾ (CHK, PAY)`: `:press 1`, `:press 2 PAY`.
        """
        kind = str(element.get("type", ""))
        number = self.number(element, self._block_id) if self.number and kind in PRESSABLE else None
        if number is not None:
            return self.numbered(number, element)
        if kind in {"button", "workflow_button"}:
            return f"[{self.text_object(element.get('text'))}]"
        if kind == "image":
            return f"[image: {element.get('alt_text', '')}]"
        if kind == "overflow":
            return "[⋯]"
        if kind in {"checkboxes", "radio_buttons"}:
            options = element.get("options", [])
            return " ".join(f"◯ {self.text_object(o.get('text'))}" for o in options)
        if kind.endswith("select"):
            initial = element.get("initial_option")
            chosen = (
                initial.get("text") if isinstance(initial, dict) else element.get("placeholder")
            )
            return f"[{self.text_object(chosen) or 'choose'} ▾]"
        for key in ("initial_date", "initial_time", "initial_value"):
            if key in element:
                return f"[{element[key]}]"
        if "placeholder" in element:
            return f"[{self.text_object(element['placeholder'])}]"
        return f"[{kind}]"

    def numbered(self, number: int, element: dict[str, Any]) -> str:
        """A pressable element with its number, a menu with the choices it offers."""
        kind = str(element.get("type", ""))
        if kind == "button":
            return f"[{number}] {self.text_object(element.get('text'))}"
        label = self.text_object(element.get("placeholder")) or "choose"
        options = [
            self.text_object(o.get("text")).split(" ")[0] for o in element.get("options", [])
        ]
        if not options:
            return f"[{number}] {label} ▾"
        shown = ", ".join(options[:OPTIONS_SHOWN])
        more = f", … {len(options)}" if len(options) > OPTIONS_SHOWN else ""
        return f"[{number}] {label} ▾ ({shown}{more})"

    def rich_text(self, block: dict[str, Any]) -> str:
        """A rich_text block, one element per line."""
        return "\n".join(self.rich_element(e) for e in block.get("elements", []))

    def rich_element(self, element: dict[str, Any]) -> str:
        """A rich_text section, list or quote."""
        kind = element.get("type")
        leaves = element.get("elements", [])
        if kind == "rich_text_list":
            indent = "  " * int(element.get("indent", 0))
            start = int(element.get("offset", 0))
            lines = []
            for number, item in enumerate(leaves, start=start + 1):
                bullet = f"{number}." if element.get("style") == "ordered" else "•"
                lines.append(f"{indent}{bullet} {self.rich_element(item)}")
            return "\n".join(lines)
        text = "".join(self.rich_leaf(leaf) for leaf in leaves)
        if kind == "rich_text_quote":
            return "\n".join(f"> {line}" for line in text.split("\n"))
        return text

    def rich_leaf(self, leaf: dict[str, Any]) -> str:
        """One rich_text leaf: text, link, mention, emoji, date."""
        kind = leaf.get("type")
        if kind == "text":
            text = str(leaf.get("text", ""))
        elif kind == "link":
            url = str(leaf.get("url", ""))
            text = f"{leaf['text']} ({url})" if leaf.get("text") else url
        elif kind == "user":
            user_id = str(leaf.get("user_id", ""))
            text = "@" + self.users.get(user_id, user_id)
        elif kind == "channel":
            text = channel_label(str(leaf.get("channel_id", "")), self.channels)
        elif kind == "usergroup":
            text = "@" + str(leaf.get("usergroup_id", ""))
        elif kind == "broadcast":
            text = "@" + str(leaf.get("range", "channel"))
        elif kind == "emoji":
            text = f":{leaf.get('name', '')}:"
        elif kind == "date":
            text = str(leaf.get("fallback") or leaf.get("timestamp", ""))
        else:
            text = str(leaf.get("text") or leaf.get("value") or leaf.get("name") or "")
        leaf_style = leaf.get("style") or {}
        if self.color and isinstance(leaf_style, dict):
            for key, codes in (
                ("bold", BOLD),
                ("italic", ITALIC),
                ("strike", STRIKE),
                ("code", CODE),
            ):
                if leaf_style.get(key):
                    text = style(text, codes, True)
        return text

    def table(self, block: dict[str, Any]) -> str:
        """A table block with aligned columns."""
        rows = [[self.cell(cell) for cell in row] for row in block.get("rows", [])]
        settings = block.get("column_settings") or []
        count = max((len(row) for row in rows), default=0)
        widths = [
            max((visible_width(row[i]) for row in rows if i < len(row)), default=0)
            for i in range(count)
        ]
        lines = []
        if block.get("caption"):
            lines.append(str(block["caption"]))
        for row in rows:
            cells = []
            for index, cell in enumerate(row):
                setting = settings[index] if index < len(settings) and settings[index] else {}
                padding = " " * (widths[index] - visible_width(cell))
                cells.append(padding + cell if setting.get("align") == "right" else cell + padding)
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def cell(self, cell: Any) -> str:
        """One table cell as text."""
        if not isinstance(cell, dict):
            return str(cell)
        if cell.get("type") == "rich_text":
            return " ".join(self.rich_element(e) for e in cell.get("elements", []))
        return str(cell.get("text", ""))


def blocks_to_text(
    blocks: list[dict[str, Any]],
    *,
    users: Mapping[str, str],
    channels: Mapping[str, str],
    color: bool,
    width: int = PAGE_WIDTH,
) -> str:
    """Block Kit blocks as terminal text, one block after another."""
    return Renderer(users, channels, color, width).render(blocks)
