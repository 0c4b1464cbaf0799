"""The one Jinja2 environment: mrkdwn out, every interpolated value escaped for Slack."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from domain.dates import format_due
from domain.vocabulary import CLOSED_STATUSES, PROGRESS_STATUSES
from handlers.formats import (
    format_count,
    format_money,
    format_money_short,
    format_percent,
    format_percent_exact,
    format_ratio,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
SAFE_URL = re.compile(r"^https?://[^\s<>|]+$")

HEALTH_EMOJI = {
    "on track": ":large_green_circle:",
    "at risk": ":large_yellow_circle:",
    "off track": ":red_circle:",
}
STATUS_EMOJI = {
    "idea": ":bulb:",
    "planned": ":spiral_calendar_pad:",
    "in progress": ":hammer_and_wrench:",
    "testing": ":test_tube:",
    "done": ":white_check_mark:",
    "dropped": ":wastebasket:",
}


class Mrkdwn(str):
    """Trusted mrkdwn (a mention, a link we built) that passes through unescaped."""

    __slots__ = ()


def escape(text: object) -> str:
    """Escape exactly the three characters Slack's mrkdwn treats specially."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _finalize(value: Any) -> Any:
    if isinstance(value, Mrkdwn):
        return value
    if value is None:
        return ""
    return escape(value)


def mention(user_id: str | None) -> Mrkdwn:
    """A user mention, or "nobody" for a missing owner."""
    if not user_id:
        return Mrkdwn("_nobody_")
    if not USER_ID.match(user_id):
        return Mrkdwn(escape(user_id))
    return Mrkdwn(f"<@{user_id}>")


def mentions(user_ids: Any) -> Mrkdwn:
    """Several mentions, comma-separated."""
    return Mrkdwn(", ".join(mention(u) for u in user_ids))


def link(url: str | None, text: object) -> Mrkdwn:
    """A link with escaped text; falls back to the text when the URL is unsafe."""
    label = escape(text).replace("|", "¦")
    if not url or not SAFE_URL.match(url):
        return Mrkdwn(label)
    return Mrkdwn(f"<{url}|{label}>")


def code(text: object) -> Mrkdwn:
    """Inline code with backticks removed from the content."""
    return Mrkdwn("`" + escape(str(text).replace("`", "'")) + "`")


def _when(value: datetime, tz: str = "UTC") -> str:
    local = value.astimezone(ZoneInfo(tz))
    return local.strftime("%a %d %b %Y, %H:%M")


def _day(value: date | datetime) -> str:
    return value.strftime("%d %b %Y")


def _metric(value: Decimal, is_money: bool, currency: str) -> str:
    """A metric's value: money in the short form, anything else as a count."""
    return format_money_short(value, currency) if is_money else format_count(value)


def _signed_pct(value: Decimal | None) -> str:
    if value is None:
        return ""
    arrow = "▲" if value > 0 else "▼" if value < 0 else "="
    return f"{arrow} {format_percent(abs(value))}"


def _truncate(text: object, length: int) -> str:
    text = str(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment every template renders in."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # HTML escaping is wrong for Slack; finalize escapes every value for mrkdwn instead.
        autoescape=False,  # noqa: S701
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        mention=mention,
        mentions=mentions,
        link=link,
        code=code,
        money=format_money,
        short=format_money_short,
        pct=lambda v, places=0: format_percent(v, places=places),
        exact_pct=format_percent_exact,
        ratio=format_ratio,
        count=format_count,
        when=_when,
        day=_day,
        metric=_metric,
        signed_pct=_signed_pct,
        truncate_text=_truncate,
        due=format_due,
        health_emoji=lambda h: Mrkdwn(HEALTH_EMOJI.get(h, ":white_circle:")),
        status_emoji=lambda s: Mrkdwn(STATUS_EMOJI.get(s, ":small_blue_diamond:")),
    )
    env.globals.update(CLOSED_STATUSES=CLOSED_STATUSES, PROGRESS_STATUSES=PROGRESS_STATUSES)
    return env


def render(name: str, **values: Any) -> str:
    """Render a template to mrkdwn text, trimmed."""
    return environment().get_template(name).render(**values).strip()


# Between two lines of one render_lines: a random NUL-delimited token made at start-up, so no
# text a person typed can hold it (a trusted fragment: finalize passes it through unescaped).
LINE_BREAK = Mrkdwn(f"\0{uuid.uuid4().hex}\0")


def render_lines(name: str, items: Sequence[Any], **values: Any) -> list[str]:
    """Render a list's lines in one go: one trimmed line per item, as `render` would give each.

    The template loops over `items` and writes `sep` between two items' lines. One render
    instead of one per line: setting a render up costs Jinja more than a short line does.
    """
    if not items:
        return []
    text = render(name, items=items, sep=LINE_BREAK, **values)
    lines = [line.strip() for line in text.split(LINE_BREAK)]
    if len(lines) != len(items):
        raise ValueError(f"{name} wrote {len(lines)} lines for {len(items)} items")
    return lines
