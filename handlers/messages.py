"""Results to messages: each use case's result rendered by its template into Block Kit."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from domain.errors import FolioError, PermissionDenied
from domain.views import (
    FieldValue,
    Grant,
    ItemChange,
    PortfolioView,
    ProductCard,
    ProductChange,
    ProductList,
    RankingView,
    RoadmapView,
)
from domain.vocabulary import MEASURE_LABELS
from handlers.blocks import Message, build, error
from handlers.formats import format_count, format_money, format_percent, format_ratio
from handlers.render import escape, mention, render


def problem_text(message: str, who: Sequence[str] = ()) -> str:
    """An error as mrkdwn: what was wrong, how to write it right, who can."""
    return render("common/error.mrkdwn.j2", message=message, who=tuple(who))


def problem(exc: FolioError) -> Message:
    """An error for the person who made it."""
    who = exc.who if isinstance(exc, PermissionDenied) else ()
    return error(problem_text(exc.message, who))


def text_message(text: str) -> Message:
    """A single section of already-rendered mrkdwn."""
    return build(fallback=text, body=[text])


def measure_value(view: RankingView, value: Decimal | None) -> str:
    """A ranking value as shown: percentages for ROI, money for NPV, a number for score."""
    return format_measure(view.measure, view.currency, value)


def format_measure(measure: str, currency: str, value: Decimal | None) -> str:
    """A measure's value: percentages for ROI, money for NPV, a number for score; n/a if none."""
    if value is None:
        return "n/a"
    if measure in ("roi", "risk"):
        return format_ratio(value)
    if measure == "npv":
        return format_money(value, currency)
    return f"{value:.2f}"


def ranking(view: RankingView) -> Message:
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
    for row in view.rows:
        line = render(
            "portfolio/rank_line.mrkdwn.j2",
            row=row,
            currency=view.currency,
            value=measure_value(view, row.value),
        )
        if row.parts:
            parts = " + ".join(
                f"{name} {format_percent(weight)}×{contribution / weight if weight else 0:.2f}"
                for name, weight, contribution in row.parts
            )
            line += f"\n      _{escape(parts)}_"
        lines.append(line)
    hidden = min(view.top or view.total, view.total) - len(view.rows)
    if hidden > 0:
        lines.append(
            f"_… and {format_count(hidden)} more products: ask for `top N` or a `category`._"
        )
    first = view.rows[0]
    fallback = (
        f"{label} ranking of {view.portfolio}: 1. {first.key} ({measure_value(view, first.value)})"
    )
    return build(
        fallback=escape(fallback),
        title=title,
        body=[render("portfolio/rank_intro.mrkdwn.j2", view=view, measure_label=label)],
        lines=lines,
        more="more products",
        footer=render("portfolio/rank_footer.mrkdwn.j2", view=view),
    )


def card(card: ProductCard) -> Message:
    """A product card."""
    title = f"{card.key} · {card.name}"
    fields = render("portfolio/card_fields.mrkdwn.j2", card=card).split("\n---\n")
    details = render("portfolio/card_details.mrkdwn.j2", card=card)
    body_parts = [p for p in details.split("\n\n") if p.strip()]
    return build(
        fallback=escape(f"{card.key} {card.name}: {card.health}, ROI {format_ratio(card.roi)}"),
        title=title,
        body=[render("portfolio/card_summary.mrkdwn.j2", card=card)],
        fields=[f.strip() for f in fields],
        after=body_parts,
        footer=escape(f"Portfolio {card.portfolio} · ") + f"`/roadmap {card.key}` for the roadmap",
    )


MONEY_FIELDS = frozenset({"investment", "expected return"})


def value_words(field: str, value: FieldValue, currency: str) -> str:
    """One side of a field change, worded: money with the currency, confidence as a percent."""
    if value is None or value == ():
        return "none"
    if field in MONEY_FIELDS and isinstance(value, Decimal):
        return format_money(value, currency)
    if field == "confidence" and isinstance(value, Decimal):
        return format_percent(value)
    if field == "cash flows" and isinstance(value, tuple):
        return ", ".join(format_money(Decimal(v), currency) for v in value)
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def product_change(change: ProductChange) -> Message:
    """What add/set did, followed by the card's summary."""
    currency = change.card.currency
    lines = tuple(
        (c.field, c.before, c.after)
        if c.field == "owner"
        else (
            c.field,
            value_words(c.field, c.before, currency),
            value_words(c.field, c.after, currency),
        )
        for c in change.changed
    )
    text = render("portfolio/product_change.mrkdwn.j2", change=change, lines=lines)
    message = card(change.card)
    summary = build(fallback=escape(f"{change.card.key} updated"), body=[text])
    return Message(
        text=summary.text, blocks=summary.blocks + message.blocks[:1] + message.blocks[2:4]
    )


