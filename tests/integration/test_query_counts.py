"""`/portfolio rank` and `/portfolio show` run a fixed number of SQL statements, however big."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from domain.commands import portfolio as parse
from domain.commands.planning import parse_weights
from domain.grammar import split_command
from domain.models import Feedback, MetricSnapshot, Objective, Product, ProductObjective, Update
from domain.services import Services
from tests.conftest import ALICE, CAROL, TEAM, Clock


@contextmanager
def counting(services: Services) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while the block runs."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = services.store.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statements_for(services: Services, action: Callable[[], object]) -> list[str]:
    action()  # warm up: first-use queries (connection setup) are not what we measure
    with counting(services) as statements:
        action()
    return statements


def grow(services: Services, clock: Clock, products: int, history: int) -> None:
    """Add products (all linked to an objective) and CHK history: updates, metrics, feedback."""
    with services.store.transaction(TEAM) as tenant:
        objective = tenant.first(tenant.select(Objective))
        assert objective is not None
        portfolio_id = tenant.first(tenant.select(Product)).portfolio_id  # type: ignore[union-attr]
        start = len(tenant.all(tenant.select(Product)))
        for n in range(start, start + products):
            product = Product(
                key=f"P{n:05d}",
                name=f"Product {n}",
                portfolio_id=portfolio_id,
                investment=Decimal(1000 + n),
                expected_return=Decimal(3000 + 7 * n),
                confidence=Decimal("0.6"),
                cashflows=["-1000", "600", str(700 + n)],
                created_at=clock(),
                updated_at=clock(),
            )
            tenant.add(product)
            tenant.flush()
            tenant.add(ProductObjective(product_id=product.id, objective_id=objective.id))
        chk = tenant.first(tenant.select(Product).where(Product.key == "CHK"))
        assert chk is not None
        for n in range(history):
            at = clock() - timedelta(days=history - n)
            tenant.add(
                Update(
                    product_id=chk.id,
                    kind="product",
                    author_id="U0BOB",
                    text=f"u{n}",
                    created_at=at,
                )
            )
            for name in ("revenue", "csat", "reach"):
                tenant.add(
                    MetricSnapshot(product_id=chk.id, name=name, value=Decimal(n), recorded_at=at)
                )
            tenant.add(Feedback(product_id=chk.id, author_id="U0BOB", text=f"f{n}", created_at=at))


@pytest.fixture
def small(services: Services) -> Services:
    services.portfolios.setup(ALICE, parse.parse_setup(split_command("setup Products")))
    request = parse.parse_add(
        split_command("add CHK Checkout | investment 120k | return 400k | cashflows -1k, 2k")
    )
    services.products.add_product(ALICE, None, request.key, request.fields)
    services.objectives.add_objective(ALICE, "GROW", "Grow", Decimal(2))
    services.ranking.set_weights(ALICE, None, parse_weights("roi 40% npv 30% alignment 30%"))
    return services


@pytest.mark.parametrize("measure", ["roi", "risk", "npv", "score"])
def test_rank_runs_the_same_statements_for_3_or_300_products(
    small: Services, clock: Clock, measure: str
) -> None:
    def rank() -> object:
        return small.ranking.rank(CAROL, None, parse.RankRequest(measure, None, None))

    grow(small, clock, products=2, history=0)
    few = statements_for(small, rank)
    grow(small, clock, products=300, history=0)
    many = statements_for(small, rank)
    assert len(few) == len(many) <= 8, many


def test_show_runs_the_same_statements_whatever_the_history(small: Services, clock: Clock) -> None:
    def show() -> object:
        return small.products.show(CAROL, "CHK")

    grow(small, clock, products=0, history=2)
    few = statements_for(small, show)
    grow(small, clock, products=100, history=60)
    many = statements_for(small, show)
    assert len(few) == len(many) <= 12, many
    card = show()
    assert len(card.updates) == 5 and len(card.latest_feedback) == 3  # type: ignore[attr-defined]
