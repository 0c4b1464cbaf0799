"""Portfolio use cases: setting up portfolios, linking channels, granting roles."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from domain.commands.portfolio import SetupRequest
from domain.errors import Conflict, InvalidInput
from domain.models import (
    ChannelLink,
    Portfolio,
    Product,
    RoleGrant,
)
from domain.services.access import (
    check_currency,
    ensure_workspace,
    managers,
    portfolio_for,
    portfolio_named,
    require_manager,
)
from domain.services.clock import Clock
from domain.store import Store, Tenant, retried
from domain.views import (
    Actor,
    Grant,
    PortfolioView,
)
from domain.vocabulary import PORTFOLIO_MANAGER


class PortfolioService:
    """What portfolio managers do with portfolios, channels and roles."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    @retried
    def setup(self, actor: Actor, request: SetupRequest) -> PortfolioView:
        """Create the workspace's first (or another) portfolio, or change an existing one."""
        with self.store.transaction(actor.team_id) as tenant:
            ensure_workspace(tenant)
            existing = tenant.all(tenant.select(Portfolio))
            became_manager = False
            if not existing and not managers(tenant) and not actor.is_admin:
                tenant.add(
                    RoleGrant(
                        user_id=actor.user_id,
                        role=PORTFOLIO_MANAGER,
                        granted_by=actor.user_id,
                        created_at=self.clock(),
                    )
                )
                tenant.flush()
                became_manager = True
            require_manager(tenant, actor, "set up portfolios")
            target = None
            if request.name is None and existing:
                target = portfolio_for(tenant, None)
            elif request.name is not None:
                target = next((p for p in existing if p.name.lower() == request.name.lower()), None)
            if target is None:
                portfolio = Portfolio(
                    name=request.name or "Portfolio",
                    currency=request.currency or "USD",
                    is_default=not existing,
                    created_at=self.clock(),
                    weights={},
                )
                self._apply_setup(portfolio, request)
                tenant.add(portfolio)
                tenant.flush()
                return self._portfolio_view(
                    tenant, portfolio, created=True, became_manager=became_manager
                )
            was = target.currency
            changed = self._apply_setup(target, request)
            if "currency" not in changed:
                return self._portfolio_view(tenant, target, changed=changed)
            return self._portfolio_view(
                tenant,
                target,
                changed=changed,
                currency_was=was,
                relabelled=self._holding_amounts(tenant, target),
            )

    @staticmethod
    def _holding_amounts(tenant: Tenant, portfolio: Portfolio) -> int:
        """Products of a portfolio with an investment, a return or cash flows (any amount)."""
        products = tenant.all(tenant.select(Product).where(Product.portfolio_id == portfolio.id))
        return sum(1 for p in products if p.investment or p.expected_return or p.cashflows)

    @staticmethod
    def _apply_setup(portfolio: Portfolio, request: SetupRequest) -> tuple[str, ...]:
        changed: list[str] = []
        if request.currency and request.currency != portfolio.currency:
            portfolio.currency = request.currency
            changed.append("currency")
        if request.budget is not None:
            check_currency(portfolio, request.budget[1], "the budget")
            portfolio.budget = request.budget[0]
            changed.append("budget")
        if request.discount is not None:
            portfolio.discount_rate = request.discount
            changed.append("discount rate")
        return tuple(changed)

    def _portfolio_view(
        self, tenant: Tenant, portfolio: Portfolio, **extra: object
    ) -> PortfolioView:
        count = (
            tenant.scalar(
                select(func.count())
                .select_from(Product)
                .where(
                    Product.portfolio_id == portfolio.id,
                    Product.archived_at.is_(None),
                )
            )
            or 0
        )
        view = PortfolioView(
            name=portfolio.name,
            currency=portfolio.currency,
            budget=portfolio.budget,
            discount_rate=portfolio.discount_rate,
            is_default=portfolio.is_default,
            product_count=count,
        )
        return replace(view, **extra)  # type: ignore[arg-type]

    @retried
    def rename(self, actor: Actor, name: str, new_name: str) -> PortfolioView:
        """Give a portfolio another name (unique in the workspace, any case)."""
        with self.store.transaction(actor.team_id) as tenant:
            require_manager(tenant, actor, "rename portfolios")
            portfolio = portfolio_named(tenant, name)
            clash = next(
                (
                    p
                    for p in tenant.all(tenant.select(Portfolio))
                    if p.name.lower() == new_name.lower() and p.id != portfolio.id
                ),
                None,
            )
            if clash is not None:
                raise Conflict(
                    f"There is a portfolio called {clash.name} already; pick another name."
                )
            was = portfolio.name
            portfolio.name = new_name
            tenant.flush()
            return self._portfolio_view(tenant, portfolio, changed=("name",), renamed_from=was)

    @retried
    def delete(self, actor: Actor, name: str) -> PortfolioView:
        """Delete a portfolio that holds no products (archived ones count: they keep history)."""
        with self.store.transaction(actor.team_id) as tenant:
            require_manager(tenant, actor, "delete portfolios")
            portfolio = portfolio_named(tenant, name)
            products = tenant.all(
                tenant.select(Product).where(Product.portfolio_id == portfolio.id)
            )
            if products:
                archived = sum(1 for p in products if p.archived_at is not None)
                also = (
                    f", {archived:,} of them archived (they keep their history)" if archived else ""
                )
                raise Conflict(
                    f"Only an empty portfolio can be deleted: {portfolio.name} holds "
                    f"{len(products):,} product{'s' if len(products) != 1 else ''}{also}. "
                    f"Rename it instead with `/portfolio rename {portfolio.name} | to New name`."
                )
            view = self._portfolio_view(tenant, portfolio, deleted=True)
            links = tenant.all(
                tenant.select(ChannelLink).where(ChannelLink.portfolio_id == portfolio.id)
            )
            for link in links:
                tenant.delete(link)
            tenant.delete(portfolio)
            tenant.flush()
            if portfolio.is_default:
                rest = tenant.first(tenant.select(Portfolio).order_by(Portfolio.id))
                if rest is not None:
                    rest.is_default = True
                    return replace(view, new_default=rest.name)
            return view

    @retried
    def use(self, actor: Actor, channel_id: str, name: str) -> PortfolioView:
        """Link a channel to a portfolio by name."""
        with self.store.transaction(actor.team_id) as tenant:
            require_manager(tenant, actor, "link channels to portfolios")
            portfolio = portfolio_named(tenant, name)
            link = tenant.first(
                tenant.select(ChannelLink).where(ChannelLink.channel_id == channel_id)
            )
            if link is None:
                tenant.add(ChannelLink(channel_id=channel_id, portfolio_id=portfolio.id))
            else:
                link.portfolio_id = portfolio.id
            return self._portfolio_view(tenant, portfolio)

    @retried
    def grant(
        self, actor: Actor, user_id: str, role: str, *, workspace_admin: bool = False
    ) -> Grant:
        """Give (or with role `none`, take away) the portfolio-manager role.

        A workspace admin (as Slack says) stays a portfolio manager whatever is granted: only
        whether they are granted the role too (and so get owners' proposals by DM) changes.
        """
        with self.store.transaction(actor.team_id) as tenant:
            ensure_workspace(tenant)
            require_manager(tenant, actor, "grant roles")
            if role == "product-manager":
                raise InvalidInput(
                    "Product managers don't need a grant: make them a product's owner with "
                    "`/portfolio set CHK | owner @bob`."
                )
            existing = tenant.first(
                tenant.select(RoleGrant).where(
                    RoleGrant.user_id == user_id, RoleGrant.role == PORTFOLIO_MANAGER
                )
            )
            admin = workspace_admin
            if role == "none":
                if existing is None:
                    return Grant(user_id=user_id, role="none", already=True, workspace_admin=admin)
                tenant.delete(existing)
                return Grant(user_id=user_id, role="none", workspace_admin=admin)
            if existing is not None:
                return Grant(user_id=user_id, role=role, already=True, workspace_admin=admin)
            tenant.add(
                RoleGrant(
                    user_id=user_id, role=role, granted_by=actor.user_id, created_at=self.clock()
                )
            )
            return Grant(user_id=user_id, role=role, workspace_admin=admin)
