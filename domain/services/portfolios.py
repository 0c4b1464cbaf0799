"""Portfolio use cases: setup, products, ranking, roles and channel links."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select

from domain.commands import ProductFields, RankRequest, SetupRequest
from domain.errors import Conflict, InvalidInput, NotFound
from domain.finance import irr, npv, payback_period, risk_adjusted_roi, roi
from domain.models import (
    ChannelLink,
    Feedback,
    MetricSnapshot,
    Objective,
    Portfolio,
    Product,
    ProductObjective,
    RoadmapItem,
    RoleGrant,
    Update,
)
from domain.money import format_money, format_percent
from domain.ranking import RankInput, Weights, rank
from domain.services.common import (
    PORTFOLIO_MANAGER,
    Clock,
    check_currency,
    ensure_workspace,
    item_view,
    managers,
    objective_by_key,
    portfolio_for,
    portfolio_named,
    product_by_key,
    require_manager,
    require_product_editor,
)
from domain.store import Store, Tenant
from domain.views import (
    Actor,
    Grant,
    MetricView,
    PortfolioView,
    ProductCard,
    ProductChange,
    ProductLine,
    ProductList,
    RankingView,
    RankRow,
    UpdateView,
)

OPEN_STATUSES = ("idea", "planned", "in progress", "testing")
MONEY_METRICS = frozenset({"revenue", "arr", "mrr", "cost", "costs", "profit"})
CARD_ITEMS = 8
CARD_UPDATES = 5
DISPLAY_LIMIT = 100  # rows a ranking message shows; the rest is counted


class PortfolioService:
    """What portfolio managers and product owners do with portfolios and products."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    # -- portfolios ---------------------------------------------------------------------

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
                tenant.session.flush()
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
                tenant.session.flush()
                return self._portfolio_view(
                    tenant, portfolio, created=True, became_manager=became_manager
                )
            changed = self._apply_setup(target, request)
            return self._portfolio_view(tenant, target, changed=changed)

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
            tenant.session.scalar(
                select(func.count())
                .select_from(Product)
                .where(
                    Product.team_id == tenant.team_id,
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

    def grant(self, actor: Actor, user_id: str, role: str) -> Grant:
        """Give (or with role `none`, take away) the portfolio-manager role."""
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
            if role == "none":
                if existing is None:
                    return Grant(user_id=user_id, role="none", already=True)
                tenant.session.delete(existing)
                return Grant(user_id=user_id, role="none")
            if existing is not None:
                return Grant(user_id=user_id, role=role, already=True)
            tenant.add(
                RoleGrant(
                    user_id=user_id, role=role, granted_by=actor.user_id, created_at=self.clock()
                )
            )
            return Grant(user_id=user_id, role=role)

    # -- products -----------------------------------------------------------------------

    def add_product(
        self, actor: Actor, channel_id: str | None, key: str, fields: ProductFields
    ) -> ProductChange:
        """Create a product in the channel's portfolio."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            require_manager(tenant, actor, "add products")
            clash = tenant.first(tenant.select(Product).where(Product.key == key))
            if clash is not None:
                state = " (archived)" if clash.archived_at else ""
                raise Conflict(
                    f"{key} already exists{state}: {clash.name}. Keys are unique in the "
                    f"workspace; pick another, e.g. `{key[:8]}2`."
                )
            now = self.clock()
            product = Product(
                key=key,
                name=fields.name or key,
                portfolio_id=portfolio.id,
                created_at=now,
                updated_at=now,
                cashflows=[],
                category="General",
                stage="ideation",
                health="on track",
                investment=Decimal(0),
                expected_return=Decimal(0),
                confidence=Decimal("0.5"),
                next_item_number=1,
            )
            tenant.add(product)
            tenant.session.flush()
            self._apply_fields(tenant, portfolio, product, fields)
            tenant.session.flush()
            return ProductChange(card=self._card(tenant, product, portfolio), created=True)

    def set_product(self, actor: Actor, key: str, fields: ProductFields) -> ProductChange:
        """Change a product's fields; owners may change their own, managers any."""
        with self.store.transaction(actor.team_id) as tenant:
            product = product_by_key(tenant, key)
            require_product_editor(tenant, actor, product)
            portfolio = tenant.session.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            if (
                fields.owner_id is not None
                or fields.investment is not None
                or fields.expected_return is not None
            ):
                # Money and ownership are portfolio decisions.
                require_manager(tenant, actor, "set investment, return or owners")
            changed = self._apply_fields(tenant, portfolio, product, fields)
            product.updated_at = self.clock()
            tenant.session.flush()
            return ProductChange(card=self._card(tenant, product, portfolio), changed=changed)

    def _apply_fields(
        self, tenant: Tenant, portfolio: Portfolio, product: Product, fields: ProductFields
    ) -> tuple[tuple[str, str, str], ...]:
        cur = portfolio.currency
        changed: list[tuple[str, str, str]] = []

        def note(name: str, before: str, after: str) -> None:
            if before != after:
                changed.append((name, before, after))

        if fields.name is not None:
            note("name", product.name, fields.name)
            product.name = fields.name
        if fields.owner_id is not None:
            note("owner", product.owner_id or "", fields.owner_id)
            product.owner_id = fields.owner_id
        if fields.investment is not None:
            check_currency(portfolio, fields.investment[1], "the investment")
            note(
                "investment",
                format_money(product.investment, cur),
                format_money(fields.investment[0], cur),
            )
            product.investment = fields.investment[0]
        if fields.expected_return is not None:
            check_currency(portfolio, fields.expected_return[1], "the expected return")
            note(
                "expected return",
                format_money(product.expected_return, cur),
                format_money(fields.expected_return[0], cur),
            )
            product.expected_return = fields.expected_return[0]
        if fields.confidence is not None:
            note(
                "confidence", format_percent(product.confidence), format_percent(fields.confidence)
            )
            product.confidence = fields.confidence
        for name in ("category", "stage", "health"):
            value = getattr(fields, name)
            if value is not None:
                note(name, getattr(product, name), value)
                setattr(product, name, value)
        if fields.cashflows is not None:
            for amount in fields.cashflows:
                check_currency(portfolio, amount[1], "a cash flow")
            new = [str(a[0]) for a in fields.cashflows]
            note(
                "cash flows",
                ", ".join(format_money(Decimal(c), cur) for c in product.cashflows) or "none",
                ", ".join(format_money(a[0], cur) for a in fields.cashflows),
            )
            product.cashflows = new
        if fields.objectives is not None:
            objectives = [objective_by_key(tenant, k) for k in fields.objectives]
            before = self._objective_keys(tenant, product.id)
            tenant.session.execute(
                delete(ProductObjective).where(ProductObjective.product_id == product.id)
            )
            for objective in objectives:
                tenant.add(ProductObjective(product_id=product.id, objective_id=objective.id))
            note(
                "objectives",
                ", ".join(before) or "none",
                ", ".join(o.key for o in objectives) or "none",
            )
        return tuple(changed)

    @staticmethod
    def _objective_keys(tenant: Tenant, product_id: int) -> list[str]:
        return list(
            tenant.session.scalars(
                select(Objective.key)
                .join(ProductObjective, ProductObjective.objective_id == Objective.id)
                .where(
                    ProductObjective.product_id == product_id,
                    ProductObjective.team_id == tenant.team_id,
                )
                .order_by(Objective.key)
            )
        )

    def remove(self, actor: Actor, key: str) -> ProductCard:
        """Archive a product; its history stays."""
        with self.store.transaction(actor.team_id) as tenant:
            product = product_by_key(tenant, key)
            require_manager(tenant, actor, "remove products")
            product.archived_at = self.clock()
            portfolio = tenant.session.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            return self._card(tenant, product, portfolio)

    def show(self, actor: Actor, key: str) -> ProductCard:
        """A product card: money, measures, metrics, open items and the latest updates."""
        with self.store.transaction(actor.team_id) as tenant:
            product = product_by_key(tenant, key, include_archived=True)
            portfolio = tenant.session.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            return self._card(tenant, product, portfolio)

    def _card(self, tenant: Tenant, product: Product, portfolio: Portfolio) -> ProductCard:
        session = tenant.session
        items = tenant.all(
            tenant.select(RoadmapItem)
            .where(RoadmapItem.product_id == product.id, RoadmapItem.status.in_(OPEN_STATUSES))
            .order_by(RoadmapItem.target_due.is_(None), RoadmapItem.target_due, RoadmapItem.number)
        )
        updates = tenant.all(
            tenant.select(Update)
            .where(Update.product_id == product.id, Update.retracted_at.is_(None))
            .order_by(Update.created_at.desc(), Update.id.desc())
            .limit(CARD_UPDATES)
        )
        metrics = self._latest_metrics(tenant, product.id)
        feedback = tenant.all(
            tenant.select(Feedback)
            .where(Feedback.product_id == product.id)
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            .limit(3)
        )
        feedback_count = (
            session.scalar(
                select(func.count())
                .select_from(Feedback)
                .where(Feedback.team_id == tenant.team_id, Feedback.product_id == product.id)
            )
            or 0
        )
        flows = tuple(Decimal(c) for c in product.cashflows)
        return ProductCard(
            key=product.key,
            name=product.name,
            owner_id=product.owner_id,
            category=product.category,
            stage=product.stage,
            health=product.health,
            investment=product.investment,
            expected_return=product.expected_return,
            confidence=product.confidence,
            roi=roi(product.investment, product.expected_return),
            risk_roi=risk_adjusted_roi(
                product.investment, product.expected_return, product.confidence
            ),
            currency=portfolio.currency,
            portfolio=portfolio.name,
            archived=product.archived_at is not None,
            objectives=tuple(self._objective_keys(tenant, product.id)),
            cashflows=flows,
            npv=npv(portfolio.discount_rate, flows) if flows else None,
            irr=irr(flows) if flows else None,
            payback=payback_period(flows) if flows else None,
            metrics=metrics,
            open_items=tuple(item_view(product.key, i) for i in items[:CARD_ITEMS]),
            open_item_count=len(items),
            updates=tuple(
                UpdateView(
                    at=u.created_at,
                    author_id=u.author_id,
                    text=u.text,
                    permalink=u.permalink,
                    edited=u.edited_at is not None,
                )
                for u in updates
            ),
            feedback_count=feedback_count,
            latest_feedback=tuple(f.text for f in feedback),
        )

    @staticmethod
    def _latest_metrics(tenant: Tenant, product_id: int) -> tuple[MetricView, ...]:
        """The latest value of each metric with its change since the reading before it.

        One query whatever the history: a window function keeps two rows per name. The
        change is labelled with the period between the two readings (d/d, w/w, m/m …).
        """
        from domain.services.analytics import MetricTrend, period_label

        recent = (
            select(
                MetricSnapshot.name,
                MetricSnapshot.value,
                MetricSnapshot.recorded_at,
                func.row_number()
                .over(
                    partition_by=MetricSnapshot.name,
                    order_by=(MetricSnapshot.recorded_at.desc(), MetricSnapshot.id.desc()),
                )
                .label("age"),
            )
            .where(
                MetricSnapshot.team_id == tenant.team_id, MetricSnapshot.product_id == product_id
            )
            .subquery()
        )
        rows = tenant.session.execute(
            select(recent.c.name, recent.c.value, recent.c.recorded_at)
            .where(recent.c.age <= 2)
            .order_by(recent.c.name, recent.c.age)
        ).all()
        by_name: dict[str, list[tuple[Decimal, datetime]]] = defaultdict(list)
        for name, value, recorded_at in rows:
            by_name[name].append((value, recorded_at))
        views = []
        for name, snaps in by_name.items():
            (value, at), before = snaps[0], snaps[1] if len(snaps) > 1 else None
            views.append(
                MetricTrend(
                    name=name,
                    value=value,
                    recorded_at=at,
                    previous=before[0] if before else None,
                    is_money=name in MONEY_METRICS,
                    period=period_label(at - before[1]) if before else None,
                )
            )
        order = {"revenue": 0, "csat": 1, "reach": 2}
        return tuple(sorted(views, key=lambda v: (order.get(v.name, 9), v.name)))

    def list_products(self, actor: Actor, channel_id: str | None) -> ProductList:
        """The products of the channel's portfolio, by key."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            products = tenant.all(
                tenant.select(Product)
                .where(Product.portfolio_id == portfolio.id, Product.archived_at.is_(None))
                .order_by(Product.key)
            )
            counts = dict(
                tenant.session.execute(
                    select(RoadmapItem.product_id, func.count())
                    .where(
                        RoadmapItem.team_id == tenant.team_id, RoadmapItem.status.in_(OPEN_STATUSES)
                    )
                    .group_by(RoadmapItem.product_id)
                ).all()
            )
            lines = tuple(
                ProductLine(
                    key=p.key,
                    name=p.name,
                    owner_id=p.owner_id,
                    category=p.category,
                    stage=p.stage,
                    health=p.health,
                    investment=p.investment,
                    expected_return=p.expected_return,
                    open_items=counts.get(p.id, 0),
                )
                for p in products
            )
            return ProductList(
                portfolio=portfolio.name,
                currency=portfolio.currency,
                products=lines,
                total_investment=sum((p.investment for p in products), Decimal(0)),
                total_return=sum((p.expected_return for p in products), Decimal(0)),
            )

    # -- ranking ------------------------------------------------------------------------

    def rank(self, actor: Actor, channel_id: str | None, request: RankRequest) -> RankingView:
        """Rank the channel's portfolio by a measure (default: the portfolio's chosen one)."""
        with self.store.transaction(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            measure = request.measure or portfolio.ranking_measure
            weights = weights_of(portfolio) if measure == "score" else None
            inputs = self.rank_inputs(
                tenant,
                portfolio,
                cashflows=measure == "npv" or (weights is not None and weights.npv != 0),
            )
            if measure == "score" and weights is None:
                raise InvalidInput(
                    "Set the score's weights first, e.g. "
                    "`/portfolio weights roi 40% risk 30% alignment 30%`."
                )
            if request.category is not None:
                categories = {i.category.lower() for i in inputs}
                if request.category.lower() not in categories:
                    from domain.grammar import did_you_mean

                    hint = did_you_mean(request.category, sorted({i.category for i in inputs}))
                    known = ", ".join(sorted({i.category for i in inputs})) or "none yet"
                    suggestion = f" Did you mean `{hint}`?" if hint else ""
                    raise NotFound(
                        f"No products in category `{request.category}`.{suggestion} "
                        f"Categories: {known}."
                    )
            ranked = rank(
                inputs,
                measure,
                discount_rate=portfolio.discount_rate,
                weights=weights,
                top=min(request.top or DISPLAY_LIMIT, DISPLAY_LIMIT),
                category=request.category,
            )
            chosen = [
                i
                for i in inputs
                if request.category is None or i.category.lower() == request.category.lower()
            ]
            total_inv = sum((i.investment for i in chosen), Decimal(0))
            total_ret = sum((i.expected_return for i in chosen), Decimal(0))
            rows = tuple(
                RankRow(
                    position=r.position,
                    key=r.item.key,
                    name=r.item.name,
                    owner_id=r.item.owner_id,
                    health=r.item.health,
                    category=r.item.category,
                    value=r.value,
                    investment=r.item.investment,
                    expected_return=r.item.expected_return,
                    parts=tuple((p.measure, p.weight, p.contribution) for p in r.parts),
                )
                for r in ranked
            )
            return RankingView(
                portfolio=portfolio.name,
                currency=portfolio.currency,
                measure=measure,
                rows=rows,
                total=len(chosen),
                category=request.category,
                top=request.top,
                total_investment=total_inv,
                total_return=total_ret,
                portfolio_roi=roi(total_inv, total_ret),
            )

    @staticmethod
    def rank_inputs(
        tenant: Tenant, portfolio: Portfolio, *, cashflows: bool = True
    ) -> list[RankInput]:
        """The active products of a portfolio as ranking inputs, in two queries.

        Without `cashflows` the JSON column is not read (NPV is then unavailable): ROI and
        risk rankings of 100,000 products spend most of their time decoding it otherwise.
        """
        columns = [
            Product.id,
            Product.key,
            Product.name,
            Product.owner_id,
            Product.category,
            Product.stage,
            Product.health,
            Product.investment,
            Product.expected_return,
            Product.confidence,
        ]
        if cashflows:
            columns.append(Product.cashflows)
        rows: Sequence[Any] = tenant.session.execute(
            select(*columns).where(
                Product.team_id == tenant.team_id,
                Product.portfolio_id == portfolio.id,
                Product.archived_at.is_(None),
            )
        ).all()
        alignment: dict[int, Decimal] = dict(
            tenant.session.execute(
                select(ProductObjective.product_id, func.sum(Objective.weight))
                .join(Objective, Objective.id == ProductObjective.objective_id)
                .where(ProductObjective.team_id == tenant.team_id)
                .group_by(ProductObjective.product_id)
            ).all()
        )
        zero = Decimal(0)
        # Rows are unpacked by position: named attribute access costs more than the rest.
        return [
            RankInput(
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                row[7],
                row[8],
                row[9],
                tuple(Decimal(c) for c in row[10] or ()) if cashflows else (),
                Decimal(alignment.get(row[0]) or zero),
            )
            for row in rows
        ]


def weights_of(portfolio: Portfolio) -> Weights | None:
    """The portfolio's configured score weights, or None when unset."""
    if not portfolio.weights:
        return None
    return Weights(**{k: Decimal(v) for k, v in portfolio.weights.items()})
