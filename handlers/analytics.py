"""Analytics subcommands: objectives, weights, allocation, balance, charts, export, item ranking.

Each subcommand's docstring is its help text. Charts go to the channel with files_upload_v2;
an export goes to the asker in a direct message.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal, cast

from slack_sdk.errors import SlackApiError

from domain.allocation import ShareRule
from domain.balance import GROUPINGS
from domain.commands import CATEGORY_MAX, RANK_MEASURES, RankRequest, one_of
from domain.errors import InvalidInput
from domain.grammar import CommandText, check_fields, clean_text, parse_key
from domain.money import format_money, format_money_short, parse_amount, parse_percent
from domain.money import plain_decimal as plain
from domain.ranking import parse_weights
from domain.services.analytics import (
    AllocateBy,
    AllocateRequest,
    AllocationLine,
    AllocationView,
    BalanceView,
    ChartData,
    Grouping,
    Method,
    ObjectiveChange,
    ObjectiveView,
    RoadmapRanking,
    WeightsView,
)
from domain.views import RankingView
from handlers import charts
from handlers.blocks import Message, build
from handlers.commands import PORTFOLIO, ROADMAP, Reply, Request
from handlers.messages import MEASURE_LABELS, measure_value, text_message
from handlers.render import escape, render

OBJECTIVE_USAGE = "/portfolio objective add GROW Grow ARR 30% | weight 3"
OBJECTIVE_SET_USAGE = "/portfolio objective set GROW | weight 2 | title Grow ARR 40%"
WEIGHTS_USAGE = "/portfolio weights roi 40% risk 30% alignment 30%"
ALLOCATE_USAGE = (
    "/portfolio allocate 2m | min Growth 30%, Platform 10% | max Core 50% | keep CHK "
    "| drop LEG | by score"
)
BALANCE_USAGE = "/portfolio balance [by category|stage|health]"
CHART_USAGE = "/portfolio chart [bubble|ranking] [roi|risk|npv|score]"
EXPORT_USAGE = "/portfolio export"
ITEM_RANK_USAGE = "/roadmap rank CHK [rice|wsjf]"

WEIGHT_MAX = Decimal(1000)
WEIGHT_RE = re.compile(r"[0-9]{1,4}(?:\.[0-9]{1,4})?")
CHART_KINDS = ("bubble", "ranking")
ITEM_METHODS = ("rice", "wsjf")
UNFUNDED_SHOWN = 60
WEIGHT_LABELS = {"roi": "ROI", "risk": "risk-adjusted ROI", "npv": "NPV", "alignment": "alignment"}
INPUT_EXAMPLES = {
    "rice": "reach 2000 | impact 2 | confidence 80% | effort 3",
    "wsjf": "value 8 | criticality 5 | risk 3 | size 5",
}
CANT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}


# -- objectives -------------------------------------------------------------------------


@PORTFOLIO.sub("objective", OBJECTIVE_USAGE)
def objective(req: Request) -> Reply:
    """Add company objectives (KEY, title, weight), change them, or list them with their links."""
    verb, _, rest = req.cmd.head.partition(" ")
    verb = verb.lower()
    if verb in ("", "list"):
        check_fields(req.cmd, (), usage="/portfolio objective list")
        if rest.strip():
            raise InvalidInput("`/portfolio objective list` takes nothing after it.")
        return Reply(objective_list(req.services.analytics.objectives(req.actor)))
    if verb == "add":
        values = check_fields(req.cmd, ("weight",), usage=OBJECTIVE_USAGE)
        words = rest.split(maxsplit=1)
        if len(words) < 2:
            raise InvalidInput(f"Give the objective a key and a title, e.g. `{OBJECTIVE_USAGE}`.")
        key = parse_key(words[0])
        title = clean_text(words[1], what="An objective's title", max_len=200)
        weight = parse_weight(values["weight"]) if "weight" in values else None
        change = req.services.analytics.add_objective(req.actor, key, title, weight)
        return Reply(objective_change(change), in_channel=True)
    if verb == "set":
        values = check_fields(req.cmd, ("weight", "title"), usage=OBJECTIVE_SET_USAGE)
        words = rest.split()
        if len(words) != 1 or not values:
            raise InvalidInput(
                f"Name one objective, then what to change, e.g. `{OBJECTIVE_SET_USAGE}`."
            )
        change = req.services.analytics.set_objective(
            req.actor,
            parse_key(words[0]),
            title=clean_text(values["title"], what="An objective's title", max_len=200)
            if "title" in values
            else None,
            weight=parse_weight(values["weight"]) if "weight" in values else None,
        )
        return Reply(objective_change(change), in_channel=bool(change.changed))
    raise InvalidInput(
        f"`/portfolio objective {verb}` isn't something I know. Use `objective add`, "
        f"`objective set` or `objective list`, e.g. `{OBJECTIVE_USAGE}`."
    )


def parse_weight(text: str) -> Decimal:
    """An objective's weight: a number above 0 and at most 1,000, like `3` or `1.5`."""
    written = text.strip()
    value = Decimal(written) if WEIGHT_RE.fullmatch(written) else None
    if value is None or not 0 < value <= WEIGHT_MAX:
        raise InvalidInput(
            f"An objective's weight is a number above 0 and at most 1,000; you wrote "
            f"`{written}`. Example: `| weight 3`."
        )
    return value


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
    check_fields(req.cmd, (), usage=WEIGHTS_USAGE)
    if not req.cmd.head:
        return Reply(weights_message(req.services.analytics.weights(req.actor, req.channel_id)))
    view = req.services.analytics.set_weights(
        req.actor, req.channel_id, parse_weights(req.cmd.head)
    )
    return Reply(weights_message(view), in_channel=True)


