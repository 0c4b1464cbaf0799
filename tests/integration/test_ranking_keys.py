"""ROI, risk and NPV rankings read their page by stored keys: the same page as ranking in full."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from domain import finance, queries
from domain.commands.portfolio import ProductFields, RankRequest
from domain.errors import InvalidInput, NotFound
from domain.models import Portfolio, Product
from domain.ranking.keys import CLAMPED, NO_VALUE, measure_keys, order_key
from domain.services import Services
from domain.services.access import portfolio_for
from domain.store import Store
from domain.views import Actor, RankingView
from tests.conftest import ALICE, TEAM
from tests.integration.test_analytics_service import run
from tests.support.portfolios import fill, portfolios

AMOUNTS = st.one_of(
    st.sampled_from(
        [Decimal(v) for v in ("0", "0.01", "1", "3", "7", "100", "300", "1000000.01", "-50")]
    ),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
    # beyond ±2^62 buckets: clamped keys, ranked in full
    st.just(Decimal("99999999999999.99")),
)
CONFIDENCES = st.one_of(
    st.sampled_from([Decimal(v) for v in ("0", "0.3333", "0.5", "0.6667", "1")]),
    st.decimals(min_value=0, max_value=1, places=4, allow_nan=False),
)


def amount_fields(draw: st.DrawFn) -> dict[str, object]:
    """A product's amounts (clamped ones too) and confidence."""
    return {
        "investment": draw(AMOUNTS),
        "expected_return": draw(AMOUNTS),
        "confidence": draw(CONFIDENCES),
    }


def both_ways(services: Services, store: Store, team: str, request: RankRequest) -> None:
    """The keyed page equals the full ranking's (or both refuse alike)."""
    actor = Actor(team_id=team, user_id="U0READER")
    fast: RankingView | Exception
    full: RankingView | Exception
    try:
        fast = services.ranking.rank(actor, None, request)
    except (InvalidInput, NotFound) as error:
        fast = error
    with store.read(team) as tenant:
        portfolio = portfolio_for(tenant, None)
        measure = request.measure or portfolio.ranking_measure
        try:
            full = services.ranking._rank_in_full(tenant, portfolio, measure, request)
        except (InvalidInput, NotFound) as error:
            full = error
    if isinstance(full, Exception):
        assert type(fast) is type(full)
        assert str(fast) == str(full)
        return
    assert isinstance(fast, RankingView)
    assert fast == full
    assert [str(r.value) for r in fast.rows] == [str(r.value) for r in full.rows]
    assert str(fast.total_investment) == str(full.total_investment)


def keys_are_true(store: Store, team: str) -> None:
    """Every product's stored keys are those of its inputs, and the kept totals are true.

    The NPV key is recomputed as the full ranking computes NPV: the cash flows read back as
    `product_facts` reads them, at the portfolio's discount rate as a read session sees it.
    """
    with store.read(team) as tenant:
        for portfolio in tenant.all(select(Portfolio)):
            kept = queries.kept_totals(tenant, portfolio)
            active = tenant.execute(
                select(Product.investment, Product.expected_return).where(
                    Product.portfolio_id == portfolio.id, Product.archived_at.is_(None)
                )
            ).all()
            if kept is not None:
                assert kept.count == len(active)
                assert kept.unavailable == sum(1 for i, _ in active if i == 0)
                assert kept.investment == sum((i for i, _ in active), Decimal(0))
                assert kept.expected_return == sum((r for _, r in active), Decimal(0))
            kept_npv = queries.kept_totals(tenant, portfolio, "npv")
            if kept_npv is not None:
                flowless = tenant.scalars(
                    select(Product.cashflows).where(
                        Product.portfolio_id == portfolio.id, Product.archived_at.is_(None)
                    )
                )
                assert kept_npv.unavailable == sum(1 for c in flowless if not c)
        rows = tenant.execute(
            select(
                Product.key,
                Product.investment,
                Product.expected_return,
                Product.confidence,
                Product.roi_key,
                Product.risk_key,
            )
        ).all()
        rates = dict(tenant.execute(select(Portfolio.id, Portfolio.discount_rate)).all())
        flows = tenant.execute(
            select(Product.key, Product.portfolio_id, Product.cashflows, Product.npv_key)
        ).all()
    for key, investment, back, confidence, roi_key, risk_key in rows:
        assert (roi_key, risk_key) == measure_keys(investment, back, confidence), key
    for key, portfolio_id, stored, npv_key in flows:
        cashflows = tuple(Decimal(c) for c in stored or ())
        value = finance.npv(rates[portfolio_id], cashflows) if cashflows else None
        assert npv_key == order_key(value, "npv"), key


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=portfolios(amount_fields),
    measure=st.sampled_from(["roi", "risk"]),
    top=st.one_of(st.none(), st.integers(min_value=1, max_value=12)),
    category=st.one_of(st.none(), st.sampled_from(["growth", "Core", "ünï", "Nope"])),
    start=st.integers(min_value=1, max_value=12),
    orm=st.booleans(),
)
def test_keyed_page_equals_the_full_ranking(
    services: Services,
    store: Store,
    rows: list[dict[str, object]],
    measure: str,
    top: int | None,
    category: str | None,
    start: int,
    orm: bool,
) -> None:
    team = fill(store, rows, orm=orm)
    keys_are_true(store, team)
    both_ways(services, store, team, RankRequest(measure, top, category, start))


