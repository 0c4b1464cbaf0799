"""What a form offers a person: the products and items they may update, and what a form starts with.

Pickers list only what the person may change (a portfolio manager: every active product;
an owner: their own), in their workspace; a search (`query`) narrows them for pickers too
long to list at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select

from domain.models import Portfolio, Product, RoadmapItem
from domain.services.access import (
    is_manager,
    portfolio_for,
    product_by_key,
    require_manager,
    require_product_editor,
)
from domain.services.clock import Clock
from domain.services.proposals import pending_rows, proposal_view
from domain.store import Store, Tenant
from domain.views import Actor, ProposalView
from domain.vocabulary import OPEN_STATUSES

PICKER_LIMIT = 100  # Slack's most options in one select


@dataclass(frozen=True)
class Choice:
    """One pickable product (`CHK`) or roadmap item (`CHK-3`)."""

    value: str
    title: str  # the product's name or the item's title
    product_key: str
    product_name: str
    is_item: bool = False


@dataclass(frozen=True)
class Choices:
    """The choices that match, up to a limit, and how many match in all."""

    choices: tuple[Choice, ...]
    total: int


@dataclass(frozen=True)
class PortfolioChoice:
    """The portfolio a new product joins: its name and currency."""

    name: str
    currency: str


class ChoiceService:
    """The options and starting values of Folio's forms, checked as their commands are."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def targets(
        self, actor: Actor, query: str = "", *, items: bool = True, limit: int = PICKER_LIMIT
    ) -> Choices:
        """The products (and their open items) this person may post about, matching `query`."""
        with self.store.read(actor.team_id) as tenant:
            editable = _editable(tenant, actor)
            matching = (editable, _product_match(query))
            total = tenant.scalar(select(func.count(Product.id)).where(*matching)) or 0
            rows = tenant.all(select(Product).where(*matching).order_by(Product.key).limit(limit))
            choices = [Choice(p.key, p.name, p.key, p.name) for p in rows]
            if items:
                wanted = (editable, RoadmapItem.status.in_(OPEN_STATUSES), _item_match(query))
                joined = Product.id == RoadmapItem.product_id
                total += (
                    tenant.scalar(
                        select(func.count(RoadmapItem.id)).join(Product, joined).where(*wanted)
                    )
                    or 0
                )
                room = max(limit - len(choices), 0)
                found = select(RoadmapItem, Product).join(Product, joined).where(*wanted)
                for item, product in tenant.execute(
                    found.order_by(Product.key, RoadmapItem.number).limit(room)
                ).all():
                    choices.append(
                        Choice(
                            f"{product.key}-{item.number}",
                            item.title,
                            product.key,
                            product.name,
                            is_item=True,
                        )
                    )
            choices.sort(key=lambda c: (c.product_key, c.is_item, _number(c.value)))
            return Choices(tuple(choices), total)

    def new_product(self, actor: Actor, channel_id: str | None) -> PortfolioChoice:
        """The portfolio `/portfolio add` would add to here; refused unless a portfolio manager."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            require_manager(tenant, actor, "add products")
            return PortfolioChoice(portfolio.name, portfolio.currency)

    def editable(self, actor: Actor, key: str) -> PortfolioChoice:
        """The portfolio of a product this person may change; refused (saying who can) if not."""
        with self.store.read(actor.team_id) as tenant:
            product = product_by_key(tenant, key)
            require_product_editor(tenant, actor, product)
            portfolio = tenant.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            return PortfolioChoice(portfolio.name, portfolio.currency)

    def proposal(self, actor: Actor, key: str, field: str) -> ProposalView | None:
        """A product's pending proposal for one field, if there still is one."""
        with self.store.read(actor.team_id) as tenant:
            product = product_by_key(tenant, key)
            portfolio = tenant.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            rows = pending_rows(tenant, product, (field,))
            return proposal_view(tenant, product, portfolio, rows[0]) if rows else None

    def is_manager(self, actor: Actor) -> bool:
        """Whether this person is a portfolio manager of their workspace."""
        with self.store.read(actor.team_id) as tenant:
            return is_manager(tenant, actor)


def _editable(tenant: Tenant, actor: Actor) -> ColumnElement[bool]:
    """Active products; only the person's own unless they are a portfolio manager."""
    active = Product.archived_at.is_(None)
    return active if is_manager(tenant, actor) else active & (Product.owner_id == actor.user_id)


def _like(query: str) -> str:
    escaped = query.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _product_match(query: str) -> ColumnElement[bool]:
    pattern = _like(query)
    return or_(
        func.lower(Product.key).like(pattern, escape="\\"),
        func.lower(Product.name).like(pattern, escape="\\"),
    )


def _item_match(query: str) -> ColumnElement[bool]:
    if not query.strip():
        return Product.id.is_not(None)
    written = query.strip().upper()
    key, dash, number = written.rpartition("-")
    if dash and key and number.isdigit():
        return (Product.key == key) & (RoadmapItem.number == int(number))
    pattern = _like(query)
    return or_(
        func.lower(Product.key).like(pattern, escape="\\"),
        func.lower(RoadmapItem.title).like(pattern, escape="\\"),
    )


def _number(value: str) -> int:
    _, dash, number = value.rpartition("-")
    return int(number) if dash and number.isdigit() else 0
