"""Slack mrkdwn as terminal text: mentions and links resolved, emoji shown, styles as ANSI."""

from __future__ import annotations

import re
from collections.abc import Mapping

BOLD = ("\x1b[1m", "\x1b[22m")
ITALIC = ("\x1b[3m", "\x1b[23m")
STRIKE = ("\x1b[9m", "\x1b[29m")
CODE = ("\x1b[36m", "\x1b[39m")
DIM = ("\x1b[2m", "\x1b[22m")
HEADER = ("\x1b[1;4m", "\x1b[22;24m")

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FENCE = re.compile(r"```(.*?)```", re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_ANGLE = re.compile(r"<([^<>\n]+)>")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_EMPHASIS = [
    (re.compile(r"(?<![\w*])\*(?!\s)([^*\n]*?[^\s*])\*(?![\w*])"), BOLD),
    (re.compile(r"(?<![\w_])_(?!\s)([^_\n]*?[^\s_])_(?![\w_])"), ITALIC),
    (re.compile(r"(?<![\w~])~(?!\s)([^~\n]*?[^\s~])~(?![\w~])"), STRIKE),
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
    "x": "❌",
    "ballot_box_with_ballot": "🗳",
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
    "arrows_counterclockwise": "🔄",
    "leftwards_arrow_with_hook": "↩",
    "pencil2": "✏",
}
_EMOJI = re.compile(r":([a-z0-9_+-]+):")


def emojize(text: str) -> str:
    """Known Slack emoji shortcodes as the characters a terminal can show."""
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def style(text: str, codes: tuple[str, str], color: bool) -> str:
    """Wrap text in an ANSI style when color is on."""
    return f"{codes[0]}{text}{codes[1]}" if color and text else text


def visible_width(text: str) -> int:
    """The width of a line on a terminal, ignoring ANSI styling."""
    return len(_ANSI.sub("", text))


def unescape(text: str) -> str:
    """Undo Slack's three mrkdwn escapes (``&amp;`` last)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def channel_label(channel_id: str, channels: Mapping[str, str], fallback: str | None = None) -> str:
    """`#name` for a channel, `@handle` for a DM."""
    name = channels.get(channel_id) or fallback or channel_id
    return name if name.startswith("@") else f"#{name}"


def _resolve_angle(inner: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        user_id = target[1:]
        return "@" + (users.get(user_id) or label or user_id)
    if target.startswith("#"):
        return channel_label(target[1:], channels, label or None)
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
        parts.append(style(code, CODE, True) if color else f"`{code}`")
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
