"""Fill a new workspace's one portfolio with products straight through the store, for the
ranking-key, NPV-key and balance tests, and the Hypothesis strategy drawing such products."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from hypothesis import strategies as st
from sqlalchemy import insert, select

from domain.models import Portfolio, Product, Workspace
from domain.store import Store

# Each prefix numbers its own teams: T0KEYS0, T0KEYS1, … and T0BAL0, T0BAL1, …
_teams: defaultdict[str, itertools.count[int]] = defaultdict(itertools.count)

KEYS = st.from_regex(r"\A[A-Z][A-Z0-9]{1,3}\Z", fullmatch=True)
CATEGORIES = st.sampled_from(["Growth", "growth", "Core", "Ünï"])


def portfolios(
    fields: Callable[[st.DrawFn], dict[str, object]],
) -> st.SearchStrategy[list[dict[str, object]]]:
    """Up to 30 products of distinct keys for `fill`: each its `fields`, then a category and
    (one in four) archived."""

    @st.composite
    def rows(draw: st.DrawFn) -> list[dict[str, object]]:
        keys = draw(st.lists(KEYS, min_size=0, max_size=30, unique=True))
        return [
            {
                "key": key,
                **fields(draw),
                "category": draw(CATEGORIES),
                "archived": draw(st.booleans()) and draw(st.booleans()),
            }
            for key in keys
        ]

    return rows()


def fill(
    store: Store,
    rows: list[dict[str, object]],
    *,
    orm: bool = False,
    rate: Decimal = Decimal("0.08"),
    prefix: str = "T0KEYS",
) -> str:
    """A new workspace with one portfolio holding these products (ORM or Core inserts).

    A row is a product's columns (named after its key), with `archived` (archived when the
    portfolio was made) for `archived_at` and no cash flows unless it gives them.
    """
    team = f"{prefix}{next(_teams[prefix])}"
    with store.system() as system:
        system.execute(insert(Workspace), [{"team_id": team}])
        system.execute(
            insert(Portfolio),
            [{"team_id": team, "name": "P", "is_default": True, "discount_rate": rate}],
        )
    with store.transaction(team) as tenant:
        portfolio = tenant.first(select(Portfolio))
        assert portfolio is not None
        values = [
            {name: value for name, value in row.items() if name != "archived"}
            | {
                "team_id": team,
                "portfolio_id": portfolio.id,
                "name": row["key"],
                "cashflows": row.get("cashflows", []),
                "archived_at": portfolio.created_at if row["archived"] else None,
            }
            for row in rows
        ]
        if orm:
            tenant.add_all(Product(**v) for v in values)
        elif values:
            tenant.execute(insert(Product), values)
    return team


def move_to_another_portfolio(store: Store, team: str, key: str) -> None:
    """Move a product (by key) to another of the workspace's portfolios, through the ORM."""
    with store.transaction(team) as tenant:
        product = tenant.first(select(Product).where(Product.key == key))
        assert product is not None
        others = tenant.scalars(select(Portfolio.id).where(Portfolio.id != product.portfolio_id))
        product.portfolio_id = others[0]