def test_ties_and_values_equal_after_rounding_rank_by_key(services: Services, store: Store) -> None:
    rows = [
        {"key": k, "investment": Decimal(i), "expected_return": Decimal(r), "confidence": c}
        for k, i, r, c in (
            ("ZED", "3", "4", Decimal("0.5")),  # 0.33333… → 0.3333
            ("ABC", "30000", "40000", Decimal("0.5")),  # 0.3333… too
            ("MID", "3", "4.00", Decimal("0.5")),
            ("NONE", "0", "10", Decimal("0.5")),
            ("AAA", "0", "0", Decimal("0.5")),
        )
    ]
    team = fill(store, [{**r, "category": "Core", "archived": False} for r in rows], orm=True)
    view = services.ranking.rank(
        Actor(team_id=team, user_id="U0R"), None, RankRequest("roi", None, None)
    )
    assert [r.key for r in view.rows] == ["ABC", "MID", "ZED", "AAA", "NONE"]
    assert [r.value for r in view.rows][:3] == [Decimal("0.3333")] * 3
    assert view.unavailable == 2
    with store.read(team) as tenant:  # the page came by the keys, not the full path
        portfolio = portfolio_for(tenant, None)
        keyed = services.ranking._rank_by_key(tenant, portfolio, "roi", RankRequest("roi", 2, None))
    assert keyed is not None
    assert [r.key for r in keyed.rows] == ["ABC", "MID"]
    for request in (RankRequest("roi", 2, None), RankRequest("risk", None, None, 3)):
        both_ways(services, store, team, request)


def test_clamped_keys_rank_in_full(services: Services, store: Store) -> None:
    rows = [
        {"key": k, "investment": Decimal(i), "expected_return": Decimal(r), "confidence": 1}
        for k, i, r in (
            ("HUGE", "0.01", "9999999999999999.99"),
            ("HUGER", "0.01", "9999999999999999.98"),
            ("SMALL", "1", "2"),
        )
    ]
    team = fill(store, [{**r, "category": "Core", "archived": False} for r in rows], orm=False)
    with store.read(team) as tenant:
        stored = dict(tenant.execute(select(Product.key, Product.roi_key)).all())
    assert stored["HUGE"] == stored["HUGER"] == CLAMPED[0]
    view = services.ranking.rank(
        Actor(team_id=team, user_id="U0R"), None, RankRequest("roi", None, None)
    )
    assert [r.key for r in view.rows] == ["HUGE", "HUGER", "SMALL"]


def test_every_write_path_keeps_the_keys_true(demo: Services, store: Store) -> None:
    keys_are_true(store, TEAM)
    with store.read(TEAM) as tenant:
        assert queries.kept_totals(tenant, portfolio_for(tenant, None)) is not None
    products = demo.products
    products.set_product(ALICE, "CHK", ProductFields(investment=(Decimal("1"), None)))
    products.set_product(ALICE, "CHK", ProductFields(confidence=Decimal("0.123")))
    products.set_product(ALICE, "CHK", ProductFields(expected_return=(Decimal("5.55"), None)))
    keys_are_true(store, TEAM)
    demo.transfer.import_csv(
        ALICE,
        "key,name,investment,expected_return,confidence,category\n"
        "CHK,Checkout 2,150k,$500k,60%,Growth\n"
        "NEWP,New thing,10k,30k,50%,Labs\n"
        "NEWQ,Nothing in,0,30k,50%,Labs\n",
        portfolio=None,
    )
    keys_are_true(store, TEAM)
    products.remove(ALICE, "CHK")
    keys_are_true(store, TEAM)
    products.restore(ALICE, "CHK")
    keys_are_true(store, TEAM)
    with store.transaction(TEAM) as tenant:  # moved to another portfolio, then deleted
        other = Portfolio(name="Other", weights={})
        tenant.add(other)
        tenant.flush()
        moved = tenant.first(select(Product).where(Product.key == "PAY"))
        assert moved is not None
        moved.portfolio_id = other.id
    keys_are_true(store, TEAM)
    with store.transaction(TEAM) as tenant:
        tenant.execute(delete(Product).where(Product.key == "PAY"))
    keys_are_true(store, TEAM)
    with store.read(TEAM) as tenant:
        roi_key = tenant.scalar(select(Product.roi_key).where(Product.key == "CHK"))
    assert roi_key is not None
    assert roi_key != NO_VALUE
    for measure in ("roi", "risk", "npv"):
        both_ways(demo, store, TEAM, RankRequest(measure, None, None))


@pytest.fixture
def demo(services: Services) -> Services:
    """The analytics tests' five products."""
    for text in (
        "setup Products | currency USD | budget 600k | discount 8%",
        "add CHK Checkout | investment 120k | return 400k | confidence 70% | category Growth",
        "add PAY Payments | investment 450k | return 1.2m | confidence 60% | category Platform",
        "add LEG Legacy | investment 90k | return 60k | confidence 90% | category Core",
        "add NIL Nothing | return 60k | category Core",
    ):
        run(services, text)
    return services