def weights_message(view: WeightsView) -> Message:
    """The score's weights in words."""
    return text_message(render("analytics/weights.mrkdwn.j2", view=view, labels=WEIGHT_LABELS))


# -- allocation -------------------------------------------------------------------------


@PORTFOLIO.sub("allocate", ALLOCATE_USAGE)
def allocate(req: Request) -> Reply:
    """Fund the products worth most within a budget, with category shares, keeps and drops."""
    request = parse_allocate(req.cmd)
    return Reply(allocation(req.services.analytics.allocate(req.actor, req.channel_id, request)))


def parse_allocate(cmd: CommandText) -> AllocateRequest:
    """`allocate [BUDGET] | min CAT P%, … | max CAT P% | keep K … | drop K … | by value|score`."""
    values = check_fields(cmd, ("min", "max", "keep", "drop", "by"), usage=ALLOCATE_USAGE)
    budget = parse_amount(cmd.head) if cmd.head else None
    rules = tuple(
        rule
        for kind in ("min", "max")
        if kind in values
        for rule in _share_rules(values[kind], kind)
    )
    by = one_of(values.get("by", "value"), ("value", "score"), what="thing to maximise")
    return AllocateRequest(
        budget=budget,
        rules=rules,
        keep=_keys(values.get("keep", "")),
        drop=_keys(values.get("drop", "")),
        by=cast(AllocateBy, by),
    )


def _share_rules(text: str, kind: Literal["min", "max"]) -> list[ShareRule]:
    rules = []
    for part in text.split(","):
        words = part.split()
        if len(words) < 2:
            raise InvalidInput(
                f"Write a `{kind}` rule as a category and a share of the budget, like "
                f"`| {kind} Growth 30%` (several: `| {kind} Growth 30%, Core 10%`); "
                f"you wrote `{part.strip()}`."
            )
        category = clean_text(" ".join(words[:-1]), what="A category", max_len=CATEGORY_MAX)
        share = parse_percent(words[-1], what=f"The `{kind} {category}` share")
        rules.append(ShareRule(category=category, share=share, kind=kind))
    return rules


def _keys(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(parse_key(word) for word in text.replace(",", " ").split()))


def allocation(view: AllocationView) -> Message:
    """Funded and unfunded products, money used and left, and what would fund the next one."""
    label = "value" if view.by == "value" else "score"

    def shown(amount: Decimal) -> str:
        if view.by == "value":
            return format_money_short(amount, view.currency)
        return f"{amount:.2f}"

    def line(mark: str, item: AllocationLine) -> str:
        return render(
            "analytics/allocation_line.mrkdwn.j2",
            mark=mark,
            line=item,
            currency=view.currency,
            value_label=label,
            value=shown(item.value),
        )

    lines = [line(":white_check_mark:", item) for item in view.funded]
    if view.unfunded:
        lines.append("*Not funded*")
        lines += [line(":white_circle:", item) for item in view.unfunded[:UNFUNDED_SHOWN]]
        if len(view.unfunded) > UNFUNDED_SHOWN:
            lines.append(f"_… and {len(view.unfunded) - UNFUNDED_SHOWN:,} more not funded_")
    total = (
        format_money(view.total_value, view.currency)
        if view.by == "value"
        else f"{view.total_value:.2f}"
    )
    bound = "" if view.bound is None else shown(view.bound)
    title = f"Allocation · {view.portfolio}"
    fallback = (
        f"Allocation of {view.portfolio}: {len(view.funded)} funded, "
        f"{format_money(view.used, view.currency)} used of "
        f"{format_money(view.budget, view.currency)}, total {label} {total}"
    )
    advice = render(
        "analytics/allocation_advice.mrkdwn.j2",
        view=view,
        value_label=label,
        best_value=shown(view.best_unfunded.value) if view.best_unfunded else "",
    )
    return build(
        fallback=escape(fallback),
        title=title,
        body=[render("analytics/allocation_intro.mrkdwn.j2", view=view, total=total)],
        lines=lines,
        more="more products",
        after=[advice],
        footer=render("analytics/allocation_footer.mrkdwn.j2", view=view, bound=bound),
    )


