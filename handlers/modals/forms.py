"""Folio's forms as views: values in, a modal out (the words and limits of the commands)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from domain.commands.common import CATEGORY_MAX, NAME_MAX, TEXT_MAX, TITLE_MAX
from domain.commands.portfolio import ADD_USAGE
from domain.commands.roadmap import ROADMAP_ADD_USAGE
from domain.money import plain_decimal
from domain.services.choices import Choice, Choices, PortfolioChoice
from domain.views import ProductCard, ProposalView
from domain.vocabulary import HEALTHS, STAGES, STATUSES
from handlers.blocks import context, section
from handlers.governance import change_words
from handlers.modals import elements as el
from handlers.modals.ids import ADD_ITEM, ADD_PRODUCT, EDIT_PRODUCT, POST_UPDATE, REJECT
from handlers.render import escape, mention

PICKER_STATIC = 100  # more choices than this: an external_select answered as the person types


def _words(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


def add_product(portfolio: PortfolioChoice, metadata: str) -> dict[str, Any]:
    """`/portfolio add` as a form."""
    intro = (
        f"Adds a product to *{escape(portfolio.name)}* ({escape(portfolio.currency)}), as "
        f"`{escape(ADD_USAGE)}` does."
    )
    blocks = [
        section(intro),
        el.text_input(
            "key",
            "Key",
            optional=False,
            placeholder="CHK",
            max_length=10,
            hint="2–10 upper-case letters and digits, starting with a letter; unique here.",
        ),
        el.text_input("name", "Name", optional=False, placeholder="Checkout", max_length=NAME_MAX),
        el.users_select("owner", "Owner"),
        *_money_inputs(portfolio.currency, {}),
        el.text_input("category", "Category", placeholder="Growth", max_length=CATEGORY_MAX),
        el.select("stage", "Lifecycle stage", _words(STAGES), placeholder="ideation"),
        el.select("health", "Health", _words(HEALTHS), placeholder="on track"),
        el.text_input("objective", "Objectives", placeholder="GROW", hint="Objective keys."),
    ]
    return el.modal(ADD_PRODUCT, "Add a product", blocks, metadata=metadata, submit="Add product")


def _money_inputs(currency: str, initial: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        el.text_input(
            "investment",
            "Investment",
            initial=initial.get("investment"),
            placeholder="120k",
            hint=f"In {currency}: 120k, 1.5m, 120,000.",
        ),
        el.text_input(
            "return", "Expected return", initial=initial.get("return"), placeholder="400k"
        ),
        el.text_input(
            "confidence",
            "Confidence",
            initial=initial.get("confidence"),
            placeholder="70%",
            hint="The probability of success, 0–100 %.",
        ),
    ]


def add_item(products: Choices, metadata: str, *, initial: str | None = None) -> dict[str, Any]:
    """`/roadmap add` as a form."""
    intro = (
        f"Adds an item to a product's roadmap, numbered KEY-N, as `{escape(ROADMAP_ADD_USAGE)}`."
    )
    if initial is None and len(products.choices) == 1:
        initial = products.choices[0].value  # the one product this person may change
    blocks = [
        section(intro),
        picker("product", "Product", products, initial=initial),
        el.text_input(
            "title", "Title", optional=False, placeholder="Checkout v2", max_length=TITLE_MAX
        ),
        el.text_input(
            "target", "Target", placeholder="2027-Q1", hint="A date (2027-03-31) or a quarter."
        ),
        el.text_input("why", "Why", placeholder="faster payments", max_length=TEXT_MAX),
        el.text_input("objective", "Objective", placeholder="GROW"),
    ]
    return el.modal(ADD_ITEM, "Add a roadmap item", blocks, metadata=metadata, submit="Add item")


def post_update(
    choices: Choices,
    metadata: str,
    *,
    values: Mapping[str, str] | None = None,
    problem: str | None = None,
) -> dict[str, Any]:
    """Post update: a product or item, and its status, progress, health, blocker, note, metrics."""
    given = dict(values or {})
    blocks: list[dict[str, Any]] = [
        context(
            "Records a dated update, as the chat message `CHK-3: testing, 80%` would. "
            "Leave out what didn't change."
        )
    ]
    if problem:
        blocks.append(
            section(f":warning: I couldn't read the message as an update: {escape(problem)}")
        )
    blocks += [
        picker("about", "Product or roadmap item", choices, initial=given.get("about")),
        el.select("status", "Status (items)", _words(STATUSES), initial=given.get("status")),
        el.text_input(
            "progress", "Progress (items)", initial=given.get("progress"), placeholder="80%"
        ),
        el.select("health", "Health (products)", _words(HEALTHS), initial=given.get("health")),
        el.text_input(
            "blocker",
            "Blocker (items)",
            initial=given.get("blocker"),
            placeholder="the payments vendor",
            hint="`none` clears it.",
            max_length=TEXT_MAX,
        ),
        el.text_input(
            "note",
            "Note",
            initial=given.get("note"),
            placeholder="waiting on the vendor",
            max_length=TEXT_MAX,
        ),
        el.text_input(
            "metrics",
            "Metrics (products)",
            initial=given.get("metrics"),
            placeholder="revenue 120k, csat 4.4",
        ),
    ]
    return el.modal(POST_UPDATE, "Post an update", blocks, metadata=metadata, submit="Post update")


def picker(
    field: str, label: str, choices: Choices, *, initial: str | None = None
) -> dict[str, Any]:
    """A product (or item) picker: grouped options up to 100, else searched as one types."""
    chosen = next((c for c in choices.choices if c.value == initial), None)
    with_items = any(c.is_item for c in choices.choices)
    if choices.total > PICKER_STATIC:
        start = (chosen.value, choice_label(chosen, with_items=with_items)) if chosen else None
        return el.external_select(
            field, label, initial=start, placeholder="Type a key or a name", optional=False
        )
    groups: dict[str, list[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    for choice in choices.choices:
        names[choice.product_key] = f"{choice.product_key} · {choice.product_name}"
        shown = choice_label(choice, with_items=with_items)
        groups.setdefault(choice.product_key, []).append((choice.value, shown))
    return el.grouped_select(
        field,
        label,
        [(names[key], entries) for key, entries in groups.items()],
        initial=initial,
        placeholder="Pick one",
    )


def choice_label(choice: Choice, *, with_items: bool = True) -> str:
    """`CHK-3 · One-page checkout`; `CHK · Checkout (the product)` among items."""
    if choice.is_item or not with_items:
        return f"{choice.value} · {choice.title}"
    return f"{choice.value} · {choice.title} (the product)"


def product_values(card: ProductCard) -> dict[str, str]:
    """A product's fields as the Edit form shows them (and reads them back)."""

    def amount(value: Decimal) -> str:
        return plain_decimal(value)

    values = {
        "name": card.name,
        "investment": amount(card.investment),
        "return": amount(card.expected_return),
        "confidence": f"{plain_decimal(card.confidence * 100)}%",
        "category": card.category,
        "stage": card.stage,
        "health": card.health,
        "cashflows": ", ".join(amount(c) for c in card.cashflows),
        "objective": " ".join(card.objectives),
    }
    if card.owner_id:
        values["owner"] = f"<@{card.owner_id}>"
    return {k: v for k, v in values.items() if v}


