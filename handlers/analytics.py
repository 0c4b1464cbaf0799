"""Analytics subcommands: objectives, weights, allocation, balance, charts, export, item ranking.

Each subcommand's docstring is its help text. Charts go to the channel with files_upload_v2;
an export goes to the asker in a direct message.
"""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.errors import SlackApiError

from domain.allocation import AllocationRefused
from domain.balance import (
    CONCENTRATION_LIMIT,
    Concentrated,
    Flag,
    NoInvestment,
    NoPipeline,
    Troubled,
)
from domain.commands.common import parse_nothing
from domain.commands.objectives import (
    OBJECTIVE_USAGE,
    AddObjective,
    ListObjectives,
    parse_objective,
)
from domain.commands.planning import (
    ALLOCATE_USAGE,
    BALANCE_USAGE,
    CHART_USAGE,
    WEIGHTS_USAGE,
    parse_allocate,
    parse_balance,
    parse_chart,
    parse_weights_command,
)
from domain.commands.portfolio import RankRequest
from domain.commands.roadmap import ITEM_RANK_USAGE, parse_item_rank
from domain.errors import InvalidInput
from domain.money import plain_decimal as plain
from domain.services.objectives import ObjectiveChange, ObjectiveView
from domain.services.planning import BalanceView, ChartData
from domain.services.ranking import WeightsView
from domain.services.roadmap import RoadmapRanking
from domain.views import RankingView
from domain.vocabulary import MEASURE_LABELS, WEIGHT_LABELS
from handlers import charts
from handlers.allocation import allocation, refusal_text
from handlers.blocks import Message, build
from handlers.commands import PORTFOLIO, ROADMAP, Reply, Request
from handlers.formats import (
    format_money_short,
    format_percent,
    format_percent_above,
    format_ratio,
)
from handlers.messages import measure_value, text_message
from handlers.render import escape, render

EXPORT_USAGE = "/portfolio export"
INPUT_EXAMPLES = {
    "rice": "reach 2000 | impact 2 | confidence 80% | effort 3",
    "wsjf": "value 8 | criticality 5 | risk 3 | size 5",
}
CANT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}


# -- objectives -------------------------------------------------------------------------


@PORTFOLIO.sub("objective", OBJECTIVE_USAGE)
def objective(req: Request) -> Reply:
    """Add company objectives (KEY, title, weight), change them, or list them with their links."""
    request = parse_objective(req.cmd)
    if isinstance(request, ListObjectives):
        return Reply(objective_list(req.services.objectives.objectives(req.actor)))
    if isinstance(request, AddObjective):
        change = req.services.objectives.add_objective(
            req.actor, request.key, request.title, request.weight
        )
        return Reply(objective_change(change), in_channel=True)
    change = req.services.objectives.set_objective(
        req.actor, request.key, title=request.title, weight=request.weight
    )
    return Reply(objective_change(change), in_channel=bool(change.changed))


def objective_change(change: ObjectiveChange) -> Message:
    """The answer to objective add or set."""
    return text_message(
        render(
            "analytics/objective_change.mrkdwn.j2",
            change=change,
            weight=plain(change.objective.weight),
        )
    )


def objective_list(objectives: tuple[ObjectiveView, ...]) -> Message:
    """The workspace's objectives, one line each."""
    title = "Objectives"
    if not objectives:
        return build(
            fallback=title,
            title=title,
            body=[f"No objectives yet. Add one with `{OBJECTIVE_USAGE}`."],
        )
    lines = [
        render("analytics/objective_line.mrkdwn.j2", o=o, weight=plain(o.weight))
        for o in objectives
    ]
    return build(
        fallback=escape(f"{len(objectives)} objectives: " + ", ".join(o.key for o in objectives)),
        title=title,
        lines=lines,
        more="more objectives",
        footer="Link with `/portfolio set CHK | objective GROW` · a product's alignment is the "
        "sum of its objectives' weights",
    )


# -- weights ----------------------------------------------------------------------------


@PORTFOLIO.sub("weights", WEIGHTS_USAGE)
def weights(req: Request) -> Reply:
    """Set the weighted score's weights (they add up to 100 %), or show them."""
    new_weights = parse_weights_command(req.cmd)
    if new_weights is None:
        return Reply(weights_message(req.services.ranking.weights(req.actor, req.channel_id)))
    view = req.services.ranking.set_weights(req.actor, req.channel_id, new_weights)
    return Reply(weights_message(view), in_channel=True)


def weights_message(view: WeightsView) -> Message:
    """The score's weights in words."""
    return text_message(render("analytics/weights.mrkdwn.j2", view=view, labels=WEIGHT_LABELS))