# -- balance ----------------------------------------------------------------------------


@PORTFOLIO.sub("balance", BALANCE_USAGE)
def show_balance(req: Request) -> Reply:
    """Shares of investment and expected value by category, stage or health, with warnings."""
    check_fields(req.cmd, (), usage=BALANCE_USAGE)
    words = req.cmd.head.split()
    if words[:1] and words[0].lower() == "by":
        words = words[1:]
    if len(words) > 1 or (not words and req.cmd.head):
        raise InvalidInput(
            f"Say how to group, e.g. `/portfolio balance by stage`. ({BALANCE_USAGE})"
        )
    by = one_of(words[0], GROUPINGS, what="grouping") if words else "category"
    view = req.services.analytics.balance(req.actor, req.channel_id, cast(Grouping, by))
    return Reply(balance_message(view))


def concentration_words(hhi: Decimal) -> str:
    """The HHI in words, on the usual thresholds (0.15 and 0.25 of the 0–1 scale)."""
    if hhi < Decimal("0.15"):
        return "spread out"
    if hhi <= Decimal("0.25"):
        return "moderately concentrated"
    return "highly concentrated"


def balance_message(view: BalanceView) -> Message:
    """The balance report: one line per group, the concentration, and the flags."""
    report = view.report
    title = f"Balance by {report.by} · {view.portfolio}"
    flags = render("analytics/balance_flags.mrkdwn.j2", flags=report.flags)
    if not report.groups:
        return build(fallback=escape(title), title=title, body=[flags])
    lines = [
        render("analytics/balance_line.mrkdwn.j2", group=group, currency=view.currency)
        for group in report.groups
    ]
    fallback = f"{title}: " + "; ".join(
        f"{g.name} {g.investment_share * 100:.0f}%" for g in report.groups[:10]
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
    check_fields(req.cmd, (), usage=CHART_USAGE)
    words = req.cmd.head.lower().split()
    kind = one_of(words[0], CHART_KINDS, what="chart") if words else "bubble"
    if len(words) > (2 if kind == "ranking" else 1):
        raise InvalidInput(f"I don't understand `{req.cmd.head}`. Usage: `{CHART_USAGE}`.")
    if kind == "bubble":
        data = req.services.analytics.chart_points(req.actor, req.channel_id)
        png, title, alt = bubble_png(data)
        count = len(data.points)
    else:
        measure = (
            one_of(words[1], RANK_MEASURES, what="ranking measure") if len(words) > 1 else None
        )
        view = req.services.portfolios.rank(
            req.actor,
            req.channel_id,
            RankRequest(measure=measure, top=charts.MAX_BARS, category=None),
        )
        png, title, alt = ranking_png(view)
        count = view.total
    filename = f"{kind}-chart.png"
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
            return f"{value * 100:,.0f}%"
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
    check_fields(req.cmd, (), usage=EXPORT_USAGE)
    if req.cmd.head:
        raise InvalidInput("`/portfolio export` takes nothing after it.")
    exported = req.services.analytics.export(req.actor, req.channel_id)
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
    check_fields(req.cmd, (), usage=ITEM_RANK_USAGE)
    words = req.cmd.head.split()
    if not 1 <= len(words) <= 2:
        raise InvalidInput(f"Name one product, e.g. `{ITEM_RANK_USAGE}`.")
    key = parse_key(words[0])
    method = (
        one_of(words[1], ITEM_METHODS, what="prioritisation method") if len(words) > 1 else "rice"
    )
    ranking = req.services.analytics.roadmap_rank(req.actor, key, cast(Method, method))
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
