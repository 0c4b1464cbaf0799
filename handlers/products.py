"""/portfolio add, set, show, list and remove: products, their cards and what changed."""

from __future__ import annotations

from collections.abc import Sequence

from domain.commands import portfolio as parse
from domain.commands.governance import SHOW_USAGE, parse_show
from domain.errors import InvalidInput
from domain.grammar import FIELD_EXAMPLES, check_fields
from domain.views import ProductCard, ProductChange, ProductList
from domain.vocabulary import FUNDING_INPUT_FIELDS, FUNDING_INPUTS, HEALTHS, STAGES
from handlers.announcements import announcement_buttons, refresh_announcements
from handlers.blocks import Message, build, section
from handlers.buttons import card_actions, with_actions
from handlers.commands import HELP, CommandSet, Reply, Request
from handlers.formats import format_money, format_ratio
from handlers.governance import announce, change_words, history_message, proposed_text
from handlers.render import escape, render, render_lines
from handlers.replies import text_message
from handlers.values import value_words

LIST_USAGE = "/portfolio list"
REMOVE_USAGE = "/portfolio remove CHK"
RESTORE_USAGE = "/portfolio restore CHK"


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio add, set, show, list and remove."""
    fields = tuple(f for f in parse.PRODUCT_FIELDS if f != "name")
    inputs = tuple(FUNDING_INPUT_FIELDS[name] for name in FUNDING_INPUTS)
    kinds = (("stages", STAGES), ("healths", HEALTHS))
    portfolio.add(
        "add",
        parse.ADD_USAGE,
        add_product,
        examples=(
            "/portfolio add CHK Checkout | owner @alice | investment 120k | return 400k "
            "| confidence 70%",
            "/portfolio add MOB Mobile app | category Growth | stage research",
        ),
        words=(("fields", fields), *kinds),
    )
    portfolio.add(
        "set",
        parse.SET_USAGE,
        set_product,
        examples=(
            "/portfolio set CHK | health at risk | stage testing",
            "/portfolio set CHK | confidence 60% | why the pilot converted half as well",
            "/portfolio set CHK | cashflows -100k, 50k, 80k, 120k",
        ),
        words=(("fields", (*parse.PRODUCT_FIELDS, "why")), ("proposed by owners", inputs), *kinds),
    )
    portfolio.add(
        "show",
        SHOW_USAGE,
        show_product,
        examples=("/portfolio show CHK", "/portfolio show CHK | history"),
    )
    portfolio.add("list", LIST_USAGE, list_products, examples=(LIST_USAGE,))
    portfolio.add("remove", REMOVE_USAGE, remove_product, examples=("/portfolio remove LEG",))
    portfolio.add("restore", RESTORE_USAGE, restore_product, examples=("/portfolio restore LEG",))


def add_product(req: Request) -> Reply:
    """Add a product with a KEY (2–10 upper-case letters and digits) and a name."""
    request = parse.parse_add(req.cmd)
    req.commands.refuse_reserved(request.key, "a product key")
    if (request.fields.name or "").lower() == HELP:
        req.commands.refuse_reserved(request.fields.name, "a product name")
    change = req.services.products.add_product(
        req.actor, req.channel_id, request.key, request.fields
    )
    given = request.fields
    defaulted = [
        name
        for name, value in (
            ("investment", given.investment),
            ("expected return", given.expected_return),
            ("confidence", given.confidence),
        )
        if value is None
    ]
    return Reply(product_change(change, defaulted=defaulted), in_channel=True)


def set_product(req: Request) -> Reply:
    """Change fields: name, owner, investment, return, confidence, category, stage, health …

    A product's owner changes its name, stage and health directly. Investment, return,
    confidence, cash flows, objectives and category decide rankings and funding: a portfolio
    manager's change applies at once; an owner's becomes a proposal that a portfolio manager
    accepts or rejects (`/portfolio proposals`), with `| why …` to say why. Only portfolio
    managers change a product's owner.
    """
    key, fields = parse.parse_set(req.cmd)
    change = req.services.products.set_product(req.actor, key, fields)
    proposed = change.proposed
    if proposed is None:
        return Reply(product_change(change), in_channel=bool(change.changed))
    buttons, posted = announcement_buttons(
        req.services, req.actor.team_id, change.card.key, proposed
    )
    told = announce(req.client, proposed, req.actor.user_id, buttons=buttons, posted=posted)
    if proposed.superseded or proposed.replaced or proposed.withdrawn:
        refresh_announcements(req.client, req.services, req.actor.team_id, change.card.key)
    deciders = (*proposed.managers, *proposed.channels)
    unheard = bool(proposed.proposals) and not any(who in told for who in deciders)
    return Reply(set_answer(change, told), in_channel=bool(change.changed) or unheard)


def show_product(req: Request) -> Reply:
    """A product card: owner, money, ROI, metrics, open items and the latest updates.

    `| history` lists every change to its funding inputs instead: who, when, old → new,
    and whether it was set directly or an accepted proposal.
    """
    request = parse_show(req.cmd)
    if request.history:
        person = req.directory.person(req.client, req.actor.team_id, req.actor.user_id)
        view = req.services.proposals.history(req.actor, request.key)
        return Reply(history_message(view, person.tz or "UTC"))
    return Reply(product_card(req.services.products.show(req.actor, request.key)))


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


def restore_product(req: Request) -> Reply:
    """Bring back an archived product, with its roadmap, metrics and history."""
    key = parse.parse_single_key(req.cmd, RESTORE_USAGE)
    card = req.services.products.restore(req.actor, key)
    message = text_message(
        f":leftwards_arrow_with_hook: Restored *{escape(card.key)}* {escape(card.name)} to "
        f"{escape(card.portfolio)}: it is ranked, funded and takes updates again."
    )
    brief = product_card(card, brief=True)
    return Reply(Message(text=message.text, blocks=message.blocks + brief.blocks), in_channel=True)


def product_card(card: ProductCard, *, brief: bool = False) -> Message:
    """A product card (brief: the header, summary, pending proposals and money only)."""
    title = f"{card.key} · {card.name}"
    fields = render("products/card_fields.mrkdwn.j2", card=card).split("\n---\n")
    details = render("products/card_details.mrkdwn.j2", card=card)
    body_parts = [p for p in details.split("\n\n") if p.strip()]
    message = build(
        fallback=escape(f"{card.key} {card.name}: {card.health}, ROI {format_ratio(card.roi)}"),
        title=title,
        body=[render("products/card_summary.mrkdwn.j2", card=card), pending_text(card)],
        fields=[f.strip() for f in fields],
        after=() if brief else body_parts,
        footer=None
        if brief
        else escape(f"Portfolio {card.portfolio} · ") + f"`/roadmap {card.key}` for the roadmap",
    )
    return message if brief or card.archived else with_actions(message, card_actions(card.key))


def pending_text(card: ProductCard) -> str:
    """The card's pending proposals (value now → proposed), or nothing."""
    return render(
        "products/card_pending.mrkdwn.j2",
        key=card.key,
        pending=[(p, change_words(p)) for p in card.pending],
    )


