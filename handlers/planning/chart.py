"""/portfolio chart: the risk–return bubble chart or the ranking as bars, posted as a PNG."""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.errors import SlackApiError

from domain.commands.planning import parse_chart
from domain.commands.portfolio import RankRequest
from domain.services.planning import ChartData
from domain.views import RankingView
from domain.vocabulary import MEASURE_LABELS
from handlers import charts
from handlers.commands import Reply, Request
from handlers.formats import format_money_short, format_ratio
from handlers.ranking import measure_value
from handlers.render import escape
from handlers.replies import cant_post, text_message


def post_chart(req: Request) -> Reply:
    """Post the risk–return bubble chart, or the ranking as bars, to this channel."""
    request = parse_chart(req.cmd)
    if request.kind == "bubble":
        data = req.services.planning.chart_points(req.actor, req.channel_id)
        png, title, alt = bubble_png(data)
        shown, more = shown_words(len(data.points), len(data.points)), ""
    else:
        view = req.services.ranking.rank(
            req.actor,
            req.channel_id,
            RankRequest(measure=request.measure, top=charts.MAX_BARS, category=None),
        )
        png, title, alt = ranking_png(view)
        shown = shown_words(len(view.rows), view.total)
        more = (
            f" The whole ranking: `/portfolio rank {view.measure}`."
            if len(view.rows) < view.total
            else ""
        )
    try:
        req.client.files_upload_v2(
            channel=req.channel_id,
            file=png,
            filename=f"{request.kind}-chart.png",
            title=title,
            alt_txt=alt,
            initial_comment=f"{title} ({shown})",
        )
    except SlackApiError as error:
        return Reply(cant_post(error, "post the chart here"))
    return Reply(
        text_message(f":bar_chart: Posted *{escape(title)}* to this channel ({shown}).{more}")
    )


def shown_words(shown: int, total: int) -> str:
    """`12 products`, or `the top 25 of 310 products` when a chart shows only some."""
    noun = f"product{'s' if total != 1 else ''}"
    return f"{total:,} {noun}" if shown >= total else f"the top {shown:,} of {total:,} {noun}"


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
        f"Bubble chart of {len(points):,} products of {data.portfolio}: confidence across, ROI "
        "up, bubble area by investment, colour by category."
    )
    return charts.bubble_chart(points, title=title, currency=data.currency), title, alt


def ranking_png(view: RankingView) -> tuple[bytes, str, str]:
    """The ranking as a bar chart (PNG bytes), with its title and alt text."""
    label = MEASURE_LABELS[view.measure]
    title = f"{label[:1].upper()}{label[1:]} ranking · {view.portfolio}"
    if len(view.rows) < view.total:
        title += f" · top {len(view.rows):,} of {view.total:,}"
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
