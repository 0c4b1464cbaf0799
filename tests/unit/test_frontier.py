"""The risk–return frontier against brute force over every subset, and its few choices."""

from __future__ import annotations

import ctypes
import os
import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.allocation import AllocationRefused, ShareRule, allocate
from domain.uncertainty import sweep
from domain.uncertainty.frontier import Frontier, FrontierPoint, choices, frontier
from domain.uncertainty.outcomes import Bet, moments

CATEGORIES = ("Growth", "Core", "Platform")


@dataclass(frozen=True)
class Subset:
    keys: tuple[str, ...]
    mean: Decimal
    variance: Decimal


def bets_for(seed: int, count: int) -> list[Bet]:
    """Seeded products: amounts in $10k, confidence in whole per cent."""
    rng = random.Random(seed)
    return [
        Bet(
            f"P{i:02d}",
            rng.choice(CATEGORIES),
            Decimal(rng.randint(5, 60) * 10_000),
            Decimal(rng.randint(0, 200) * 10_000),
            Decimal(rng.randint(5, 95)) / 100,
        )
        for i in range(count)
    ]


def feasible_subsets(bets: list[Bet], budget: Decimal, rules: list[ShareRule]) -> list[Subset]:
    """Every selection within the budget and the rules, of products worth funding (brute force)."""
    found = []
    for mask in range(1 << len(bets)):
        chosen = [b for i, b in enumerate(bets) if mask >> i & 1]
        if any(b.mean <= 0 for b in chosen):
            continue
        if sum((b.cost for b in chosen), Decimal(0)) > budget:
            continue
        ok = True
        for rule in rules:
            spent = sum((b.cost for b in chosen if b.category == rule.category), Decimal(0))
            limit = rule.share * budget
            ok &= spent >= limit if rule.kind == "min" else spent <= limit
        if ok:
            total = moments(chosen)
            found.append(Subset(tuple(b.key for b in chosen), total.mean, total.variance))
    return found


def best_within(subsets: list[Subset], limit: Decimal | None) -> Decimal:
    return max(s.mean for s in subsets if limit is None or s.variance <= limit)


@pytest.mark.parametrize(
    ("seed", "count", "rules"),
    [
        (1, 12, [ShareRule("Growth", Decimal("0.30"), "min")]),
        (2, 13, [ShareRule("Core", Decimal("0.40"), "max")]),
        (
            3,
            14,
            [ShareRule("Growth", Decimal("0.20"), "min"), ShareRule("Core", Decimal("0.5"), "max")],
        ),
    ],
)
def test_every_frontier_point_is_the_best_any_subset_gets_at_its_risk(
    seed: int, count: int, rules: list[ShareRule]
) -> None:
    bets = bets_for(seed, count)
    budget = Decimal(2_000_000)
    result = frontier(bets, budget, rules=rules)
    subsets = feasible_subsets(bets, budget, rules)
    assert len(result.levels) == 20
    for level in result.levels:
        assert level.optimal
        assert level.mean == best_within(subsets, level.limit), level
        assert level.limit is None or level.variance <= level.limit
    least = min(s.variance for s in subsets)
    assert result.least.variance == least or result.least.mean == best_within(subsets, least)


def test_no_subset_dominates_an_efficient_point() -> None:
    bets = bets_for(4, 13)
    budget = Decimal(1_500_000)
    rules = [ShareRule("Platform", Decimal("0.25"), "min")]
    result = frontier(bets, budget, rules=rules)
    subsets = feasible_subsets(bets, budget, rules)
    for point in result.points:
        assert not any(s.variance <= point.variance and s.mean > point.mean for s in subsets)
    risks = [p.variance for p in result.points]
    means = [p.mean for p in result.points]
    assert risks == sorted(risks) and means == sorted(means)
    assert len(set(means)) == len(means)


def test_the_riskiest_end_is_the_allocation_answer() -> None:
    bets = bets_for(5, 30)
    budget = Decimal(1_500_000)
    rules = [ShareRule("Growth", Decimal("0.3"), "min"), ShareRule("Core", Decimal("0.4"), "max")]
    result = frontier(bets, budget, rules=rules)
    answer = allocate([b.candidate() for b in bets], budget, rules=rules)
    assert result.best.mean == answer.total_value
    assert result.best.limit is None
    assert result.best.cost == answer.used


def test_infeasible_rules_are_refused_with_the_allocation_reasons() -> None:
    bets = bets_for(6, 8)
    rules = [ShareRule("Growth", Decimal("0.99"), "min")]
    with pytest.raises(AllocationRefused) as from_frontier:
        frontier(bets, Decimal(100_000_000), rules=rules, currency="EUR")
    with pytest.raises(AllocationRefused) as from_allocate:
        allocate([b.candidate() for b in bets], Decimal(100_000_000), rules=rules)
    assert from_frontier.value.reasons == from_allocate.value.reasons
    assert from_frontier.value.currency == "EUR"


def test_nothing_worth_funding_gives_a_single_empty_point() -> None:
    bets = [Bet("BAD", "Core", Decimal(100), Decimal(50), Decimal("0.5"))]
    result = frontier(bets, Decimal(1000))
    assert result.points == (result.best,)
    assert result.best.funded == () and result.best.mean == 0