def set_answer(change: ProductChange, told: Sequence[str]) -> Message:
    """The answer to a `set` that proposed (or closed proposals): what changed, what waits."""
    assert change.proposed is not None
    words = proposed_text(change.proposed, change.card.key, told)
    if not change.changed:
        made = ", ".join(change_words(p, bold=False) for p in change.proposed.proposals)
        fallback = f"{change.card.key}: proposed {made}" if made else f"{change.card.key}"
        return build(fallback=escape(fallback), body=[words])
    message = product_change(change)
    return Message(
        text=message.text, blocks=[*message.blocks[:1], section(words), *message.blocks[1:]]
    )


def product_change(change: ProductChange, *, defaulted: Sequence[str] = ()) -> Message:
    """What add/set did, then the card as it is now: owner, health, category, stage, money.

    defaulted: fields an `add` left out and Folio filled in (confidence 50 % …), said aloud.
    """
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
    defaults = tuple(
        (name, value_words(name, getattr(change.card, DEFAULT_FIELDS[name]), currency))
        for name in defaulted
    )
    text = render(
        "products/change.mrkdwn.j2",
        change=change,
        lines=lines,
        defaults=defaults,
        field_names=FUNDING_INPUT_FIELDS,
        examples=FIELD_EXAMPLES,
    )
    card = product_card(change.card, brief=True)
    summary = build(fallback=escape(f"{change.card.key} updated"), body=[text])
    return Message(text=summary.text, blocks=summary.blocks + card.blocks)


# What `add` fills in when a field is left out, as the card's attribute holding it.
DEFAULT_FIELDS = {
    "confidence": "confidence",
    "investment": "investment",
    "expected return": "expected_return",
}


def product_list(view: ProductList) -> Message:
    """The portfolio's products by key."""
    count = len(view.products) if view.count is None else view.count
    title = f"{view.portfolio}: {count:,} product{'s' if count != 1 else ''}"
    if not view.products:
        return build(
            fallback=escape(title),
            title=title,
            body=[
                "No products yet. Add one with `/portfolio add CHK Checkout | owner @alice | "
                "investment 120k | return 400k | confidence 70%`."
            ],
        )
    lines = render_lines("products/list_lines.mrkdwn.j2", view.products, currency=view.currency)
    footer = escape(
        f"Invested {format_money(view.total_investment, view.currency)} · "
        f"expected return {format_money(view.total_return, view.currency)}"
    )
    return build(
        fallback=escape(title),
        title=title,
        lines=lines,
        more="more products",
        footer=footer,
        hidden=count - len(view.products),
    )


def removed_message(card: ProductCard) -> Message:
    """The answer to /portfolio remove."""
    return text_message(
        f":file_cabinet: Archived *{escape(card.key)}* {escape(card.name)}. Its history is "
        f"kept; `/portfolio show {escape(card.key)}` still shows it and "
        f"`/portfolio restore {escape(card.key)}` brings it back."
    )