def edit_product(card: ProductCard, metadata: str, *, manager: bool) -> dict[str, Any]:
    """`/portfolio set KEY | …` as a form, filled in with the product as it is."""
    values = product_values(card)
    key = escape(card.key)
    intro = f"Changes *{key}* {escape(card.name)}, as `/portfolio set {key} | …` does."
    if not manager:
        intro += (
            " Investment, return, confidence, cash flows, objectives and category are portfolio "
            "decisions: changing them proposes the change to a portfolio manager."
        )
    blocks: list[dict[str, Any]] = [
        section(intro),
        el.text_input(
            "name", "Name", initial=values.get("name"), optional=False, max_length=NAME_MAX
        ),
    ]
    if manager:
        blocks.append(el.users_select("owner", "Owner", initial=card.owner_id))
    blocks += [
        *_money_inputs(card.currency, values),
        el.text_input(
            "category", "Category", initial=values.get("category"), max_length=CATEGORY_MAX
        ),
        el.select("stage", "Lifecycle stage", _words(STAGES), initial=card.stage, optional=False),
        el.select("health", "Health", _words(HEALTHS), initial=card.health, optional=False),
        el.text_input(
            "cashflows",
            "Cash flows",
            initial=values.get("cashflows"),
            placeholder="-100k, 50k, 80k, 120k",
            hint="Yearly amounts, the investment first (negative).",
        ),
        el.text_input(
            "objective", "Objectives", initial=values.get("objective"), placeholder="GROW"
        ),
        el.text_input(
            "why", "Why", placeholder="the pilot converted half as well", max_length=TEXT_MAX
        ),
    ]
    title = f"Edit {card.key}"
    return el.modal(EDIT_PRODUCT, title, blocks, metadata=metadata, submit="Save")


def reject(proposal: ProposalView, metadata: str) -> dict[str, Any]:
    """Reject a proposal, saying why (the author is told)."""
    text = (
        f"Reject the proposal for *{escape(proposal.product_key)}* "
        f"{escape(proposal.product_name)}: {change_words(proposal)}, by "
        f"{mention(proposal.author_id)}? Nothing changes on the product; the author gets a DM."
    )
    blocks = [
        section(text),
        el.text_input(
            "why", "Why", placeholder="the pilot is too small to tell", max_length=TEXT_MAX
        ),
    ]
    return el.modal(REJECT, "Reject a proposal", blocks, metadata=metadata, submit="Reject")
