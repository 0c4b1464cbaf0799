"""/portfolio add, set, show, list and remove: products, their cards and what changed."""

from __future__ import annotations

from decimal import Decimal

from domain.commands import portfolio as parse
from domain.errors import InvalidInput
from domain.grammar import check_fields
from domain.views import FieldValue, ProductCard, ProductChange, ProductList
from handlers.blocks import Message, build
from handlers.commands import CommandSet, Reply, Request
from handlers.formats import format_money, format_percent, format_ratio
from handlers.render import escape, render
from handlers.replies import text_message

SHOW_USAGE = "/portfolio show CHK"
LIST_USAGE = "/portfolio list"
REMOVE_USAGE = "/portfolio remove CHK"
MONEY_FIELDS = frozenset({"investment", "expected return"})


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio add, set, show, list and remove."""
    portfolio.add("add", parse.ADD_USAGE, add_product)
    portfolio.add("set", parse.SET_USAGE, set_product)
    portfolio.add("show", SHOW_USAGE, show_product)
    portfolio.add("list", LIST_USAGE, list_products)
    portfolio.add("remove", REMOVE_USAGE, remove_product)


def add_product(req: Request) -> Reply:
    """Add a product with a KEY (2–10 upper-case letters and digits) and a name."""
    request = parse.parse_add(req.cmd)
    change = req.services.products.add_product(
        req.actor, req.channel_id, request.key, request.fields
    )
    return Reply(product_change(change), in_channel=True)


def set_product(req: Request) -> Reply:
    """Change fields: name, owner, investment, return, confidence, category, stage, health …"""
    key, fields = parse.parse_set(req.cmd)
    change = req.services.products.set_product(req.actor, key, fields)
    return Reply(product_change(change), in_channel=bool(change.changed))


def show_product(req: Request) -> Reply:
    """A product card: owner, money, ROI, metrics, open items and the latest updates."""
    key = parse.parse_single_key(req.cmd, SHOW_USAGE)
    return Reply(product_card(req.services.products.show(req.actor, key)))


def list_products(req: Request) -> Reply:
    """The products of this channel's portfolio."""
    check_fields(req.cmd, (), usage=LIST_USAGE)
    if req.cmd.head:
        raise InvalidInput("`/portfolio list` takes nothing after it.")
    return Reply(product_list(req.services.products.list_products(req.actor, req.channel_id)))


def remove_product(req: Request) -> Reply:
    """Archive a product (its history is kept)."""
    key = parse.parse_single_key(req.cmd, REMOVE_USAGE)
    return Reply(removed_message(req.services.products.remove(req.actor, key)), in_channel=True)


def product_card(card: ProductCard) -> Message:
    """A product card."""
    title = f"{card.key} · {card.name}"
    fields = render("products/card_fields.mrkdwn.j2", card=card).split("\n---\n")
    details = render("products/card_details.mrkdwn.j2", card=card)
    body_parts = [p for p in details.split("\n\n") if p.strip()]
    return build(
        fallback=escape(f"{card.key} {card.name}: {card.health}, ROI {format_ratio(card.roi)}"),
        title=title,
        body=[render("products/card_summary.mrkdwn.j2", card=card)],
        fields=[f.strip() for f in fields],
        after=body_parts,
        footer=escape(f"Portfolio {card.portfolio} · ") + f"`/roadmap {card.key}` for the roadmap",
    )


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
    text = render("products/change.mrkdwn.j2", change=change, lines=lines)
    card = product_card(change.card)
    summary = build(fallback=escape(f"{change.card.key} updated"), body=[text])
    return Message(text=summary.text, blocks=summary.blocks + card.blocks[:1] + card.blocks[2:4])


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
        render("products/list_line.mrkdwn.j2", p=p, currency=view.currency) for p in view.products
    ]
    footer = escape(
        f"Invested {format_money(view.total_investment, view.currency)} · "
        f"expected return {format_money(view.total_return, view.currency)}"
    )
    return build(
        fallback=escape(title), title=title, lines=lines, more="more products", footer=footer
    )


def removed_message(card: ProductCard) -> Message:
    """The answer to /portfolio remove."""
    return text_message(
        f":file_cabinet: Archived *{escape(card.key)}* {escape(card.name)}. Its history is "
        f"kept; `/portfolio show {escape(card.key)}` still shows it."
    )