# -- allocation -------------------------------------------------------------------------


@PORTFOLIO.sub("allocate", ALLOCATE_USAGE)
def allocate(req: Request) -> Reply:
    """Fund the products worth most within a budget, with category shares, keeps and drops."""
    request = parse_allocate(req.cmd)
    try:
        view = req.services.planning.allocate(req.actor, req.channel_id, request)
    except AllocationRefused as refused:
        raise InvalidInput(refusal_text(refused.reasons, refused.currency or "")) from None
    return Reply(allocation(view))


# -- balance ----------------------------------------------------------------------------


@PORTFOLIO.sub("balance", BALANCE_USAGE)
def show_balance(req: Request) -> Reply:
    """Shares of investment and expected value by category, stage or health, with warnings."""
    view = req.services.planning.balance(req.actor, req.channel_id, parse_balance(req.cmd))
    return Reply(balance_message(view))


def concentration_words(hhi: Decimal) -> str:
    """The HHI in words, on the usual thresholds (0.15 and 0.25 of the 0–1 scale)."""
    if hhi < Decimal("0.15"):
        return "spread out"
    if hhi <= Decimal("0.25"):
        return "moderately concentrated"
    return "highly concentrated"


def flag_text(flag: Flag) -> str:
    """A balance warning in words: "72% of investment is in Growth"."""
    if isinstance(flag, Concentrated):
        share = format_percent_above(flag.share, flag.limit)
        return f"{share} of investment is in {flag.category}"
    if isinstance(flag, Troubled):
        share = format_percent_above(flag.share, flag.limit)
        return f"{share} of investment is at risk or off track"
    if isinstance(flag, NoPipeline):
        return f"No pipeline: nothing in {' or '.join(flag.stages)}"
    if isinstance(flag, NoInvestment):
        return "No investment recorded yet: shares and concentration cannot be judged"
    return "The portfolio is empty: add products to see its balance"


def balance_message(view: BalanceView) -> Message:
    """The balance report: one line per group, the concentration, and the flags."""
    report = view.report
    title = f"Balance by {report.by} · {view.portfolio}"
    flags = render(
        "analytics/balance_flags.mrkdwn.j2",
        flags=[flag_text(flag) for flag in report.flags],
        limit=format_percent(CONCENTRATION_LIMIT),
    )
    if not report.groups:
        return build(fallback=escape(title), title=title, body=[flags])
    lines = [
        render("analytics/balance_line.mrkdwn.j2", group=group, currency=view.currency)
        for group in report.groups
    ]
    fallback = f"{title}: " + "; ".join(
        f"{g.name} {format_percent(g.investment_share)}" for g in report.groups[:10]
    )
    return build(
        fallback=escape(fallback),
        title=title,
        body=[
            render(
                "analytics/balance_intro.mrkdwn.j2",
                view=view,
                concentration=concentration_words(report.hhi),
            )
        ],
        lines=lines,
        more="more groups",
        after=[flags],
        footer="`/portfolio balance by category` · `by stage` · `by health`",
    )


# -- charts -----------------------------------------------------------------------------


@PORTFOLIO.sub("chart", CHART_USAGE)
def chart(req: Request) -> Reply:
    """Post the risk–return bubble chart, or the ranking as bars, to this channel."""
    request = parse_chart(req.cmd)
    if request.kind == "bubble":
        data = req.services.planning.chart_points(req.actor, req.channel_id)
        png, title, alt = bubble_png(data)
        count = len(data.points)
    else:
        view = req.services.ranking.rank(
            req.actor,
            req.channel_id,
            RankRequest(measure=request.measure, top=charts.MAX_BARS, category=None),
        )
        png, title, alt = ranking_png(view)
        count = view.total
    filename = f"{request.kind}-chart.png"
    try:
        req.client.files_upload_v2(
            channel=req.channel_id,
            file=png,
            filename=filename,
            title=title,
            alt_txt=alt,
            initial_comment=f"{title} ({count:,} product{'s' if count != 1 else ''})",
        )
    except SlackApiError as error:
        return Reply(cant_post(error, "post the chart here"))
    return Reply(
        text_message(f":bar_chart: Posted *{escape(title)}* to this channel ({count:,} products).")
    )


def bubble_png(data: ChartData) -> tuple[bytes, str, str]:
    """The risk–return bubble chart as PNG bytes, with its title and alt text."""
    title = f"Risk and return · {data.portfolio}"
    points = [
        charts.BubblePoint(
            key=p.key,
            category=p.category,
            confidence=float(p.confidence),
            roi=float(p.roi) if p.roi is not None else None,
            investment=float(p.investment),
        )
        for p in data.points
    ]
    alt = (
        f"Bubble chart of {len(points)} products of {data.portfolio}: confidence across, ROI "
        "up, bubble area by investment, colour by category."
    )
    return charts.bubble_chart(points, title=title, currency=data.currency), title, alt


