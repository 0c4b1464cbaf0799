"""Objective use cases: company goals that products and roadmap items link to."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain import queries
from domain.errors import Conflict
from domain.models import (
    Objective,
)
from domain.money import plain_decimal
from domain.services.access import (
    ensure_workspace,
    objective_by_key,
    require_manager,
)
from domain.services.clock import Clock
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

    def objectives(self, actor: Actor) -> tuple[ObjectiveView, ...]:
        """The workspace's objectives with the products and open items linked to each."""
        with self.store.transaction(actor.team_id) as tenant:
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
