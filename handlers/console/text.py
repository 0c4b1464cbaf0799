"""Render what Slack would show (mrkdwn, Block Kit, posts) as terminal text."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from itertools import zip_longest
from typing import Any

from handlers.console.fake_slack import Post

BOT_NAME = "Folio"
DIVIDER = "─" * 40
PAGE_WIDTH = 100

_BOLD = ("\x1b[1m", "\x1b[22m")
_ITALIC = ("\x1b[3m", "\x1b[23m")
_STRIKE = ("\x1b[9m", "\x1b[29m")
_CODE = ("\x1b[36m", "\x1b[39m")
_DIM = ("\x1b[2m", "\x1b[22m")
_UNDERLINE = ("\x1b[4m", "\x1b[24m")
_HEADER = ("\x1b[1;4m", "\x1b[22;24m")

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FENCE = re.compile(r"```(.*?)```", re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_ANGLE = re.compile(r"<([^<>\n]+)>")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_EMPHASIS = [
    (re.compile(r"(?<![\w*])\*(?!\s)([^*\n]*?[^\s*])\*(?![\w*])"), _BOLD),
    (re.compile(r"(?<![\w_])_(?!\s)([^_\n]*?[^\s_])_(?![\w_])"), _ITALIC),
    (re.compile(r"(?<![\w~])~(?!\s)([^~\n]*?[^\s~])~(?![\w~])"), _STRIKE),
]


EMOJI = {
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "red_circle": "🔴",
    "white_circle": "⚪",
    "bulb": "💡",
    "spiral_calendar_pad": "🗓",
    "hammer_and_wrench": "🛠",
    "test_tube": "🧪",
    "white_check_mark": "✅",
    "wastebasket": "🗑",
    "no_entry": "⛔",
    "warning": "⚠️",
    "tada": "🎉",
    "link": "🔗",
    "file_cabinet": "🗄",
    "small_blue_diamond": "🔹",
    "chart_with_upwards_trend": "📈",
    "chart_with_downwards_trend": "📉",
    "bar_chart": "📊",
    "calendar": "📅",
    "alarm_clock": "⏰",
    "bell": "🔔",
    "mag": "🔍",
    "star": "⭐",
    "arrow_up": "⬆",
    "arrow_down": "⬇",
    "new": "🆕",
    "memo": "📝",
    "moneybag": "💰",
    "hourglass_flowing_sand": "⏳",
    "rotating_light": "🚨",
    "scales": "⚖",
    "dart": "🎯",
    "wave": "👋",
    "sparkles": "✨",
    "construction": "🚧",
    "zzz": "💤",
    "pushpin": "📌",
    "inbox_tray": "📥",
    "balance_scale": "⚖",
}
_EMOJI = re.compile(r":([a-z0-9_+-]+):")


def emojize(text: str) -> str:
    """Known Slack emoji shortcodes as the characters a terminal can show."""
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def _style(text: str, codes: tuple[str, str], color: bool) -> str:
    return f"{codes[0]}{text}{codes[1]}" if color and text else text


def visible_width(text: str) -> int:
    """The width of a line on a terminal, ignoring ANSI styling."""
    return len(_ANSI.sub("", text))


def unescape(text: str) -> str:
    """Undo Slack's three mrkdwn escapes (``&amp;`` last)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _channel_label(
    channel_id: str, channels: Mapping[str, str], fallback: str | None = None
) -> str:
    name = channels.get(channel_id) or fallback or channel_id
    return name if name.startswith("@") else f"#{name}"


