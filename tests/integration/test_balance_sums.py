"""`/portfolio balance` from the database's sums equals the balance of every product read."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from domain.balance import BalanceInput, balance
from domain.models import Product
from domain.services import Services
from domain.store import Store
from domain.views import Actor
from tests.support import portfolios

MONEY = st.one_of(
    st.sampled_from([Decimal(v) for v in ("0", "0.01", "0.05", "1", "333.33", "-50.10")]),
    st.decimals(min_value=-(10**6), max_value=10**9, places=2, allow_nan=False),
)
HUGE = st.sampled_from(
    [Decimal(v) for v in ("9999999999999999.99", "1000000000000.01", "999999999999.99")]
)
CONFIDENCES = st.one_of(
    st.sampled_from([Decimal(v) for v in ("0", "0.3333", "0.5", "0.6667", "1")]),
    st.decimals(min_value=0, max_value=1, places=4, allow_nan=False),
)
NAMES = {
    "category": st.sampled_from(["Growth", "growth", " Growth ", "Core", "", "Ünï"]),
    "stage": st.sampled_from(["ideation", "research", "development", "Launch", "in-flight"]),
    "health": st.sampled_from(["on track", "at risk", "off_track", "Off Track", "unknown"]),
}


@st.composite
def products(draw: st.DrawFn, money: st.SearchStrategy[Decimal]) -> list[dict[str, object]]:
    count = draw(st.integers(min_value=0, max_value=25))
    return [
        {
            "key": f"P{number}",
            "investment": draw(money),
            "expected_return": draw(money),
            "confidence": draw(CONFIDENCES),
            "archived": draw(st.booleans()) and draw(st.booleans()),
            **{name: draw(values) for name, values in NAMES.items()},
        }
        for number in range(count)
    ]


def fill(store: Store, rows: list[dict[str, object]]) -> str:
    """A new workspace whose one portfolio holds these products (a Core insert)."""
    return portfolios.fill(store, rows, prefix="T0BAL")


def every_product(store: Store, team: str) -> list[BalanceInput]:
    """The reference: each active product as the database gives it back, one by one."""
    with store.read(team) as tenant:
        return [
            BalanceInput(*row)
            for row in tenant.execute(
                select(
                    Product.key,
                    Product.category,
                    Product.stage,
                    Product.health,
                    Product.investment,
                    Product.expected_return,
                    Product.confidence,
                ).where(Product.archived_at.is_(None))
            )
        ]


def agree(services: Services, store: Store, team: str) -> None:
    items = every_product(store, team)
    for by in ("category", "stage", "health"):
        view = services.planning.balance(Actor(team_id=team, user_id="U0READER"), None, by)
        expected = balance(items, by)
        assert view.report == expected
        assert [str(g.investment) for g in view.report.groups] == [
            str(g.investment) for g in expected.groups
        ]
        assert view.product_count == len(items)


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=products(MONEY))
def test_the_sums_equal_the_balance_of_every_product(
    services: Services, store: Store, rows: list[dict[str, object]]
) -> None:
    agree(services, store, fill(store, rows))


@settings(
    max_examples=10,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=products(st.one_of(MONEY, HUGE)))
def test_amounts_too_large_for_sqlites_integer_sums_still_balance_exactly(
    services: Services, store: Store, rows: list[dict[str, object]]
) -> None:
    """Beyond a float's cents or a 64-bit sum, the figures are still those of every product."""
    agree(services, store, fill(store, rows))


def test_a_portfolio_of_many_products_is_summed_in_a_few_rows(
    services: Services, store: Store
) -> None:
    rows: list[dict[str, object]] = [
        {
            "key": f"P{n}",
            "investment": Decimal(n * 1000 + 1) / 100,
            "expected_return": Decimal(n * 3000 + 7) / 100,
            "confidence": Decimal("0.3333"),
            "archived": n % 7 == 0,
            "category": ("Growth", "Core", "Data")[n % 3],
            "stage": ("ideation", "development")[n % 2],
            "health": ("on track", "at risk")[n % 5 == 0],
        }
        for n in range(3_000)
    ]
    team = fill(store, rows)
    agree(services, store, team)
    view = services.planning.balance(Actor(team_id=team, user_id="U0READER"), None, "category")
    assert view.product_count == 3_000 - 429