def ranking_png(view: RankingView) -> tuple[bytes, str, str]:
    """The ranking as a bar chart (PNG bytes), with its title and alt text."""
    label = MEASURE_LABELS[view.measure]
    title = f"{label[:1].upper()}{label[1:]} ranking · {view.portfolio}"
    bars = [
        charts.Bar(
            key=row.key, label=row.name, value=float(row.value) if row.value is not None else None
        )
        for row in view.rows
    ]

    def value_format(value: float) -> str:
        if view.measure in ("roi", "risk"):
            return format_ratio(Decimal(f"{float(value):.4f}"))
        if view.measure == "npv":
            return format_money_short(Decimal(f"{float(value):.2f}"), view.currency)
        return f"{value:.2f}"

    alt = f"{title}: " + ", ".join(
        f"{row.key} {measure_value(view, row.value)}" for row in view.rows[:10]
    )
    png = charts.ranking_chart(bars, title=title, measure_label=label, value_format=value_format)
    return png, title, alt


def cant_post(error: SlackApiError, doing: str) -> Message:
    """Why Slack refused a file, in words (an unexpected refusal is raised again)."""
    code = str(error.response.get("error", ""))
    if code not in CANT_POST:
        raise error
    return text_message(
        f":warning: Slack wouldn't let me {doing} (`{escape(code)}`). Invite me to the channel "
        "with `/invite @Folio`, or ask in a channel I'm in."
    )


# -- export -----------------------------------------------------------------------------


@PORTFOLIO.sub("export", EXPORT_USAGE)
def export(req: Request) -> Reply:
    """Send yourself this channel's portfolio as a CSV file (importable with `bot.py import`)."""
    parse_nothing(req.cmd, EXPORT_USAGE)
    exported = req.services.transfer.export(req.actor, req.channel_id)
    opened = req.client.conversations_open(users=req.actor.user_id)
    dm = str(opened["channel"]["id"])
    try:
        req.client.files_upload_v2(
            channel=dm,
            file=exported.text.encode("utf-8-sig"),
            filename=exported.filename,
            title=f"{exported.portfolio} products",
            initial_comment=(
                f"{exported.count:,} products of {exported.portfolio}. Edit and import with "
                f'`python bot.py import {exported.filename} --portfolio "{exported.portfolio}"`.'
            ),
        )
    except SlackApiError as error:
        return Reply(cant_post(error, "send you the file"))
    return Reply(
        text_message(
            f":inbox_tray: Sent you *{escape(exported.filename)}* ({exported.count:,} products) "
            "in a direct message."
        )
    )


# -- roadmap prioritisation -------------------------------------------------------------


@ROADMAP.sub("rank", ITEM_RANK_USAGE)
def rank_items(req: Request) -> Reply:
    """Rank a product's open items by RICE or WSJF; items missing inputs are named."""
    request = parse_item_rank(req.cmd)
    ranking = req.services.roadmap.rank(req.actor, request.key, request.method)
    return Reply(item_ranking(ranking))


def item_ranking(ranking: RoadmapRanking) -> Message:
    """The items in score order, then the unscored ones with what they miss."""
    label = ranking.method.upper()
    title = f"{label} ranking · {ranking.key} {ranking.name}"
    footer = render(
        "analytics/item_rank_footer.mrkdwn.j2",
        ranking=ranking,
        example=INPUT_EXAMPLES[ranking.method],
    )
    if not ranking.rows:
        body = (
            f"{ranking.key} has no open roadmap items. Add one with "
            f"`/roadmap add {ranking.key} Checkout v2 | target 2027-Q1`."
        )
        return build(fallback=escape(title), title=title, body=[body], footer=footer)
    lines = [
        render(
            "analytics/item_rank_line.mrkdwn.j2",
            row=row,
            value=f"{row.value:,.2f}" if row.value is not None else "",
        )
        for row in ranking.rows
    ]
    scored = len(ranking.rows) - ranking.unscored
    intro = f"{scored} of {len(ranking.rows)} open items scored by {label}."
    if ranking.unscored:
        intro += (
            f" {ranking.unscored} miss an input and are listed last: a missing input is not "
            "taken as zero."
        )
    first = ranking.rows[0]
    fallback = f"{title}: " + (
        f"1. {first.ref} ({first.value})" if first.value is not None else "no item scored yet"
    )
    return build(
        fallback=escape(fallback),
        title=title,
        body=[intro],
        lines=lines,
        more="more items",
        footer=footer,
    )
