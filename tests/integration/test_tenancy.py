"""Tenancy is enforced by the session: a statement that forgets team_id sees one workspace."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, update

from domain.models import Portfolio, Product, RoadmapItem, Workspace
from domain.store import Store
from tests.conftest import OTHER_TEAM, TEAM


def seed(store: Store, team: str, keys: tuple[str, ...]) -> list[int]:
    """A workspace with one portfolio holding products with these keys; their ids."""
    with store.transaction(team) as tenant:
        tenant.add(Workspace(team_id=team))
        tenant.flush()
        portfolio = Portfolio(name="Products", currency="USD")
        tenant.add(portfolio)
        tenant.flush()
        products = [
            Product(
                key=key,
                name=key.title(),
                portfolio_id=portfolio.id,
                investment=Decimal(100),
                expected_return=Decimal(300),
                confidence=Decimal("0.5"),
                category="Core",
                stage="ideation",
                health="on track",
            )
            for key in keys
        ]
        tenant.add_all(products)
        tenant.flush()
        tenant.add_all(
            RoadmapItem(product_id=p.id, number=1, title="First", status="idea") for p in products
        )
        return [p.id for p in products]


@pytest.fixture
def two_workspaces(store: Store) -> tuple[list[int], list[int]]:
    return seed(store, TEAM, ("CHK", "MOB")), seed(store, OTHER_TEAM, ("EVIL", "LEAK", "SPY"))


def test_unscoped_select_sees_only_its_workspace(
    store: Store, two_workspaces: tuple[list[int], list[int]]
) -> None:
    with store.transaction(TEAM) as tenant:
        assert sorted(p.key for p in tenant.all(select(Product))) == ["CHK", "MOB"]
        assert sorted(tenant.scalars(select(Product.key))) == ["CHK", "MOB"]
        assert tenant.scalar(select(func.count()).select_from(Product)) == 2
        assert tenant.scalar(select(func.count(RoadmapItem.id))) == 2


def test_subqueries_and_joins_are_scoped_too(
    store: Store, two_workspaces: tuple[list[int], list[int]]
) -> None:
    ours, theirs = two_workspaces
    with store.transaction(TEAM) as tenant:
        newest = select(func.max(Product.id).label("newest")).subquery()
        assert tenant.scalar(select(newest.c.newest)) == max(ours)
        joined = tenant.execute(
            select(Product.key, RoadmapItem.number).join(
                RoadmapItem, RoadmapItem.product_id == Product.id
            )
        ).all()
        assert sorted(key for key, _ in joined) == ["CHK", "MOB"]
        assert tenant.all(select(Product).where(Product.id.in_(theirs))) == []


def test_get_by_another_workspaces_id_returns_nothing(
    store: Store, two_workspaces: tuple[list[int], list[int]]
) -> None:
    ours, theirs = two_workspaces
    with store.transaction(TEAM) as tenant:
        assert tenant.get(Product, theirs[0]) is None
        assert tenant.get(Product, ours[0]) is not None
    with store.transaction(OTHER_TEAM) as tenant:
        # Loaded into the identity map first: get answers without SQL, and is still checked.
        tenant.all(select(Product))
        assert tenant.get(Product, ours[0]) is None


def test_bulk_update_and_delete_touch_only_their_workspace(
    store: Store, two_workspaces: tuple[list[int], list[int]]
) -> None:
    with store.transaction(OTHER_TEAM) as tenant:
        tenant.execute(update(Product).values(name="pwned"))
        tenant.execute(delete(RoadmapItem))
    with store.transaction(TEAM) as tenant:
        assert sorted(tenant.scalars(select(Product.name))) == ["Chk", "Mob"]
        assert tenant.scalar(select(func.count(RoadmapItem.id))) == 2


def test_a_row_of_another_workspace_is_never_written(
    store: Store, two_workspaces: tuple[list[int], list[int]]
) -> None:
    with pytest.raises(PermissionError), store.transaction(TEAM) as tenant:
        tenant.add(Portfolio(team_id=OTHER_TEAM, name="Smuggled", currency="USD"))
    with store.system() as system:
        assert system.all(select(Portfolio).where(Portfolio.name == "Smuggled")) == []


def test_the_system_path_sees_every_workspace(
    store: Store, two_workspaces: tuple[list[int], list[int]]
) -> None:
    with store.system() as system:
        assert system.scalar(select(func.count()).select_from(Product)) == 5


def test_a_read_only_use_case_sees_its_workspace_and_cannot_write(
    store: Store, two_workspaces: tuple[list[int], list[int]]
) -> None:
    with store.read(TEAM) as tenant:
        assert sorted(tenant.scalars(select(Product.key))) == ["CHK", "MOB"]
    with store.read(TEAM) as tenant:
        tenant.add(Portfolio(name="Sneaky", currency="USD"))
        with pytest.raises(PermissionError):
            tenant.flush()


def test_workspaces_taking_turns_each_see_only_their_own(
    store: Store, two_workspaces: tuple[list[int], list[int]]
) -> None:
    """The per-workspace criteria are built once and shared, and the compiled SQL is shared
    by every workspace: each statement still binds its own session's team_id."""
    expected = {TEAM: ["CHK", "MOB"], OTHER_TEAM: ["EVIL", "LEAK", "SPY"]}
    for team in (TEAM, OTHER_TEAM, TEAM, OTHER_TEAM, TEAM):
        with store.read(team) as tenant:
            assert sorted(tenant.scalars(select(Product.key))) == expected[team]
        with store.transaction(team) as tenant:
            assert sorted(p.key for p in tenant.all(select(Product))) == expected[team]
    with store.read("T0NOBODY") as tenant:
        assert tenant.scalars(select(Product.key)) == []
