"""A believable demo portfolio for the console: products, roadmaps, weeks of updates and metrics.

The portfolio itself is data (`console.demo_data`); this module writes it into an empty
workspace for the console's cast (`DemoPeople`), dated back from the console's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from console.demo_data import ITEMS, METRICS, OBJECTIVES, PRODUCTS, PROGRESS, UPDATES
from domain.dates import parse_target
from domain.models import (
    MetricSnapshot,
    Objective,
    Portfolio,
    Product,
    ProductObjective,
    RoadmapItem,
    RoleGrant,
    Update,
    Workspace,
)
from domain.store import Store


@dataclass(frozen=True)
class DemoPeople:
    """The console's cast: Slack user ids."""

    alice: str  # portfolio manager (workspace admin)
    bob: str  # product manager
    dan: str  # product manager
    carol: str  # member


D = Decimal


def seed_demo(store: Store, team_id: str, people: DemoPeople, now: datetime) -> bool:
    """Fill an empty workspace with the demo portfolio; returns False when it already has data."""
    owner = {"bob": people.bob, "dan": people.dan, "carol": people.carol, "alice": people.alice}
    with store.transaction(team_id) as tenant:
        if tenant.first(tenant.select(Portfolio)) is not None:
            return False
        tenant.add(Workspace(team_id=team_id, name="Console", created_at=now))
        tenant.flush()
        portfolio = Portfolio(
            name="Products",
            currency="USD",
            budget=D("2000000"),
            discount_rate=D("0.08"),
            is_default=True,
            ranking_measure="risk",
            weights={"roi": "0.4", "risk": "0.3", "alignment": "0.3"},
            created_at=now - timedelta(days=60),
        )
        tenant.add(portfolio)
        tenant.add(
            RoleGrant(
                user_id=people.alice,
                role="portfolio-manager",
                granted_by=people.alice,
                created_at=now - timedelta(days=60),
            )
        )
        objectives = {}
        for key, title, weight in OBJECTIVES:
            objectives[key] = Objective(
                key=key, title=title, weight=D(weight), created_at=now - timedelta(days=60)
            )
            tenant.add(objectives[key])
        tenant.flush()
        products: dict[str, Product] = {}
        for key, name, category, stage, health, inv, ret, conf, who, _objs, flows in PRODUCTS:
            product = Product(
                key=key,
                name=name,
                portfolio_id=portfolio.id,
                owner_id=owner[who],
                category=category,
                stage=stage,
                health=health,
                investment=D(inv),
                expected_return=D(ret),
                confidence=D(conf),
                cashflows=list(flows),
                next_item_number=1,
                created_at=now - timedelta(days=60),
                updated_at=now - timedelta(days=30),
            )
            tenant.add(product)
            products[key] = product
        tenant.flush()
        for key, *_, objs, _flows in PRODUCTS:
            for objective_key in objs:
                tenant.add(
                    ProductObjective(
                        product_id=products[key].id, objective_id=objectives[objective_key].id
                    )
                )
        for key, title, status, progress, target, blocker, why, objective in ITEMS:
            product = products[key]
            due = parse_target(target)
            tenant.add(
                RoadmapItem(
                    product_id=product.id,
                    number=product.next_item_number,
                    title=title,
                    why=why,
                    target_label=due.label,
                    target_due=due.due,
                    status=status,
                    progress=progress,
                    blocker=blocker,
                    objective_id=objectives[objective].id if objective else None,
                    created_at=now - timedelta(days=45),
                    updated_at=now - timedelta(days=5),
                )
            )
            product.next_item_number += 1
        tenant.flush()
        items = {
            f"{key}-{i.number}": i
            for key, product in products.items()
            for i in tenant.all(
                tenant.select(RoadmapItem).where(RoadmapItem.product_id == product.id)
            )
        }
        for ref, author, readings in PROGRESS:
            before = 0
            for days, percent in readings:
                tenant.add(
                    Update(
                        product_id=items[ref].product_id,
                        item_id=items[ref].id,
                        kind="item",
                        author_id=owner[author],
                        text=f"{ref}: in progress, {percent}%",
                        changes={"item": {"progress": [before, percent]}}
                        if percent != before
                        else {},
                        created_at=now - timedelta(days=days, hours=5),
                    )
                )
                before = percent
        for key, days, author, text, kind in UPDATES:
            at = now - timedelta(days=days, hours=3)
            tenant.add(
                Update(
                    product_id=products[key].id,
                    kind=kind,
                    author_id=owner[author],
                    text=text,
                    changes={},
                    created_at=at,
                )
            )
            last = products[key].last_update_at
            products[key].last_update_at = at if last is None or at > last else last
        for key, name, values in METRICS:
            for weeks_ago, value in zip(range(len(values) - 1, -1, -1), values, strict=True):
                tenant.add(
                    MetricSnapshot(
                        product_id=products[key].id,
                        name=name,
                        value=D(value),
                        recorded_at=now - timedelta(weeks=weeks_ago, days=1),
                    )
                )
    return True
