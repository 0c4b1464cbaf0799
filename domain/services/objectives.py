"""Objective use cases: company goals that products and roadmap items link to."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain import queries
from domain.errors import Conflict
from domain.models import (
    Objective,
    Portfolio,
    Product,
    ProductObjective,
    RoadmapItem,
)
from domain.money import plain_decimal
from domain.services.access import (
    ensure_workspace,
    objective_by_key,
    require_manager,
)
from domain.services.clock import Clock
from domain.services.inputs import record
from domain.store import Store, Tenant, retried
from domain.views import Actor, FieldChange

OBJECTIVE_TITLE_MAX = 200


@dataclass(frozen=True)
class ObjectiveView:
    key: str
    title: str
    weight: Decimal
    products: tuple[str, ...] = ()
    items: int = 0


@dataclass(frozen=True)
class ObjectiveRemoval:
    """An objective that was removed, and what was linked to it (now unlinked)."""

    key: str
    title: str
    products: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class ObjectiveChange:
    objective: ObjectiveView
    created: bool = False
    changed: tuple[FieldChange, ...] = ()


class ObjectiveService:
    """Add, change and list objectives."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    @retried
    def add_objective(
        self, actor: Actor, key: str, title: str, weight: Decimal | None
    ) -> ObjectiveChange:
        """Create a company objective (KEY, title, weight) that products and items link to."""
        with self.store.transaction(actor.team_id) as tenant:
            ensure_workspace(tenant)
            require_manager(tenant, actor, "add objectives")
            clash = tenant.first(tenant.select(Objective).where(Objective.key == key))
            if clash is not None:
                raise Conflict(
                    f"Objective {key} already exists: {clash.title} (weight "
                    f"{plain_decimal(clash.weight)}). Change it with "
                    f"`/portfolio objective set {key} | weight 2 | title New title`."
                )
            objective = Objective(
                key=key, title=title, weight=weight or Decimal(1), created_at=self.clock()
            )
            tenant.add(objective)
            tenant.flush()
            return ObjectiveChange(self._objective_view(tenant, objective), created=True)

    @retried
    def set_objective(
        self, actor: Actor, key: str, *, title: str | None, weight: Decimal | None
    ) -> ObjectiveChange:
        """Change an objective's title or weight."""
        with self.store.transaction(actor.team_id) as tenant:
            require_manager(tenant, actor, "change objectives")
            objective = objective_by_key(tenant, key)
            changed: list[FieldChange] = []
            if title is not None and title != objective.title:
                changed.append(FieldChange("title", objective.title, title))
                objective.title = title
            if weight is not None and weight != objective.weight:
                changed.append(FieldChange("weight", objective.weight, weight))
                objective.weight = weight
            tenant.flush()
            return ObjectiveChange(self._objective_view(tenant, objective), changed=tuple(changed))

    @retried
    def remove_objective(self, actor: Actor, key: str) -> ObjectiveRemoval:
        """Remove an objective; the products and items linked to it are unlinked.

        Unlinking changes those products' alignment (a funding input), so each change is
        kept in the product's history.
        """
        with self.store.transaction(actor.team_id) as tenant:
            require_manager(tenant, actor, "remove objectives")
            objective = objective_by_key(tenant, key)
            links = tenant.all(
                tenant.select(ProductObjective).where(ProductObjective.objective_id == objective.id)
            )
            now = self.clock()
            unlinked: list[str] = []
            for link in links:
                product = tenant.get(Product, link.product_id)
                portfolio = tenant.get(Portfolio, product.portfolio_id) if product else None
                if product is None or portfolio is None:
                    continue
                before = tuple(queries.product_objective_keys(tenant, product.id))
                after = tuple(k for k in before if k != objective.key)
                record(
                    tenant,
                    portfolio,
                    product,
                    ("objectives", before, after),
                    by=actor.user_id,
                    via="direct",
                    now=now,
                )
                unlinked.append(product.key)
                tenant.delete(link)
            items = tenant.all(
                tenant.select(RoadmapItem).where(RoadmapItem.objective_id == objective.id)
            )
            refs = []
            for item in items:
                product = tenant.get(Product, item.product_id)
                refs.append(f"{product.key if product else '?'}-{item.number}")
                item.objective_id = None
            tenant.flush()
            tenant.delete(objective)
            return ObjectiveRemoval(
                key=objective.key,
                title=objective.title,
                products=tuple(sorted(unlinked)),
                items=tuple(sorted(refs)),
            )

    def objectives(self, actor: Actor) -> tuple[ObjectiveView, ...]:
        """The workspace's objectives with the products and open items linked to each."""
        with self.store.read(actor.team_id) as tenant:
            rows = tenant.all(tenant.select(Objective).order_by(Objective.key))
            products = queries.objective_products(tenant)
            items = queries.objective_open_items(tenant)
            return tuple(
                ObjectiveView(
                    key=o.key,
                    title=o.title,
                    weight=o.weight,
                    products=tuple(products.get(o.id, ())),
                    items=items.get(o.id, 0),
                )
                for o in rows
            )

    def _objective_view(self, tenant: Tenant, objective: Objective) -> ObjectiveView:
        return ObjectiveView(
            key=objective.key,
            title=objective.title,
            weight=objective.weight,
            products=tuple(queries.objective_products(tenant, objective.id).get(objective.id, ())),
            items=queries.objective_open_items(tenant, objective.id).get(objective.id, 0),
        )
