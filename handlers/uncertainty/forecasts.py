"""/portfolio frontier and forecast, /roadmap forecast: risk, the odds, and delivery dates."""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.errors import SlackApiError

from domain.allocation import AllocationRefused
from domain.commands.uncertainty import parse_forecast, parse_frontier, parse_item_forecast
from domain.errors import InvalidInput
from domain.services.forecasts import ChoiceView, ForecastView, FrontierView, ItemForecastsView
from domain.uncertainty.frontier import ChoiceKind, FrontierPoint
from handlers import charts
from handlers.blocks import Message, build
from handlers.commands import Reply, Request
from handlers.formats import format_count
from handlers.outlooks import chance, outlook_text
from handlers.planning.allocation import refusal_text, rule_text
from handlers.render import Mrkdwn, escape, render
from handlers.replies import cant_post
from handlers.uncertainty.words import ASSUMPTION, keys_with_names, method_text, money

LETTERS = "ABCDEFGH"
CHOICE_WORDS: dict[ChoiceKind, str] = {
    "most_value": "Most value (the allocation's answer)",
    "nine_tenths": "Nine tenths of the value, least risk",
    "value_per_risk": "Most value per unit of risk",
    "half_value": "Half the value, least risk",
}


def show_frontier(req: Request) -> Reply:
    """Post the risk–return frontier chart and list the few points worth choosing between."""
    request = parse_frontier(req.cmd)
    try:
        view = req.services.forecasts.frontier(req.actor, req.channel_id, request)
    except AllocationRefused as refused:
        raise InvalidInput(refusal_text(refused.reasons, refused.currency or "")) from None
    png, title, alt = frontier_png(view)
    posted = True
    try:
        req.client.files_upload_v2(
            channel=req.channel_id,
            file=png,
            filename="frontier.png",
            title=title,
            alt_txt=alt,
            initial_comment=f"{title}: expected value against risk, today's plan marked",
        )
    except SlackApiError as error:
        problem = cant_post(error, "post the frontier chart here")
        return Reply(Message(problem.text, problem.blocks + frontier_message(view).blocks))
    return Reply(frontier_message(view, posted=posted))


def _risk(point: FrontierPoint) -> charts.RiskPoint:
    return charts.RiskPoint(float(point.deviation), float(point.mean))


def frontier_png(view: FrontierView) -> tuple[bytes, str, str]:
    """The frontier chart as PNG bytes, with its title and alt text."""
    title = f"Risk–return frontier · {view.portfolio}"
    today = view.today
    today_point = charts.RiskPoint(float(today.moments.deviation), float(today.moments.mean))
    note = "Today's plan" + (" (over the budget)" if today.over_budget else "")
    lettered = [
        charts.Lettered(LETTERS[i], _risk(c.choice.point)) for i, c in enumerate(view.choices)
    ]
    png = charts.frontier_chart(
        [_risk(p) for p in view.frontier.points],
        answer=_risk(view.frontier.best),
        today=today_point if today.funded else None,
        today_note=note,
        lettered=lettered,
        title=title,
        currency=view.currency,
    )
    alt = (
        f"Line chart of {len(view.frontier.points)} efficient selections of {view.portfolio}: "
        "risk (standard deviation of value) across, expected value up; today's plan at "
        f"{money(today.moments.deviation, view.currency)} risk and "
        f"{money(today.moments.mean, view.currency)} expected value."
    )
    return png, title, alt


def frontier_message(view: FrontierView, *, posted: bool = False) -> Message:
    """Where today's plan sits, and the few frontier points a person would choose between."""
    currency = view.currency
    title = f"Risk–return frontier · {view.portfolio}"
    rules = [rule_text(r) for r in view.rules]
    rules += [f"keep {', '.join(view.kept)}"] if view.kept else []
    rules += [f"drop {', '.join(view.dropped)}"] if view.dropped else []
    body = [
        render(
            "uncertainty/frontier_intro.mrkdwn.j2",
            view=view,
            budget=money(view.budget, currency),
            rules=Mrkdwn(", ".join(rules)),
            points=len(view.frontier.points),
            posted=posted,
            today=Mrkdwn(_today_text(view)),
        )
    ]
    lines = [_choice_line(LETTERS[i], c, view) for i, c in enumerate(view.choices)]
    best = view.frontier.best
    return build(
        fallback=escape(
            f"{title}: the most expected value is {money(best.mean, currency)} at "
            f"{money(best.deviation, currency)} risk"
        ),
        title=title,
        body=body,
        lines=lines,
        more="more points",
        footer=f"{ASSUMPTION}; products that succeed or fail together would widen every risk "
        "here. Risk is the standard deviation of the funded products' value · "
        "`/portfolio frontier 2m | min Growth 30%`",
    )