def _resolve_angle(inner: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        user_id = target[1:]
        return "@" + (users.get(user_id) or label or user_id)
    if target.startswith("#"):
        return _channel_label(target[1:], channels, label or None)
    if target.startswith("!subteam^"):
        return label or "@" + target[len("!subteam^") :]
    if target.startswith("!date^"):
        return label or target.split("^")[1]
    if target.startswith("!"):
        return "@" + target[1:]
    return f"{label} ({target})" if label else target


def _format_plain(
    text: str, users: Mapping[str, str], channels: Mapping[str, str], color: bool
) -> str:
    tokens: list[str] = []

    def hold(match: re.Match[str]) -> str:
        tokens.append(_resolve_angle(match.group(1), users, channels))
        return f"\x00{len(tokens) - 1}\x00"

    held = _ANGLE.sub(hold, text)
    if color:
        for pattern, codes in _EMPHASIS:
            held = pattern.sub(f"{codes[0]}\\1{codes[1]}", held)
    restored = _PLACEHOLDER.sub(lambda m: tokens[int(m.group(1))], emojize(held))
    return unescape(restored)


def _format_inline(
    text: str, users: Mapping[str, str], channels: Mapping[str, str], color: bool
) -> str:
    parts: list[str] = []
    position = 0
    for match in _INLINE_CODE.finditer(text):
        parts.append(_format_plain(text[position : match.start()], users, channels, color))
        code = unescape(match.group(1))
        parts.append(_style(code, _CODE, True) if color else f"`{code}`")
        position = match.end()
    parts.append(_format_plain(text[position:], users, channels, color))
    return "".join(parts)


def mrkdwn_to_text(
    text: str, *, users: Mapping[str, str], channels: Mapping[str, str], color: bool
) -> str:
    """Slack mrkdwn as terminal text: mentions and links resolved, styles as ANSI when color."""
    parts: list[str] = []
    position = 0
    for match in _FENCE.finditer(text):
        before = _format_inline(text[position : match.start()], users, channels, color)
        block = unescape(match.group(1).removeprefix("\n").removesuffix("\n"))
        if before and not before.endswith("\n"):
            before += "\n"
        parts.extend([before, block])
        position = match.end()
        if position < len(text) and text[position] != "\n":
            parts.append("\n")
    parts.append(_format_inline(text[position:], users, channels, color))
    return "".join(parts)


class _Renderer:
    def __init__(
        self, users: Mapping[str, str], channels: Mapping[str, str], color: bool, width: int
    ) -> None:
        self.users = users
        self.channels = channels
        self.color = color
        self.width = width
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
        return mrkdwn_to_text(text, users=self.users, channels=self.channels, color=self.color)

    def text_object(self, obj: Any) -> str:
        if not isinstance(obj, dict):
            return "" if obj is None else str(obj)
        text = str(obj.get("text", ""))
        return self.mrkdwn(text) if obj.get("type") == "mrkdwn" else text

    def render(self, blocks: list[dict[str, Any]]) -> str:
        lines = []
        for block in blocks:
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
        return _style(self.text_object(block.get("text")), _HEADER, self.color)

    def section(self, block: dict[str, Any]) -> str:
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
        parts = []
        for element in block.get("elements", []):
            if element.get("type") == "image":
                parts.append(f"[image: {element.get('alt_text', '')}]")
            else:
                parts.append(self.text_object(element))
        return _style("  ".join(parts), _DIM, self.color)

    def image(self, block: dict[str, Any]) -> str:
        slack_file = block.get("slack_file") or {}
        url = block.get("image_url") or slack_file.get("url") or slack_file.get("id", "")
        return f"[chart: {block.get('alt_text', '')} — {url}]"

    def video(self, block: dict[str, Any]) -> str:
        return f"[video: {self.text_object(block.get('title'))} — {block.get('video_url', '')}]"

    def actions(self, block: dict[str, Any]) -> str:
        return " ".join(self.element(element) for element in block.get("elements", []))

    def input(self, block: dict[str, Any]) -> str:
        element = block.get("element")
        shown = self.element(element) if isinstance(element, dict) else ""
        return f"{self.text_object(block.get('label'))}: {shown}"

    def element(self, element: dict[str, Any]) -> str:
        kind = str(element.get("type", ""))
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

    def rich_text(self, block: dict[str, Any]) -> str:
        return "\n".join(self.rich_element(e) for e in block.get("elements", []))

    def rich_element(self, element: dict[str, Any]) -> str:
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
            text = _channel_label(str(leaf.get("channel_id", "")), self.channels)
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
        style = leaf.get("style") or {}
        if self.color and isinstance(style, dict):
            for key, codes in (
                ("bold", _BOLD),
                ("italic", _ITALIC),
                ("strike", _STRIKE),
                ("code", _CODE),
            ):
                if style.get(key):
                    text = _style(text, codes, True)
        return text

    def table(self, block: dict[str, Any]) -> str:
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
    return _Renderer(users, channels, color, width).render(blocks)


def _attachments_text(attachments: Any, renderer: _Renderer) -> list[str]:
    if not isinstance(attachments, list):
        return []
    lines: list[str] = []
    for attachment in attachments:
        if not isinstance(attachment, dict):
            continue
        parts = [str(attachment[k]) for k in ("pretext", "title") if attachment.get(k)]
        if attachment.get("blocks"):
            parts.append(renderer.render(attachment["blocks"]))
        elif attachment.get("text"):
            parts.append(renderer.mrkdwn(str(attachment["text"])))
        lines.extend(f"│ {line}" for part in parts for line in part.split("\n"))
    return lines


def _compose(label: str, body: str) -> str:
    if not body:
        return label
    return f"{label} {body}" if "\n" not in body else f"{label}\n{body}"


def _indent_reply(text: str) -> str:
    lines = text.split("\n")
    return "\n".join(["  ↳ " + lines[0], *("    " + line for line in lines[1:])])


def render_post(
    post: Post,
    *,
    users: Mapping[str, str],
    channels: Mapping[str, str],
    color: bool,
    bot_name: str = BOT_NAME,
    width: int = PAGE_WIDTH,
) -> str:
    """One visible effect as the terminal shows it, prefixed by where and by whom."""
    renderer = _Renderer(users, channels, color, width)
    body = renderer.render(post.blocks) if post.blocks else renderer.mrkdwn(post.text)
    extra_lines = _attachments_text(post.extra.get("attachments"), renderer)
    if extra_lines:
        body = "\n".join([body, *extra_lines]) if body else "\n".join(extra_lines)
    where = _channel_label(post.channel, channels) if post.channel else ""
    speaker = f"{_style(where, _BOLD, color)}  {bot_name}:" if where else f"{bot_name}:"
    private = _style("(only visible to you)", _DIM, color) + f"  {bot_name}:"
    is_reply = post.thread_ts is not None and post.thread_ts != post.ts

    if post.kind == "reaction":
        verb = "removed" if post.extra.get("removed") else "reacted"
        return f"  {bot_name} {verb} :{post.extra.get('name', post.text)}:"
    if post.kind == "delete":
        text = f"{where}  {bot_name} deleted a message".strip()
    elif post.kind == "update":
        label = (
            f"{_style(where, _BOLD, color)}  {bot_name} (edited):"
            if where
            else f"{bot_name} (edited):"
        )
        text = _compose(label, body)
    elif post.kind == "ephemeral":
        text = _compose(private, body)
    elif post.kind == "response":
        text = _response_text(post, speaker, private, body, bot_name)
    elif post.kind == "file":
        location = (
            post.extra.get("path") or post.extra.get("url") or post.extra.get("permalink") or ""
        )
        title = post.extra.get("title") or post.extra.get("name") or "file"
        clip = f"📎 {title} ({location})" if location else f"📎 {title}"
        text = f"{_compose(speaker, body)}\n{clip}" if post.text else clip
    elif post.kind == "view":
        view = post.extra.get("view") or {}
        kind = "App Home" if view.get("type") == "home" else "modal"
        label = f"[{kind}: {post.text}]" if post.text else f"[{kind}]"
        text = _compose(label, body)
    else:
        text = _compose(speaker, body)
    return _indent_reply(text) if is_reply else text


def _response_text(post: Post, speaker: str, private: str, body: str, bot_name: str) -> str:
    if post.extra.get("delete_original"):
        return f"({bot_name} deleted the original message)"
    label = speaker if post.extra.get("response_type") == "in_channel" else private
    if post.extra.get("replace_original"):
        label = f"{label} (replaces the original)"
    return _compose(label, body)
