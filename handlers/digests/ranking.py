"""The ROI ranking digest as a message: totals, the biggest movers and why, the ranking."""

from __future__ import annotations

from typing import Any

from domain.digest import (
    InputChanged,
    InputsChanged,
    MeasureChanged,
    Movement,
    Mover,
    MoveReason,
    RankingDigest,
)
from domain.vocabulary import MEASURE_LABELS
from handlers.blocks import MAX_BLOCKS, Message, context, header, pack_lines, plain, section
from handlers.buttons import list_actions
from handlers.formats import format_count, format_money_short, format_percent
from handlers.outlooks import bias_line
from handlers.ranking import format_measure
from handlers.render import escape, render

RANKING_ROWS = 25  # rows a ranking digest shows; `/portfolio rank` has the rest
CADENCE_WORDS = {"weekly": "Weekly", "daily": "Daily"}


def since_words(since_subscribed: bool) -> str:
    """What a digest's changes are counted from, in words."""
    return "when this channel subscribed" if since_subscribed else "the last digest"


def movement_label(movement: Movement) -> str:
    """A line's movement: ▲2, ▼1, new, – (unchanged), or empty with no previous digest."""
    if movement.kind == "up":
        return f"▲{movement.places}"
    if movement.kind == "down":
        return f"▼{movement.places}"
    return {"new": "new", "same": "–"}.get(movement.kind, "")


def measure_label(measure: str) -> str:
    """A ranking measure in words: "risk-adjusted ROI"."""
    return MEASURE_LABELS.get(measure, measure)


def reason_text(reason: MoveReason, currency: str) -> str:
    """Why a product moved: "confidence 60% → 80%", "investment $120k → $150k"."""
    if isinstance(reason, MeasureChanged):
        return (
            f"ranking measure changed from {measure_label(reason.before)} "
            f"to {measure_label(reason.after)}"
        )
    if isinstance(reason, InputChanged):
        if reason.is_money:
            before = format_money_short(reason.before, currency)
            after = format_money_short(reason.after, currency)
        else:
            before, after = format_percent(reason.before), format_percent(reason.after)
        return f"{reason.name} {before} → {after}"
    if isinstance(reason, InputsChanged):
        return f"{reason.what} changed"
    others = "others fell or left" if reason.up else "others rose or joined"
    return f"its own inputs are unchanged; {others}"


def mover_reasons(mover: Mover, currency: str) -> list[str]:
    """A mover's reasons in words, in the order found."""
    return [reason_text(reason, currency) for reason in mover.reasons]


def ranking_message(
    d: RankingDigest,
    *,
    cadence: str,
    tz: str,
    max_blocks: int = MAX_BLOCKS,
) -> Message:
    """The ranking digest: totals, biggest movers with their reasons, the ranking.

    Its title names the measure it ranks by ("Weekly risk-adjusted ROI ranking · Products"):
    the portfolio's chosen one, which is not always ROI.
    """
    label = measure_label(d.measure)
    title = f"{CADENCE_WORDS.get(cadence, '')} {label} ranking · {d.portfolio}".strip()
    title = title[:1].upper() + title[1:]
    blocks: list[dict[str, Any]] = [
        header(title),
        context(
            render(
                "digest/ranking_intro.mrkdwn.j2",
                d=d,
                tz=tz,
                since_label=since_words(d.since_subscribed),
                measure=measure_label(d.measure),
            )
        ),
        section(render("digest/ranking_totals.mrkdwn.j2", d=d)),
    ]
    if d.movers or d.left:
        movers = [(m, mover_reasons(m, d.currency)) for m in d.movers]
        blocks.append(section(render("digest/ranking_movers.mrkdwn.j2", d=d, movers=movers)))
    if d.biases:
        blocks.append(context(" · ".join(f":warning: {bias_line(b)}" for b in d.biases[:2])))
    menus = list_actions(
        [(line.key, line.name) for line in d.lines[:RANKING_ROWS]],
        block_id="msg_digest_ranking",
        suffix="RANKING",
    )
    room = max_blocks - len(blocks) - 1 - (menus is not None)
    blocks.extend(pack_lines(_lines(d), room=room, more="more products"))
    if menus is not None:
        blocks.append(menus)
    blocks.append(context("`/portfolio rank` for the full ranking · `/portfolio digest off` stops"))
    top = ", ".join(
        f"{line.position}. {line.key} ({format_measure(d.measure, d.currency, line.value)})"
        for line in d.lines[:3]
    )
    fallback = f"{title}: {top}" if top else title
    return Message(text=plain(escape(fallback), 3000), blocks=blocks[:max_blocks])


def _lines(d: RankingDigest) -> list[str]:
    """The ranking's first rows, then "… and N more"; a hint when there is nothing to rank."""
    if not d.lines:
        return [
            "No products to rank yet. Add one with "
            "`/portfolio add CHK Checkout | investment 120k | return 400k`."
        ]
    shown = d.lines[:RANKING_ROWS]
    lines = [
        render(
            "digest/ranking_line.mrkdwn.j2",
            line=line,
            movement=movement_label(line.movement),
            currency=d.currency,
            value=format_measure(d.measure, d.currency, line.value),
        )
        for line in shown
    ]
    hidden = len(d.lines) - len(shown)
    if hidden:
        lines.append(f"_… and {format_count(hidden)} more: `/portfolio rank` shows them all._")
    return lines