def product_list(view: ProductList) -> Message:
    """The portfolio's products by key."""
    title = (
        f"{view.portfolio}: {len(view.products)} product{'s' if len(view.products) != 1 else ''}"
    )
    if not view.products:
        return build(
            fallback=escape(title),
            title=title,
            body=[
                "No products yet. Add one with `/portfolio add CHK Checkout | owner @alice | "
                "investment 120k | return 400k | confidence 70%`."
            ],
        )
    lines = [
        render("portfolio/list_line.mrkdwn.j2", p=p, currency=view.currency) for p in view.products
    ]
    footer = escape(
        f"Invested {format_money(view.total_investment, view.currency)} · "
        f"expected return {format_money(view.total_return, view.currency)}"
    )
    return build(
        fallback=escape(title), title=title, lines=lines, more="more products", footer=footer
    )


def setup(view: PortfolioView) -> Message:
    """The answer to /portfolio setup."""
    return text_message(render("portfolio/setup.mrkdwn.j2", view=view))


def roadmap(view: RoadmapView) -> Message:
    """A product's roadmap, one line per item."""
    title = f"Roadmap · {view.key} {view.name}"
    lines = [render("roadmap/item_due.mrkdwn.j2", item=i, today=view.today) for i in view.items]
    return build(
        fallback=escape(title),
        title=title,
        body=[render("roadmap/roadmap.mrkdwn.j2", view=view)],
        lines=lines,
        more="more items",
        footer=f"Update in chat: `{escape(view.key)}-1: testing 60%` · or "
        f"`/roadmap update {escape(view.key)}-1 testing 60%`",
    )


def item_value_words(field: str, value: FieldValue) -> str:
    """One side of an item change, worded: `80%` progress, `2,000` reach, `none`."""
    if value is None:
        return "none"
    if field == "progress" and isinstance(value, Decimal):
        return f"{value:f}%"
    if field == "confidence" and isinstance(value, Decimal):
        return format_percent(value)
    if isinstance(value, Decimal):
        return format_count(value)
    return str(value)


def item_change(change: ItemChange) -> Message:
    """What /roadmap add or update did."""
    lines = tuple(
        (c.field, item_value_words(c.field, c.before), item_value_words(c.field, c.after))
        for c in change.changed
    )
    return text_message(render("roadmap/item_change.mrkdwn.j2", change=change, lines=lines))


def grant(result: Grant) -> Message:
    """The answer to /portfolio grant."""
    who = mention(result.user_id)
    if result.role == "none":
        text = (
            f"{who} wasn't a portfolio manager."
            if result.already
            else f"{who} is no longer a portfolio manager."
        )
    elif result.already:
        text = f"{who} is already a {result.role}."
    else:
        text = f":white_check_mark: {who} is now a {result.role}."
    return text_message(text)


def removed(card_: ProductCard) -> Message:
    """The answer to /portfolio remove."""
    return text_message(
        f":file_cabinet: Archived *{escape(card_.key)}* {escape(card_.name)}. Its history is "
        f"kept; `/portfolio show {escape(card_.key)}` still shows it."
    )


def linked(view: PortfolioView) -> Message:
    """The answer to /portfolio use."""
    return text_message(
        f":link: This channel now uses portfolio *{escape(view.name)}* "
        f"({view.product_count} products). Commands here act on it."
    )


def help_message(command: str, entries: Sequence[tuple[str, str]], intro: str) -> Message:
    """Help: each subcommand with one example."""
    lines = [f"`{escape(usage)}`\n      {escape(text)}" for usage, text in entries]
    return build(
        fallback=escape(f"{command} help"),
        title=f"{command} help",
        body=[escape(intro)],
        lines=lines,
        more="more commands",
    )
