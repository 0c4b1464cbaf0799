"""A believable demo portfolio for the console: products, roadmaps, weeks of updates and metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

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
# key, name, category, stage, health, investment, return, confidence, owner, objectives, cashflows
PRODUCTS = [
    (
        "CHK",
        "Checkout",
        "Growth",
        "development",
        "on track",
        "120000",
        "400000",
        "0.70",
        "bob",
        ("GROW",),
        ("-120000", "60000", "140000", "200000"),
    ),
    (
        "PAY",
        "Payments Platform",
        "Platform",
        "growth",
        "at risk",
        "450000",
        "1200000",
        "0.60",
        "dan",
        ("GROW", "EFF"),
        ("-450000", "250000", "400000", "550000"),
    ),
    (
        "SRCH",
        "Search",
        "Core",
        "maturity",
        "on track",
        "200000",
        "380000",
        "0.85",
        "bob",
        ("RET",),
        ("-200000", "120000", "130000", "130000"),
    ),
    (
        "MOB",
        "Mobile App",
        "Growth",
        "launch",
        "on track",
        "300000",
        "900000",
        "0.55",
        "dan",
        ("GROW", "RET"),
        ("-300000", "150000", "300000", "450000"),
    ),
    (
        "REC",
        "Recommendations",
        "Growth",
        "research",
        "on track",
        "80000",
        "350000",
        "0.35",
        "dan",
        ("RET",),
        (),
    ),
    (
        "ONB",
        "Onboarding",
        "Growth",
        "testing",
        "off track",
        "60000",
        "150000",
        "0.75",
        "bob",
        ("RET",),
        (),
    ),
    (
        "ANA",
        "Analytics",
        "Platform",
        "development",
        "at risk",
        "150000",
        "260000",
        "0.65",
        "dan",
        ("EFF",),
        ("-150000", "60000", "90000", "110000"),
    ),
    (
        "LEG",
        "Legacy Billing",
        "Core",
        "decline",
        "on track",
        "90000",
        "60000",
        "0.90",
        "bob",
        (),
        ("-90000", "30000", "20000", "10000"),
    ),
    (
        "AI",
        "Assistant AI",
        "Innovation",
        "ideation",
        "on track",
        "0",
        "500000",
        "0.20",
        "carol",
        ("GROW",),
        (),
    ),
    (
        "API",
        "Public API",
        "Platform",
        "growth",
        "on track",
        "110000",
        "330000",
        "0.80",
        "dan",
        ("GROW", "EFF"),
        (),
    ),
]
# product, title, status, progress, target, blocker, why, objective
ITEMS = [
    ("CHK", "One-page checkout", "done", 100, "2026-Q3", None, "fewer abandoned carts", "GROW"),
    (
        "CHK",
        "Apple Pay and Google Pay",
        "in progress",
        45,
        "2026-12-18",
        None,
        "customers ask for it",
        "GROW",
    ),
    (
        "CHK",
        "Checkout v2 for marketplaces",
        "testing",
        70,
        "2027-Q1",
        "the payments vendor's sandbox",
        "open the marketplace segment",
        "GROW",
    ),
    ("CHK", "Saved carts", "planned", 0, "2027-Q2", None, "retention", "RET"),
    (
        "PAY",
        "Multi-currency settlement",
        "in progress",
        60,
        "2026-12-31",
        "bank API access",
        "expand to the EU",
        "GROW",
    ),
    ("PAY", "Fraud scoring v2", "planned", 0, "2027-Q1", None, "lower chargebacks", "EFF"),
    ("PAY", "PCI re-certification", "testing", 85, "2026-12-05", None, "required", None),
    ("SRCH", "Typo tolerance", "done", 100, "2026-10-15", None, "better results", "RET"),
    ("SRCH", "Semantic search beta", "in progress", 30, "2027-Q1", None, "relevance", "RET"),
    ("MOB", "Offline mode", "testing", 80, "2026-12-10", None, "field sales use it", "RET"),
    (
        "MOB",
        "Push notification centre",
        "in progress",
        50,
        "2027-01-31",
        None,
        "engagement",
        "GROW",
    ),
    ("REC", "Model A/B framework", "in progress", 20, "2027-Q1", None, "measure lift", "RET"),
    (
        "ONB",
        "Guided setup",
        "testing",
        90,
        "2026-11-20",
        "legal review of the consent step",
        "activation",
        "RET",
    ),
    (
        "ANA",
        "Self-serve dashboards",
        "in progress",
        40,
        "2027-Q1",
        None,
        "fewer data requests",
        "EFF",
    ),
    ("ANA", "Event pipeline migration", "planned", 0, "2027-Q2", None, "lower cost", "EFF"),
    ("API", "Public API v2", "in progress", 65, "2027-01-15", None, "partners", "GROW"),
    ("AI", "Prototype assistant", "idea", 0, "2027-Q2", None, "explore", "GROW"),
]
# product, days ago, author, text, kind
UPDATES = [
    ("CHK", 27, "bob", "CHK-1: done — one-page checkout shipped to 100%", "item"),
    ("CHK", 13, "bob", "CHK-2: in progress, 30%", "item"),
    ("CHK", 4, "bob", "CHK-3: testing, 70% — blocked by the payments vendor's sandbox", "item"),
    ("PAY", 20, "dan", "PAY: on track, settlement design approved", "product"),
    ("PAY", 6, "dan", "PAY: at risk, bank API access is late", "product"),
    ("PAY", 2, "dan", "PAY-3: testing, 85% — auditors on site next week", "item"),
    ("SRCH", 25, "bob", "SRCH-1: done", "item"),
    ("MOB", 9, "dan", "MOB-1: testing, 80%", "item"),
    ("MOB", 3, "dan", "MOB: launch went out to 10% of users", "product"),
    ("ONB", 5, "bob", "ONB: off track, legal review of the consent step blocks release", "product"),
    ("ANA", 16, "dan", "ANA: at risk, two engineers moved to PAY", "product"),
    ("API", 8, "dan", "API-1: in progress, 65%", "item"),
]
# roadmap item, its owner, (days ago, progress) oldest first: the pace its own updates show
PROGRESS = [
    ("CHK-2", "bob", ((41, 0), (34, 10), (27, 15), (20, 25), (13, 30), (6, 45))),
    ("CHK-3", "bob", ((40, 20), (33, 35), (26, 50), (19, 70), (11, 70), (4, 70))),
    ("PAY-1", "dan", ((42, 20), (35, 30), (28, 40), (21, 45), (14, 55), (7, 60))),
    ("MOB-2", "dan", ((35, 10), (28, 25), (21, 30), (14, 40), (7, 50))),
    ("SRCH-2", "bob", ((30, 0), (23, 10), (16, 20), (9, 25), (2, 30))),
    ("API-1", "dan", ((30, 30), (23, 45), (16, 55), (8, 65))),
]
# product, metric, weekly values oldest first
METRICS = [
    ("CHK", "revenue", ("98000", "104000", "110000", "120000")),
    ("CHK", "csat", ("4.1", "4.2", "4.2", "4.4")),
    ("PAY", "revenue", ("310000", "318000", "305000", "298000")),
    ("SRCH", "reach", ("41000", "42500", "43800", "45100")),
    ("MOB", "reach", ("12000", "15500", "19800", "26400")),
    ("MOB", "csat", ("3.9", "4.0", "4.0", "4.3")),
    ("API", "revenue", ("21000", "23500", "25000", "27900")),
    ("ONB", "csat", ("4.3", "4.1", "3.9", "3.8")),
]
OBJECTIVES = [
    ("GROW", "Grow ARR 30%", "3"),
    ("RET", "Improve retention", "2"),
    ("EFF", "Lower cost to serve", "1"),
]


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
