"""The weighted score's page from SQL equals the full ranking's, values and explanations too."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, update

from domain.commands.portfolio import RankRequest
from domain.models import Objective, Portfolio, Product, ProductObjective
from domain.queries import scored
from domain.ranking import Weights
from domain.services import Services
from domain.services.access import portfolio_for
from domain.store import Store
from domain.views import Actor
from tests.integration.test_ranking_keys import both_ways
from tests.support.portfolios import fill, portfolios

MODEST = st.one_of(
    st.sampled_from([Decimal(v) for v in ("0", "0.01", "1", "3", "7", "100", "300", "-50")]),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
)
HUGE = Decimal("99999999999999.99")  # keys beyond 2^53 buckets: the score ranks in full
CONFIDENCES = st.sampled_from([Decimal(v) for v in ("0", "0.3333", "0.5", "0.6667", "1")])
FLOWS = st.lists(st.sampled_from([Decimal(v) for v in ("-100", "0", "40", "55.55", "120")]))
OBJECTIVE_WEIGHTS = [Decimal(v) for v in ("1", "0.5", "0.3333", "2.5", "0")]
WEIGHT_SETS = st.sampled_from(
    [
        {"roi": "0.3", "risk": "0.3", "npv": "0.2", "alignment": "0.2"},
        {"roi": "1"},
        {"alignment": "1"},
        {"npv": "0.6", "alignment": "0.4"},
        {"risk": "0.3333", "roi": "0.3333", "alignment": "0.3334"},
        {"npv": "1"},
    ]
)


def product(amounts: st.SearchStrategy[Decimal]) -> Callable[[st.DrawFn], dict[str, object]]:
    def fields(draw: st.DrawFn) -> dict[str, object]:
        return {
            "investment": draw(amounts),
            "expected_return": draw(amounts),
            "confidence": draw(CONFIDENCES),
            "cashflows": [str(c) for c in draw(FLOWS)],
        }

    return fields


def link(store: Store, team: str, links: list[set[int]], weights: dict[str, str]) -> None:
    """Objectives (one of each weight), the products' links to them, the score's weights."""
    with store.transaction(team) as tenant:
        objectives = [
            Objective(key=f"O{i}", title=f"O{i}", weight=w) for i, w in enumerate(OBJECTIVE_WEIGHTS)
        ]
        tenant.add_all(objectives)
        tenant.flush()
        ids = tenant.scalars(select(Product.id).order_by(Product.key))
        rows = [
            {"product_id": pid, "objective_id": objectives[o].id, "team_id": team}
            for pid, chosen in zip(ids, links, strict=False)
            for o in sorted(chosen)
        ]
        if rows:
            tenant.execute(insert(ProductObjective), rows)
        tenant.execute(update(Portfolio).values(weights=weights))


def postgresql(store: Store) -> bool:
    return store.engine.dialect.name == "postgresql"


def taken_in_sql(services: Services, store: Store, team: str, request: RankRequest) -> bool:
    with store.read(team) as tenant:
        portfolio = portfolio_for(tenant, None)
        return services.ranking._rank_by_score(tenant, portfolio, request) is not None


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=portfolios(product(st.one_of(MODEST, st.just(HUGE)))),
    links=st.lists(st.sets(st.integers(0, len(OBJECTIVE_WEIGHTS) - 1), max_size=3), max_size=30),
    weights=WEIGHT_SETS,
    top=st.one_of(st.none(), st.integers(min_value=1, max_value=12)),
    category=st.one_of(st.none(), st.sampled_from(["growth", "Core", "ünï", "Nope"])),
    start=st.integers(min_value=1, max_value=12),
)
def test_the_score_page_equals_the_full_ranking(
    services: Services,
    store: Store,
    rows: list[dict[str, object]],
    links: list[set[int]],
    weights: dict[str, str],
    top: int | None,
    category: str | None,
    start: int,
) -> None:
    team = fill(store, rows, prefix="T0SCORE")
    link(store, team, links, weights)
    request = RankRequest("score", top, category, start)
    both_ways(services, store, team, request)
    modest = all(r["investment"] != HUGE and r["expected_return"] != HUGE for r in rows)
    if modest and rows and category is None and start == 1:
        assert taken_in_sql(services, store, team, request)


def test_ties_rank_by_key_and_values_near_a_half_are_placed_exactly(
    services: Services, store: Store
) -> None:
    # ROI buckets 0..20,000 with weight 1: a bucket of 1 scores exactly 0.00005, a half
    # bucket the floats cannot be trusted with; equal buckets tie and rank by key.
    buckets = {"LOW": 0, "TOP": 20_000, "HALFA": 1, "HALFB": 1, "MID": 10_000, "MIDB": 10_000}
    rows = [
        {
            "key": key,
            "investment": Decimal(10_000),
            "expected_return": Decimal(10_000 + bucket),  # ROI = bucket / 10^4
            "confidence": Decimal(1),
            "category": "Core",
            "archived": False,
        }
        for key, bucket in buckets.items()
    ]
    team = fill(store, rows, prefix="T0SCORE")
    link(store, team, [], {"roi": "1"})
    with store.read(team) as tenant:
        portfolio = portfolio_for(tenant, None)
        weights = Weights(roi=Decimal(1))
        bounds = scored.score_bounds(tenant, portfolio, ["roi"])
        assert bounds == {"roi": (0, 20_000)}
        unsure = scored.score_window(
            tenant, portfolio, weights, bounds, skip=0, limit=6, postgresql=postgresql(store)
        )[0]
    assert sorted(r.item.key for r in unsure) == ["HALFA", "HALFB"]
    view = services.ranking.rank(
        Actor(team_id=team, user_id="U0R"), None, RankRequest("score", None, None)
    )
    assert [(r.key, r.value) for r in view.rows] == [
        ("TOP", Decimal("1.0000")),
        ("MID", Decimal("0.5000")),
        ("MIDB", Decimal("0.5000")),
        ("HALFA", Decimal("0.0001")),
        ("HALFB", Decimal("0.0001")),
        ("LOW", Decimal("0.0000")),
    ]
    for request in (
        RankRequest("score", None, None),
        RankRequest("score", 2, None, 2),
        RankRequest("score", None, None, 4),
        RankRequest("score", 5, None, 4),
    ):
        assert taken_in_sql(services, store, team, request)
        both_ways(services, store, team, request)


def test_a_stale_key_ranks_the_score_in_full(services: Services, store: Store) -> None:
    rows = [
        {"key": k, "investment": Decimal(1), "expected_return": Decimal(r), "confidence": 1}
        for k, r in (("A", 2), ("B", 3), ("C", 4))
    ]
    team = fill(store, [{**r, "category": "Core", "archived": False} for r in rows])
    link(store, team, [], {"roi": "1"})
    with store.transaction(team) as tenant:  # a write that bypassed the keys (there is none)
        tenant.execute(update(Product).where(Product.key == "A").values(roi_key=-99_999))
    request = RankRequest("score", None, None)
    assert not taken_in_sql(services, store, team, request)
    view = services.ranking.rank(Actor(team_id=team, user_id="U0R"), None, request)
    assert [r.key for r in view.rows] == ["C", "B", "A"]


def test_unsure_rows_deep_in_a_page_are_placed_exactly(
    services: Services, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ROI alone, buckets 0..20,000: every odd bucket scores an exact half (unsure), every
    # even one is sure; many ties. With room for 25 unsure rows, a page from position 30
    # reads the sure rows from an offset past the start, and the unsure ones around it.
    rng = random.Random(7)
    buckets = [20_000, 0, *(rng.randrange(0, 60) for _ in range(38))]
    rows = [
        {
            "key": f"K{index:02d}{'AB'[index % 2]}",
            "investment": Decimal(10_000),
            "expected_return": Decimal(10_000 + bucket),
            "confidence": Decimal(1),
            "category": "Core",
            "archived": False,
        }
        for index, bucket in enumerate(buckets)
    ]
    team = fill(store, rows, prefix="T0SCORE")
    link(store, team, [], {"roi": "1"})
    unsure = sum(1 for b in buckets if b % 2)
    monkeypatch.setattr(scored, "MAX_UNSURE", unsure + 1)
    with store.read(team) as tenant:
        portfolio = portfolio_for(tenant, None)
        bounds = scored.score_bounds(tenant, portfolio, ["roi"])
        near, _, offset, _ = scored.score_window(
            tenant,
            portfolio,
            Weights(roi=Decimal(1)),
            bounds,
            skip=unsure + 4,
            limit=5,
            postgresql=postgresql(store),
        )
    assert len(near) == unsure and offset > 0
    for start in (1, 2, unsure, unsure + 4, 36, 40):
        for top in (None, 38) if start <= 38 else (None,):
            request = RankRequest("score", top, None, start)
            assert taken_in_sql(services, store, team, request)
            both_ways(services, store, team, request)
    monkeypatch.setattr(scored, "MAX_UNSURE", unsure - 1)  # too many: ranked in full
    assert not taken_in_sql(services, store, team, RankRequest("score", None, None))
    both_ways(services, store, team, RankRequest("score", None, None, 3))
