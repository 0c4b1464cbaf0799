"""The words for odds, delivery outlooks and calibration that several answers share.

The roadmap, the item view, the digests and the ranking reuse these, so they import
nothing but the domain's values and the one formatter and renderer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from domain.services.forecasts import ItemOutlook
from domain.uncertainty.calibration import Adjusted, Bias
from domain.uncertainty.delivery import (
    DeliveryForecast,
    Finished,
    GoingBackwards,
    NotEnoughHistory,
    Stalled,
)
from handlers.blocks import MAX_BLOCKS, Message, section
from handlers.formats import format_percent
from handlers.render import escape, mention


def chance(value: float) -> str:
    """A probability as a whole percentage, never 0 % or 100 % unless it is exactly so."""
    shown = format_percent(Decimal(f"{value:.4f}"))
    if shown == "0%" and value > 0:
        return "under 1%"
    if shown == "100%" and value < 1:
        return "over 99%"
    return shown


def day(value: date) -> str:
    """A date as the messages write it: 14 Mar 2027."""
    return value.strftime("%d %b %Y").lstrip("0")


def outlook_text(item: ItemOutlook) -> str:
    """One item's delivery outlook in words (mrkdwn, escaped)."""
    outlook = item.outlook
    target = item.target_label or (item.target_due.isoformat() if item.target_due else None)
    if isinstance(outlook, DeliveryForecast):
        if outlook.p50 is None:
            when = "not within three years at its current pace"
        elif outlook.p50 == outlook.p85:
            when = f"done by *{day(outlook.p50)}* at its steady pace"
        else:
            p85 = day(outlook.p85) if outlook.p85 else "beyond three years"
            when = f"*P50 {day(outlook.p50)}*, P85 {p85}"
        odds = ""
        steady = outlook.p50 is not None and outlook.p50 == outlook.p85
        if outlook.on_time is not None and target is not None and steady:
            odds = (
                f" · in time for {escape(target)}"
                if outlook.on_time == 1
                else f" · *too late for {escape(target)}*"
            )
        elif outlook.on_time is not None and target is not None:
            if outlook.on_time == 0:
                odds = f" · *misses {escape(target)} in every run*"
            elif outlook.on_time < 0.5:
                odds = f" · *{chance(1 - outlook.on_time)} likely to miss {escape(target)}*"
            elif outlook.on_time == 1:
                odds = f" · makes {escape(target)} in every run"
            else:
                odds = f" · {chance(outlook.on_time)} likely to make {escape(target)}"
        pace = f"{outlook.pace:.1f}".rstrip("0").rstrip(".")
        return f"{when}{odds} (pace {pace} points a week)"
    if isinstance(outlook, NotEnoughHistory):
        return (
            f"not enough history to forecast ({outlook.updates} dated progress update"
            f"{'s' if outlook.updates != 1 else ''}; needs {outlook.needed})"
        )
    if isinstance(outlook, Stalled):
        return f"stalled at {outlook.progress}% since {day(outlook.since)}: no date at this pace"
    if isinstance(outlook, GoingBackwards):
        return (
            f"going backwards: down from {outlook.peak}% ({day(outlook.since)}) to "
            f"{outlook.progress}%, so no date"
        )
    assert isinstance(outlook, Finished)
    return "done"


def slip_line(item: ItemOutlook) -> str | None:
    """The digest's one line for an item likely to slip: "CHK-3: 70% likely to miss 2027-Q1"."""
    outlook = item.outlook
    target = item.target_label or (item.target_due.isoformat() if item.target_due else None)
    if not isinstance(outlook, DeliveryForecast) or outlook.on_time is None or target is None:
        return None
    if outlook.on_time >= 0.5:
        return None
    return (
        f"*{item.ref}*: {chance(1 - outlook.on_time)} likely to miss {escape(target)} at its "
        "current pace"
    )


def points(bias: Decimal) -> str:
    """A bias in points: "25 points high", "12 points low"."""
    shown = (abs(bias) * 100).quantize(Decimal(1))
    return f"{shown} point{'s' if shown != 1 else ''} {'high' if bias > 0 else 'low'}"


def bias_line(bias: Bias) -> str:
    """The one line the ranking digest and calibration say about a sustained bias."""
    who = mention(bias.group) if bias.by == "owner" else f"category *{escape(bias.group or '')}*"
    if bias.by == "owner":
        return f"Confidence set by {who} has been {points(bias.bias)} over {bias.outcomes} outcomes"
    return f"Confidence in {who} has been {points(bias.bias)} over {bias.outcomes} outcomes"


def with_outlooks(message: Message, outlooks: Sequence[ItemOutlook]) -> Message:
    """A roadmap or item message with a *Delivery forecast* section before its footer.

    Items without a pace to read (too few updates) are counted, not listed, on a roadmap.
    """
    lines = [
        f":crystal_ball: *{o.ref}*: {outlook_text(o)}"
        for o in outlooks
        if not isinstance(o.outlook, NotEnoughHistory | Finished)
    ]
    short = sum(1 for o in outlooks if isinstance(o.outlook, NotEnoughHistory))
    if not lines and not (short and len(outlooks) == 1):
        return message
    if short and len(outlooks) == 1:
        lines = [f":crystal_ball: *{outlooks[0].ref}*: {outlook_text(outlooks[0])}"]
    elif short:
        lines.append(
            f"_{short} more open item{'s' if short != 1 else ''} without 3 dated progress "
            "updates yet: no forecast_"
        )
    text = "*Delivery forecast* (from each item's own updates)\n" + "\n".join(lines)
    blocks = list(message.blocks)
    if len(blocks) >= MAX_BLOCKS:
        return message
    at = len(blocks) - 1 if blocks and blocks[-1].get("type") == "context" else len(blocks)
    blocks.insert(at, section(text))
    return Message(message.text, blocks)


def calibration_note(adjusted: Sequence[Adjusted] | None) -> str:
    """Which confidence a `calibrated` ranking used: each one moved, and by whose record."""
    if adjusted is None:
        return ""
    moved = [a for a in adjusted if a.after != a.before]
    if not moved:
        return (
            "With *calibrated confidence*: no owner or category has a recorded outcome to "
            "correct it by yet, so every confidence is as entered."
        )
    shown = ", ".join(
        f"*{a.key}* {format_percent(a.before)} → {format_percent(a.after)}" for a in moved[:8]
    )
    more = f" and {len(moved) - 8} more" if len(moved) > 8 else ""
    return (
        f"With *calibrated confidence*: {len(moved)} of {len(adjusted)} confidences corrected by "
        f"their owner's (else their category's) record of outcomes: {shown}{more}. The rest are "
        "as entered."
    )
