"""/portfolio rank and weights: products in order of a measure, and the weighted score's weights."""

from __future__ import annotations

from decimal import Decimal

from domain.commands import portfolio as parse
from domain.commands.planning import WEIGHTS_USAGE, parse_weights_command
from domain.services.ranking import WeightsView
from domain.views import RankingView
from domain.vocabulary import (
    MEASURE_LABELS,
    MEASURES,
    WEIGHT_LABELS,
    WEIGHT_PARTS,
    WEIGHT_SYNONYMS,
)
from handlers.blocks import Message, build
from handlers.buttons import list_actions, with_actions
from handlers.commands import CommandSet, Reply, Request
from handlers.formats import format_count, format_money, format_percent, format_ratio
from handlers.help import synonym_words
from handlers.outlooks import calibration_note
from handlers.render import escape, render, render_lines
from handlers.replies import text_message


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio rank and weights."""
    portfolio.add(
        "rank",
        parse.RANK_USAGE,
        show_ranking,
        examples=("/portfolio rank risk top 5", "/portfolio rank score category Growth"),
        words=(("measures", MEASURES),),
    )
    portfolio.add(
        "weights",
        WEIGHTS_USAGE,
        set_or_show_weights,
        examples=(WEIGHTS_USAGE, "/portfolio weights"),
        words=(("parts", WEIGHT_PARTS), ("also understood", synonym_words(WEIGHT_SYNONYMS))),
    )


def show_ranking(req: Request) -> Reply:
    """Rank products by ROI, risk-adjusted ROI, NPV or the weighted score."""
    view = req.services.ranking.rank(req.actor, req.channel_id, parse.parse_rank(req.cmd))
    return Reply(ranking_message(view))


def set_or_show_weights(req: Request) -> Reply:
    """Set the weighted score's weights (they add up to 100 %), or show them.

    The weights rank the whole portfolio, so only portfolio managers set them (owners make no
    proposals for them); every change is kept in the products' history.
    """
    new_weights = parse_weights_command(req.cmd)
    if new_weights is None:
        return Reply(weights_message(req.services.ranking.weights(req.actor, req.channel_id)))
    view = req.services.ranking.set_weights(req.actor, req.channel_id, new_weights)
    return Reply(weights_message(view), in_channel=True)


def format_measure(measure: str, currency: str, value: Decimal | None) -> str:
    """A measure's value: percentages for ROI, money for NPV, a number for score; n/a if none."""
    if value is None:
        return "n/a"
    if measure in ("roi", "risk"):
        return format_ratio(value)
    if measure == "npv":
        return format_money(value, currency, whole=True)
    return f"{value:.2f}"


def measure_value(view: RankingView, value: Decimal | None) -> str:
    """A ranking value as shown: percentages for ROI, money for NPV, a number for score."""
    return format_measure(view.measure, view.currency, value)


def ranking_message(view: RankingView) -> Message:
    """A ranking: position, key, name, measure, investment → return, health, owner."""
    label = MEASURE_LABELS[view.measure]
    title = f"{label[0].upper()}{label[1:]} ranking · {view.portfolio}"
    if not view.rows:
        where = f" in category {view.category}" if view.category else ""
        body = (
            f"No products to rank{where} yet. Add one with "
            "`/portfolio add CHK Checkout | investment 120k | return 400k`."
        )
        return build(fallback=escape(title), title=title, body=[body])
    lines = []
    for row, line in zip(view.rows, ranked_lines(view), strict=True):
        if row.parts:
            parts = " + ".join(
                f"{name} {format_percent(weight)}×{contribution / weight if weight else 0:.2f}"
                for name, weight, contribution in row.parts
            )
            line += f"\n      _{escape(parts)}_"
        lines.append(line)
    if view.next_start is not None:
        lines.append(f"_{escape(next_page_words(view))}_")
    first = view.rows[0]
    fallback = (
        f"{label} ranking of {view.portfolio}: 1. {first.key} ({measure_value(view, first.value)})"
    )
    message = build(
        fallback=escape(fallback),
        title=title,
        body=[
            render("ranking/intro.mrkdwn.j2", view=view, measure_label=label),
            calibration_note(view.calibration),
        ],
        lines=lines,
        more="more products",
        footer=render("ranking/footer.mrkdwn.j2", view=view, example=CASHFLOWS_EXAMPLE),
    )
    rows = [(row.key, row.name) for row in view.rows]
    return with_actions(message, list_actions(rows, block_id="msg_ranking"))


CASHFLOWS_EXAMPLE = "/portfolio set CHK | cashflows -100k, 50k, 80k"


def ranked_lines(view: RankingView) -> list[str]:
    """Each row's line, in one template render."""
    return render_lines(
        "ranking/lines.mrkdwn.j2",
        [(row, measure_value(view, row.value)) for row in view.rows],
        currency=view.currency,
    )


def rank_command(view: RankingView, start: int) -> str:
    """The `/portfolio rank …` that lists this ranking from a position."""
    words = ["/portfolio rank", view.measure]
    if view.top:
        words.append(f"top {view.top}")
    if view.category:
        words.append(f"category {view.category}")
    words.append(f"from {start}")
    return " ".join(words)


def next_page_words(view: RankingView) -> str:
    """Where the rest of the ranking is: `… 210 more: /portfolio rank roi from 101`."""
    assert view.next_start is not None
    left = view.listed - view.next_start + 1
    return (
        f"… and {format_count(left)} more product{'s' if left != 1 else ''}: "
        f"`{rank_command(view, view.next_start)}`"
    )


def weights_message(view: WeightsView) -> Message:
    """The score's weights in words."""
    return text_message(render("ranking/weights.mrkdwn.j2", view=view, labels=WEIGHT_LABELS))