def _today_text(view: FrontierView) -> str:
    currency = view.currency
    today = view.today
    if not today.funded:
        return "Nothing is funded today (no product has an investment)."
    head = (
        f"*Today's plan* ({format_count(len(today.funded))} products with an investment, "
        f"{money(today.cost, currency)}): expected value *{money(today.moments.mean, currency)}*, "
        f"risk {money(today.moments.deviation, currency)}"
    )
    if today.over_budget:
        return head + f", {money(today.cost - view.budget, currency)} over the budget."
    where = view.position
    if where is None or (where.richer is None and where.safer is None):
        return head + ": on the frontier (no selection within the budget and rules is worth more "
        "at its risk)."
    parts = []
    if where.richer is not None:
        gain = money(where.richer.mean - today.moments.mean, currency)
        parts.append(f"at no more risk a selection is worth *{gain} more*")
    if where.safer is not None:
        less = money(today.moments.deviation - where.safer.deviation, currency)
        parts.append(f"the same value comes with {less} less risk")
    return head + ": below the frontier: " + "; ".join(parts) + "."


def _choice_line(letter: str, item: ChoiceView, view: FrontierView) -> str:
    point = item.choice.point
    currency = view.currency
    moves = [f"+{k}" for k in item.added] + [f"−{k}" for k in item.removed]
    return render(
        "uncertainty/frontier_choice.mrkdwn.j2",
        letter=letter,
        label=CHOICE_WORDS[item.choice.kind],
        mean=money(point.mean, currency),
        risk=money(point.deviation, currency),
        p10=money(item.p10 if item.p10 is not None else Decimal(0), currency),
        cost=money(point.cost, currency),
        funds=Mrkdwn(keys_with_names(point.funded, view.names, limit=10) or "nothing"),
        moves=" ".join(moves[:14]) + (" …" if len(moves) > 14 else ""),
        proven=point.optimal,
    )


def show_forecast(req: Request) -> Reply:
    """The odds for the funded portfolio's value: P10 / P50 / P90, a target, the downside."""
    view = req.services.forecasts.forecast(req.actor, req.channel_id, parse_forecast(req.cmd))
    return Reply(forecast_message(view))


def forecast_message(view: ForecastView) -> Message:
    """The value distribution, the target's odds, and the products that drive the downside."""
    value = view.value
    currency = view.currency
    title = f"Value forecast · {view.portfolio}"
    drivers = [
        render(
            "uncertainty/driver_line.mrkdwn.j2",
            key=d.key,
            title=view.names.get(d.key, ""),
            in_tail=chance(d.failure_in_tail),
            overall=chance(d.failure),
            shortfall=money(d.shortfall, currency),
        )
        for d in value.drivers
    ]
    body = render(
        "uncertainty/forecast.mrkdwn.j2",
        view=view,
        value=value,
        p10=money(value.p10, currency),
        p50=money(value.p50, currency),
        p90=money(value.p90, currency),
        mean=money(value.mean, currency),
        deviation=money(value.deviation, currency),
        loss=chance(value.loss_chance),
        target=money(value.target, currency) if value.target is not None else "",
        odds=chance(value.chance) if value.chance is not None else "",
        shortfall=money(value.tail_shortfall, currency),
        drivers=Mrkdwn("\n".join(drivers)),
        best=money(value.best, currency),
        worst=money(value.worst, currency),
    )
    fallback = (
        f"{title}: P10 {money(value.p10, currency)}, P50 {money(value.p50, currency)}, "
        f"P90 {money(value.p90, currency)}"
    )
    if value.chance is not None and value.target is not None:
        fallback += f"; {chance(value.chance)} chance of {money(value.target, currency)}"
    return build(
        fallback=escape(fallback),
        title=title,
        body=[body],
        footer=f"{method_text(value, currency)} · {ASSUMPTION} · `/portfolio forecast | target 3m`",
    )


def show_item_forecast(req: Request) -> Reply:
    """When a product's open items should be done at their own pace, and the odds on target."""
    view = req.services.forecasts.roadmap_forecast(req.actor, parse_item_forecast(req.cmd))
    return Reply(item_forecasts(view))


def item_forecasts(view: ItemForecastsView) -> Message:
    """Each open item's forecast, or why there is none."""
    title = f"Delivery forecast · {view.key} {view.name}"
    if not view.items:
        return build(
            fallback=escape(title),
            title=title,
            body=[f"{view.key} has no open roadmap items to forecast."],
        )
    lines = [
        render("uncertainty/item_forecast.mrkdwn.j2", item=item, outlook=Mrkdwn(outlook_text(item)))
        for item in view.items
    ]
    return build(
        fallback=escape(f"{title}: {len(view.items)} open items"),
        title=title,
        lines=lines,
        more="more items",
        footer="From each item's own dated progress updates: 1,000 seeded runs, each week taking "
        "the pace of a random day of its last 12 weeks; P50 and P85 are the days by which half "
        "and 85% of the runs are done. Items need 3 progress updates on different days.",
    )
