"""Product use cases: add, change, show, list and archive products."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, func, select

from domain import queries
from domain.commands.portfolio import ProductFields
from domain.errors import Conflict
from domain.finance import irr, npv, payback_period, risk_adjusted_roi, roi
from domain.models import (
    Feedback,
    Portfolio,
    Product,
    ProductObjective,
    Update,
)
from domain.services import inputs, proposals
from domain.services.access import (
    check_currency,
    is_manager,
    item_view,
    objective_by_key,
    portfolio_for,
    product_by_key,
    require_manager,
    require_product_editor,
)
from domain.services.clock import Clock
from domain.store import Store, Tenant, retried
from domain.views import (
    Actor,
    FieldChange,
    FieldValue,
    MetricView,
    ProductCard,
    ProductChange,
    ProductLine,
    ProductList,
    UpdateView,
)

CARD_ITEMS = 8
CARD_UPDATES = 5
# More lines than any list message can show (50 sections of 2,900 characters, every line at
# least 47), so a long list is cut by the message, which says "… and N more", not by us.
LIST_LIMIT = 3_100


class ProductService:
    """What portfolio managers and product owners do with products."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    @retried
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
            tenant.flush()
            changed = self._apply_fields(tenant, portfolio, product, fields)
            inputs.record_all(
                tenant, portfolio, product, changed, by=actor.user_id, via="added", now=now
            )
            tenant.flush()
            return ProductChange(card=self._card(tenant, product, portfolio), created=True)

    @retried
    def set_product(self, actor: Actor, key: str, fields: ProductFields) -> ProductChange:
        """Change a product's fields; managers' apply, an owner's funding inputs are proposed."""
        with self.store.transaction(actor.team_id) as tenant:
            product = tenant.lock(product_by_key(tenant, key))
            require_product_editor(tenant, actor, product)
            portfolio = tenant.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            if fields.owner_id is not None:
                require_manager(tenant, actor, "change a product's owner")
            now = self.clock()
            if is_manager(tenant, actor):
                changed = self._apply_fields(tenant, portfolio, product, fields)
                given = inputs.given_inputs(fields)
                proposed = proposals.decide_directly(
                    tenant, actor, portfolio, product, given, changed, now=now
                )
            else:  # the owner: the funding inputs are portfolio decisions, so they are proposed
                asked = inputs.input_changes(tenant, portfolio, product, fields)
                owned = inputs.without_inputs(fields)
                changed = self._apply_fields(tenant, portfolio, product, owned)
                proposed = proposals.propose(
                    tenant, actor, portfolio, product, asked, reason=fields.why, now=now
                )
            product.updated_at = now
            tenant.flush()
            return ProductChange(
                card=self._card(tenant, product, portfolio), changed=changed, proposed=proposed
            )

    def apply_fields(
        self, tenant: Tenant, portfolio: Portfolio, product: Product, fields: ProductFields
    ) -> tuple[FieldChange, ...]:
        """Write checked fields onto a product inside a running use case (an accepted proposal)."""
        return self._apply_fields(tenant, portfolio, product, fields)

    def card(self, tenant: Tenant, product: Product, portfolio: Portfolio) -> ProductCard:
        """A product's card inside a running use case."""
        return self._card(tenant, product, portfolio)

    def _apply_fields(
        self, tenant: Tenant, portfolio: Portfolio, product: Product, fields: ProductFields
    ) -> tuple[FieldChange, ...]:
        changed: list[FieldChange] = []

        def note(name: str, before: FieldValue, after: FieldValue) -> None:
            if before != after:
                changed.append(FieldChange(name, before, after))

        if fields.name is not None:
            note("name", product.name, fields.name)
            product.name = fields.name
        if fields.owner_id is not None:
            note("owner", product.owner_id, fields.owner_id)
            product.owner_id = fields.owner_id
        if fields.investment is not None:
            check_currency(portfolio, fields.investment[1], "the investment")
            note("investment", product.investment, fields.investment[0])
            product.investment = fields.investment[0]
        if fields.expected_return is not None:
            check_currency(portfolio, fields.expected_return[1], "the expected return")
            note("expected return", product.expected_return, fields.expected_return[0])
            product.expected_return = fields.expected_return[0]
        if fields.confidence is not None:
            note("confidence", product.confidence, fields.confidence)
            product.confidence = fields.confidence
        for name in ("category", "stage", "health"):
            value = getattr(fields, name)
            if value is not None:
                note(name, getattr(product, name), value)
                setattr(product, name, value)
        if fields.cashflows is not None:
            for amount in fields.cashflows:
                check_currency(portfolio, amount[1], "a cash flow")
            note(
                "cash flows",
                tuple(Decimal(c) for c in product.cashflows),
                tuple(a[0] for a in fields.cashflows),
            )
            product.cashflows = [str(a[0]) for a in fields.cashflows]
        if fields.objectives is not None:
            objectives = [objective_by_key(tenant, k) for k in fields.objectives]
            before = queries.product_objective_keys(tenant, product.id)
            tenant.execute(
                delete(ProductObjective).where(ProductObjective.product_id == product.id)
            )
            for objective in objectives:
                tenant.add(ProductObjective(product_id=product.id, objective_id=objective.id))
            note("objectives", tuple(before), tuple(o.key for o in objectives))
        return tuple(changed)

    @retried
    def remove(self, actor: Actor, key: str) -> ProductCard:
        """Archive a product; its history stays."""
        with self.store.transaction(actor.team_id) as tenant:
            product = tenant.lock(product_by_key(tenant, key))
            require_manager(tenant, actor, "remove products")
            product.archived_at = self.clock()
            portfolio = tenant.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            return self._card(tenant, product, portfolio)

    @retried
    def restore(self, actor: Actor, key: str) -> ProductCard:
        """Bring an archived product back, with its history, roadmap and metrics."""
        with self.store.transaction(actor.team_id) as tenant:
            product = tenant.lock(product_by_key(tenant, key, include_archived=True))
            require_manager(tenant, actor, "restore products")
            portfolio = tenant.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            if product.archived_at is None:
                raise Conflict(
                    f"{product.key} isn't archived: it is in {portfolio.name} already "
                    f"(`/portfolio show {product.key}`)."
                )
            product.archived_at = None
            product.updated_at = self.clock()
            return self._card(tenant, product, portfolio)

    def show(self, actor: Actor, key: str) -> ProductCard:
        """A product card: money, measures, metrics, open items and the latest updates."""
        with self.store.read(actor.team_id) as tenant:
            product = product_by_key(tenant, key, include_archived=True)
            portfolio = tenant.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            return self._card(tenant, product, portfolio)

    def _card(self, tenant: Tenant, product: Product, portfolio: Portfolio) -> ProductCard:
        items = queries.open_items(tenant, product.id)
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
            tenant.scalar(
                select(func.count()).select_from(Feedback).where(Feedback.product_id == product.id)
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
            objectives=tuple(queries.product_objective_keys(tenant, product.id)),
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
            pending=proposals.pending_views(tenant, product, portfolio),
        )

    @staticmethod
    def _latest_metrics(tenant: Tenant, product_id: int) -> tuple[MetricView, ...]:
        """The latest value of each metric with its change since the reading before it."""
        return tuple(
            MetricView(
                name=m.name,
                value=m.value,
                recorded_at=m.recorded_at,
                previous=m.previous,
                is_money=m.is_money,
                period=m.period,
            )
            for m in queries.product_metrics(tenant, product_id)
        )

    def list_products(
        self, actor: Actor, channel_id: str | None, *, limit: int = LIST_LIMIT
    ) -> ProductList:
        """The products of the channel's portfolio, by key: the first `limit`, and the count."""
        with self.store.read(actor.team_id) as tenant:
            portfolio = portfolio_for(tenant, channel_id)
            rows = queries.product_lines(tenant, portfolio, limit)
            totals = queries.keyed_totals(tenant, portfolio, "roi", None)
            lines = tuple(
                ProductLine(
                    key=key,
                    name=name,
                    owner_id=owner_id,
                    category=category,
                    stage=stage,
                    health=health,
                    investment=investment,
                    expected_return=expected_return,
                    open_items=open_items,
                )
                for key, name, owner_id, category, stage, health, investment, expected_return, (
                    open_items
                ) in rows
            )
            return ProductList(
                portfolio=portfolio.name,
                currency=portfolio.currency,
                products=lines,
                total_investment=totals.investment,
                total_return=totals.expected_return,
                count=totals.count,
            )
