"""The value distribution against enumeration, and the simulation against the exact answer."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.uncertainty.distribution import Driver, ValueForecast, forecast, simulate
from domain.uncertainty.outcomes import Bet, known, moments


def bets_for(seed: int, count: int, unit: int = 10_000) -> list[Bet]:
    rng = random.Random(seed)
    return [
        Bet(
            f"P{i:02d}",
            "Growth",
            Decimal(rng.randint(1, 40) * unit),
            Decimal(rng.randint(0, 90) * unit),
            Decimal(rng.randint(5, 95)) / 100,
        )
        for i in range(count)
    ]


def enumerate_values(bets: list[Bet]) -> list[tuple[Decimal, Fraction, tuple[bool, ...]]]:
    """Every combination of successes, its value and its exact probability."""
    rows = []
    for outcome in itertools.product((False, True), repeat=len(bets)):
        chance = Fraction(1)
        value = Decimal(0)
        for bet, won in zip(bets, outcome, strict=True):
            p = Fraction(bet.p)
            chance *= p if won else 1 - p
            value += bet.success if won else bet.failure
        rows.append((value, chance, outcome))
    return rows


def quantile(rows: list[tuple[Decimal, Fraction, tuple[bool, ...]]], q: Fraction) -> Decimal:
    total = Fraction(0)
    for value, chance, _ in sorted(rows, key=lambda r: r[0]):
        total += chance
        if total >= q:
            return value
    raise AssertionError("probabilities do not add up to 1")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exact_quantiles_and_odds_match_enumeration(seed: int) -> None:
    bets = bets_for(seed, 12)
    target = Decimal(300_000)
    result = forecast(bets, target=target)
    rows = enumerate_values(bets)
    assert result.method == "exact" and result.error == 0
    assert result.p10 == quantile(rows, Fraction(1, 10))
    assert result.p50 == quantile(rows, Fraction(1, 2))
    assert result.p90 == quantile(rows, Fraction(9, 10))
    reach = sum((c for v, c, _ in rows if v >= target), Fraction(0))
    assert result.chance == pytest.approx(float(reach), abs=1e-12)
    loss = sum((c for v, c, _ in rows if v < 0), Fraction(0))
    assert result.loss_chance == pytest.approx(float(loss), abs=1e-12)
    assert result.mean == moments(bets).mean


def test_downside_drivers_are_the_exact_tail_shortfall_shares() -> None:
    bets = bets_for(4, 11)
    result = forecast(bets)
    rows = enumerate_values(bets)
    tail = [r for r in rows if r[0] <= result.p10]
    mass = sum((c for _, c, _ in tail), Fraction(0))
    for driver in result.drivers:
        i = next(i for i, b in enumerate(bets) if b.key == driver.key)
        bet = bets[i]
        failed = sum((c for _, c, won in tail if not won[i]), Fraction(0)) / mass
        assert driver.failure_in_tail == pytest.approx(float(failed), abs=1e-9)
        expected_shortfall = float(bet.payoff) * (float(failed) - (1 - float(bet.p)))
        assert float(driver.shortfall) == pytest.approx(expected_shortfall, abs=0.02)
    shortfalls = [d.shortfall for d in result.drivers]
    assert shortfalls == sorted(shortfalls, reverse=True) and len(shortfalls) <= 5
    everyone = sum(
        float(b.payoff)
        * (
            float(sum((c for _, c, won in tail if not won[i]), Fraction(0)) / mass)
            - (1 - float(b.p))
        )
        for i, b in enumerate(bets)
    )
    assert float(result.tail_shortfall) == pytest.approx(everyone, rel=1e-9)


def test_known_outcomes_count_at_their_realised_value() -> None:
    bets = bets_for(5, 6)
    done = known(bets[0], Decimal(123_456))
    result = forecast([done, *bets[1:]])
    rows = enumerate_values(bets[1:])
    shift = done.success
    assert result.p50 == quantile(rows, Fraction(1, 2)) + shift
    assert all(d.key != done.key for d in result.drivers)


def test_a_fine_lattice_is_rounded_with_a_bound_that_holds() -> None:
    rng = random.Random(6)
    bets = [
        Bet(
            f"Q{i}",
            "Core",
            Decimal(rng.randint(1000, 9000)),
            Decimal(rng.randint(100_000, 900_000)) + Decimal(rng.randint(1, 99)) / 100,
            Decimal(rng.randint(10, 90)) / 100,
        )
        for i in range(12)
    ]
    result = forecast(bets, max_cells=4096, method="bounded")
    assert result.method == "bounded" and result.error > 0
    rows = enumerate_values(bets)
    for q, shown in ((Fraction(1, 10), result.p10), (Fraction(1, 2), result.p50)):
        assert abs(quantile(rows, q) - shown) <= result.error


def test_the_simulation_agrees_with_the_exact_answer_within_its_standard_error() -> None:
    bets = bets_for(7, 40)
    target = Decimal(1_500_000)
    exact = forecast(bets, target=target)
    simulated = simulate(bets, target=target, samples=40_000, seed=11)
    assert exact.method == "exact" and simulated.method == "simulated"
    assert simulated.samples == 40_000 and simulated.standard_error > 0
    for mine, truth in ((simulated.p10, exact.p10), (simulated.p50, exact.p50)):
        assert abs(mine - truth) <= 4 * simulated.standard_error + exact.resolution
    assert exact.chance is not None and simulated.chance is not None
    assert abs(simulated.chance - exact.chance) <= 4 * simulated.chance_error
    assert simulate(bets, target=target, samples=40_000, seed=11) == simulated


def test_too_fine_a_lattice_with_too_loose_a_bound_is_simulated() -> None:
    rng = random.Random(8)
    bets = [
        Bet(
            f"R{i}",
            "Core",
            Decimal(10),
            Decimal(rng.randint(10**6, 10**7)) + Decimal("0.01"),
            Decimal("0.5"),
        )
        for i in range(30)
    ]
    assert forecast(bets, max_cells=64, samples=2_000).method == "simulated"


def test_nothing_uncertain_is_a_single_value() -> None:
    result = forecast(
        [Bet("A", "Core", Decimal(100), Decimal(0), Decimal("0.7"))], target=Decimal(0)
    )
    assert (result.p10, result.p50, result.p90) == (Decimal(-100), Decimal(-100), Decimal(-100))
    assert result.chance == 0.0 and result.loss_chance == 1.0 and result.drivers == ()


@st.composite
def small(draw: st.DrawFn) -> list[Bet]:
    return [
        Bet(
            f"H{i}",
            "Core",
            Decimal(draw(st.integers(0, 50)) * 100),
            Decimal(draw(st.integers(0, 80)) * 100),
            Decimal(draw(st.integers(0, 100))) / 100,
        )
        for i in range(draw(st.integers(1, 6)))
    ]


@settings(max_examples=80, deadline=None)
@given(bets=small(), target=st.integers(-3000, 6000))
def test_any_small_portfolio_matches_enumeration(bets: list[Bet], target: int) -> None:
    result: ValueForecast = forecast(bets, target=Decimal(target))
    rows = enumerate_values(bets)
    assert result.p10 == quantile(rows, Fraction(1, 10))
    assert result.p90 == quantile(rows, Fraction(9, 10))
    reach = sum((c for v, c, _ in rows if v >= target), Fraction(0))
    assert result.chance == pytest.approx(float(reach), abs=1e-9)
    assert all(isinstance(d, Driver) and d.shortfall > 0 for d in result.drivers)