MEDIUM_RULES = [
    ShareRule("Growth", Decimal("0.30"), "min"),
    ShareRule("Core", Decimal("0.35"), "max"),
]


def levels_of(result: Frontier) -> list[tuple[Decimal, Decimal, Decimal | None, bool]]:
    return [(p.mean, p.variance, p.limit, p.optimal) for p in result.levels]


@pytest.mark.parametrize(("seed", "core"), [(7, sweep._CORE), (8, sweep._CORE), (8, 6)])
def test_the_fast_sweep_equals_one_milp_per_level(
    seed: int, core: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep, "_CORE", core)  # 6: the starting selection's search runs too
    bets = bets_for(seed, 60)
    budget = Decimal(6_000_000)
    fast = frontier(bets, budget, rules=MEDIUM_RULES)
    plain = frontier(bets, budget, rules=MEDIUM_RULES, fast=False)
    assert sweep.fast_available()  # SciPy 1.17 ships _highspy: the fast path is what ran
    assert levels_of(fast) == levels_of(plain)
    assert all(level.optimal for level in fast.levels)
    assert len(fast.points) > 5


def test_without_the_private_highspy_the_sweep_falls_back_to_milp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bets = bets_for(9, 40)
    budget = Decimal(4_000_000)
    fast = frontier(bets, budget, rules=MEDIUM_RULES, keep=["P03"], drop=["P04"])
    monkeypatch.setattr(sweep, "_highs", None)
    fallback = frontier(bets, budget, rules=MEDIUM_RULES, keep=["P03"], drop=["P04"])
    assert levels_of(fallback) == levels_of(fast)
    assert all("P03" in p.funded and "P04" not in p.funded for p in fallback.levels)


def test_the_solver_prints_nothing_to_a_console_s_stdout(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep, "_silenced", False)
    sweep.silence_solver_output()  # what the console does at start
    frontier(bets_for(8, 60), Decimal(6_000_000), rules=MEDIUM_RULES)
    libc = ctypes.CDLL(None)
    libc.printf(b"before\n")  # C's stdout already in use, as in a running bot
    libc.fflush(None)
    with sweep.quiet():  # what HiGHS does: C's printf, and a raw write to descriptor 1
        libc.printf(b"stray line from C\n")
        os.write(1, b"stray write\n")
    libc.printf(b"after\n")  # a stray line left in C's buffer would come out here
    libc.fflush(None)
    print("and Python", flush=True)
    assert capfd.readouterr().out == "before\nafter\nand Python\n"


def test_outside_the_console_stdout_is_left_alone(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep, "_silenced", False)  # HTTP mode: stdout is the access log
    with sweep.quiet():
        os.write(1, b"an access log line\n")
    assert capfd.readouterr().out == "an access log line\n"


def point(mean: int, variance: int, *keys: str) -> FrontierPoint:
    return FrontierPoint(keys, Decimal(mean), Decimal(variance), Decimal(0), None, True)


def test_choices_name_the_points_a_person_weighs_once_each() -> None:
    points = (
        point(0, 0),
        point(40, 100, "A"),  # value per risk 4
        point(60, 400, "A", "B"),  # half the value or more with least risk
        point(92, 1600, "A", "B", "C"),  # nine tenths
        point(100, 3600, "A", "B", "C", "D"),  # most value
    )
    result = Frontier(points, points, Decimal(1000), Decimal(1))
    picked = [(c.kind, c.point.funded) for c in choices(result)]
    assert picked == [
        ("most_value", ("A", "B", "C", "D")),
        ("nine_tenths", ("A", "B", "C")),
        ("half_value", ("A", "B")),
        ("value_per_risk", ("A",)),
    ]


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Bet], Decimal, list[ShareRule]]:
    count = draw(st.integers(1, 7))
    bets = [
        Bet(
            f"K{i}",
            draw(st.sampled_from(CATEGORIES[:2])),
            Decimal(draw(st.integers(1, 9)) * 100),
            Decimal(draw(st.integers(0, 30)) * 100),
            Decimal(draw(st.integers(1, 99))) / 100,
        )
        for i in range(count)
    ]
    budget = Decimal(draw(st.integers(0, 40)) * 100)
    share = Decimal(draw(st.integers(0, 60))) / 100
    rules = [ShareRule("Growth", share, draw(st.sampled_from(("min", "max"))))]
    if not any(b.category == "Growth" for b in bets):
        rules = []
    return bets, budget, rules


@settings(max_examples=60, deadline=None)
@given(instance=instances())
def test_small_frontiers_match_brute_force(
    instance: tuple[list[Bet], Decimal, list[ShareRule]],
) -> None:
    bets, budget, rules = instance
    subsets = feasible_subsets(bets, budget, rules)
    try:
        result = frontier(bets, budget, rules=rules, points=5)
    except AllocationRefused:
        assert not subsets
        return
    for level in result.levels:
        assert level.mean == best_within(subsets, level.limit)
