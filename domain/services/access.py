"""Who may do what, and finding rows by what people type: the checks every use case starts with."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.errors import InvalidInput, NotFound, NotSetUp, PermissionDenied
from domain.grammar import did_you_mean
from domain.models import (
    ChannelLink,
    Objective,
    Portfolio,
    Product,
    RoadmapItem,
    RoleGrant,
    Workspace,
)
from domain.store import Tenant
from domain.views import Actor, ItemView
from domain.vocabulary import PORTFOLIO_MANAGER


def ensure_workspace(tenant: Tenant) -> Workspace:
    """The workspace row, created on first contact."""
    workspace = tenant.get(Workspace, tenant.team_id)
    if workspace is None:
        workspace = Workspace(team_id=tenant.team_id)
        tenant.add(workspace)
        tenant.flush()
    return workspace


def managers(tenant: Tenant) -> tuple[str, ...]:
    """User ids granted the portfolio-manager role in this workspace."""
    stmt = tenant.select(RoleGrant).where(RoleGrant.role == PORTFOLIO_MANAGER)
    return tuple(sorted(g.user_id for g in tenant.all(stmt)))


def is_manager(tenant: Tenant, actor: Actor) -> bool:
    """Workspace admins and owners, and granted users, are portfolio managers."""
    if actor.is_admin:
        return True
    stmt = tenant.select(RoleGrant).where(
        RoleGrant.user_id == actor.user_id, RoleGrant.role == PORTFOLIO_MANAGER
    )
    return tenant.first(stmt) is not None


def require_manager(tenant: Tenant, actor: Actor, doing: str, *, note: str = "") -> None:
    """Refuse unless the actor is a portfolio manager; the refusal says who can (and `note`)."""
    if not is_manager(tenant, actor):
        raise PermissionDenied(
            f"Only portfolio managers can {doing}: workspace admins and owners, and people "
            "they grant the role with `/portfolio grant @someone portfolio manager`."
            + (f" {note}" if note else ""),
            who=managers(tenant),
        )


def require_product_editor(tenant: Tenant, actor: Actor, product: Product) -> None:
    """Refuse unless the actor owns the product or is a portfolio manager."""
    if product.owner_id == actor.user_id or is_manager(tenant, actor):
        return
    who = tuple(dict.fromkeys(((product.owner_id,) if product.owner_id else ()) + managers(tenant)))
    owner_words = "its owner or a portfolio manager" if product.owner_id else "a portfolio manager"
    raise PermissionDenied(f"Only {owner_words} can change {product.key}.", who=who)


def portfolio_for(tenant: Tenant, channel_id: str | None) -> Portfolio:
    """The channel's linked portfolio, else the workspace default."""
    if channel_id:
        link = tenant.first(tenant.select(ChannelLink).where(ChannelLink.channel_id == channel_id))
        if link is not None:
            portfolio = tenant.get(Portfolio, link.portfolio_id)
            if portfolio is not None:
                return portfolio
    portfolio = tenant.first(
        tenant.select(Portfolio).order_by(Portfolio.is_default.desc(), Portfolio.id)
    )
    if portfolio is None:
        raise NotSetUp(
            "Folio isn't set up in this workspace yet. Start with `/portfolio setup` "
            "(for example `/portfolio setup Products | currency USD | budget 2m`)."
        )
    return portfolio


def portfolio_named(tenant: Tenant, name: str) -> Portfolio:
    """A portfolio of this workspace by name (case-insensitive), with a suggestion if absent."""
    rows = tenant.all(tenant.select(Portfolio))
    for row in rows:
        if row.name.lower() == name.lower():
            return row
    names = [r.name for r in rows]
    hint = did_you_mean(name, names)
    known = ", ".join(f"`{n}`" for n in names) or "none yet"
    suggestion = f" Did you mean `{hint}`?" if hint else ""
    raise NotFound(f"There is no portfolio called `{name}`.{suggestion} Portfolios: {known}.")


def product_by_key(tenant: Tenant, key: str, *, include_archived: bool = False) -> Product:
    """A product of this workspace by key, with a did-you-mean when the key is close to one."""
    stmt = tenant.select(Product).where(Product.key == key)
    product = tenant.first(stmt)
    if product is not None and (include_archived or product.archived_at is None):
        return product
    if product is not None:
        raise NotFound(
            f"{key} was removed (archived); its history is kept. A portfolio manager can bring "
            f"it back with `/portfolio restore {key}`."
        )
    keys = tenant.scalars(select(Product.key).where(Product.archived_at.is_(None)))
    hint = did_you_mean(key, keys)
    suggestion = f" Did you mean `{hint}`?" if hint else " `/portfolio list` shows the products."
    raise NotFound(f"There is no product `{key}` in this workspace.{suggestion}")


def item_by_ref(tenant: Tenant, product: Product, number: int) -> RoadmapItem:
    """A roadmap item of a product by its number."""
    item = tenant.first(
        tenant.select(RoadmapItem).where(
            RoadmapItem.product_id == product.id, RoadmapItem.number == number
        )
    )
    if item is None:
        last = tenant.scalar(
            select(func.max(RoadmapItem.number)).where(RoadmapItem.product_id == product.id)
        )
        if last:
            known = f"{product.key} has items {product.key}-1 to {product.key}-{last}."
        else:
            known = f"{product.key} has no roadmap items yet."
        raise NotFound(
            f"There is no item {product.key}-{number}. {known} "
            f"`/roadmap {product.key}` lists them; `/roadmap add {product.key} Title` adds one."
        )
    return item


def objective_by_key(tenant: Tenant, key: str) -> Objective:
    """An objective of this workspace by key."""
    objective = tenant.first(tenant.select(Objective).where(Objective.key == key))
    if objective is None:
        keys = tenant.scalars(select(Objective.key))
        hint = did_you_mean(key, keys)
        suggestion = f" Did you mean `{hint}`?" if hint else ""
        raise NotFound(
            f"There is no objective `{key}`.{suggestion} Add it with "
            f"`/portfolio objective add {key} Title | weight 1`."
        )
    return objective


def item_view(product_key: str, item: RoadmapItem, objective_key: str | None = None) -> ItemView:
    """A roadmap item as plain values."""
    return ItemView(
        ref=f"{product_key}-{item.number}",
        title=item.title,
        status=item.status,
        progress=item.progress,
        target_label=item.target_label,
        target_due=item.target_due,
        blocker=item.blocker,
        why=item.why,
        objective=objective_key,
    )


def check_currency(portfolio: Portfolio, written: str | None, what: str) -> None:
    """Refuse an amount written in another currency than the portfolio's."""
    if written is not None and written != portfolio.currency:
        raise InvalidInput(
            f"{portfolio.name} counts in {portfolio.currency}, but {what} was written in "
            f"{written}. Write it in {portfolio.currency} (or without a currency sign)."
        )
