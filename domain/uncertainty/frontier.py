"""The exact risk–return frontier: the most expected value for each level of risk.

Each product is a success/failure bet (see outcomes), so for 0/1 funding decisions both the
expected value and the variance of the portfolio's value are linear. Each frontier point is
the allocation's integer programme (budget, share rules, keep, drop) with one more row,
Σ variance·x ≤ ε, maximising expected value exactly; ε is swept evenly in standard
deviation from the least-risk selection the rules allow to the allocation's own answer.
Variances enter the programme as exact integers in a stated unit (`variance_unit`). The
sweep runs up from the least risk (see sweep.py: one HiGHS model, only the limit changes),
each level starting from the answer below it, which the wider limit still admits; a level
whose limit the allocation's own answer meets, or whose start already has that answer's
value, is that answer without a solve.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

import numpy as np

from domain.allocation import AllocationRefused, ShareRule, TimedOut
from domain.allocation.explain import diagnose
from domain.allocation.program import EXACT_LIMIT, Constraint, Program, Solution, solve
from domain.allocation.solve import build_program, verify
from domain.uncertainty.outcomes import Bet, moments
from domain.uncertainty.sweep import Sweep, quiet

DEFAULT_POINTS = 20
_VARIANCE_ROOM = EXACT_LIMIT // 4  # total scaled variance stays well inside float's exact range

ChoiceKind = Literal["most_value", "nine_tenths", "value_per_risk", "half_value"]
CHOICE_ORDER: tuple[ChoiceKind, ...] = ("most_value", "nine_tenths", "value_per_risk", "half_value")


@dataclass(frozen=True)
class FrontierPoint:
    """One efficient selection: what it funds, its expected value, variance and cost.

    `limit` is the variance limit it was solved under (None: no limit, the allocation's
    answer); `optimal` is False when the solver ran out of time before proving it.
    """

    funded: tuple[str, ...]
    mean: Decimal
    variance: Decimal
    cost: Decimal
    limit: Decimal | None
    optimal: bool

    @property
    def deviation(self) -> Decimal:
        """Standard deviation of the selection's value, to the cent."""
        return moments_deviation(self.variance)


@dataclass(frozen=True)
class Frontier:
    """The swept points (one per risk level), the efficient ones among them, and the ends."""

    levels: tuple[FrontierPoint, ...]
    points: tuple[FrontierPoint, ...]
    budget: Decimal
    variance_unit: Decimal

    @property
    def best(self) -> FrontierPoint:
        """The most expected value at any risk: the allocation's answer."""
        return self.points[-1]

    @property
    def least(self) -> FrontierPoint:
        """The least risk the budget and the rules allow."""
        return self.points[0]


@dataclass(frozen=True)
class Choice:
    """A frontier point worth putting before a person, and why it is worth it."""

    kind: ChoiceKind
    point: FrontierPoint


def moments_deviation(variance: Decimal) -> Decimal:
    """√variance to the cent."""
    return variance.sqrt().quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def frontier(
    bets: Sequence[Bet],
    budget: Decimal,
    *,
    rules: Sequence[ShareRule] = (),
    keep: Collection[str] = (),
    drop: Collection[str] = (),
    points: int = DEFAULT_POINTS,
    time_limit: float = 10.0,
    currency: str | None = None,
    fast: bool = True,
) -> Frontier:
    """The exact frontier of expected value against risk, in `points` even steps of risk.

    Raises AllocationRefused (with the allocation's own reasons) when no selection meets the
    budget and the rules. `fast=False` solves each level with SciPy's `milp` instead of one
    reused HiGHS model (the same answers; tests compare the two).
    """
    if points < 2:
        raise ValueError("a frontier needs at least two points")
    try:
        program = build_program([b.candidate() for b in bets], budget, rules, keep, drop)
        fixed = program.fixed()
        with quiet():
            top = solve(program, program.constraints, fixed, program.objective, time_limit)
        if top.chosen is None:
            if top.status == 2:
                raise AllocationRefused(*diagnose(program, time_limit))
            raise AllocationRefused(TimedOut(time_limit))
    except AllocationRefused as refused:
        refused.currency = currency
        raise
    weights, unit = _scaled_variances(bets)
    with quiet():
        low = solve(program, program.constraints, fixed, -np.array(weights, float), time_limit)
    assert low.chosen is not None  # the same rows as `top`, which is feasible
    low_units = sum(weights[i] for i in low.chosen)
    top_units = sum(weights[i] for i in top.chosen)
    limits = [_level(low_units, top_units, step, points) for step in range(points - 1)]
    sweep = Sweep(program, fixed, weights, time_limit, fast=fast)
    best_value = _value(program, top.chosen)
    solutions: list[Solution] = []
    below = low.chosen  # every level's limit is at least the least risk, so `low` meets it
    for limit in limits:  # rising: the answer below meets each wider limit
        if top_units <= limit or _value(program, below) == best_value:
            found = top if top_units <= limit else Solution(below, 0, 0.0, None)
        else:
            found = sweep.solve(limit, below)
            if found.chosen is None:  # only on a time-out: the level below meets the row
                found = Solution(below, 1, math.inf, None)
        assert found.chosen is not None
        solutions.append(found)
        below = found.chosen
    levels = [
        _point(program, bets, solution, unit * limit)
        for limit, solution in zip(limits, solutions, strict=True)
    ]
    levels.append(_point(program, bets, top, None))
    return Frontier(tuple(levels), _efficient(levels), budget, unit)


@dataclass(frozen=True)
class Position:
    """Where a selection sits against the frontier, exactly.

    `richer`: the most expected value at no more risk than it; `safer`: the least risk at
    no less expected value. Either is None when the selection itself is that best.
    """

    richer: FrontierPoint | None
    safer: FrontierPoint | None


def position(
    bets: Sequence[Bet],
    budget: Decimal,
    funded: Collection[str],
    *,
    rules: Sequence[ShareRule] = (),
    keep: Collection[str] = (),
    drop: Collection[str] = (),
    time_limit: float = 10.0,
) -> Position:
    """Solve for the best selection at the risk of `funded`, and the safest at its value."""
    program = build_program([b.candidate() for b in bets], budget, rules, keep, drop)
    fixed = program.fixed()
    weights, _ = _scaled_variances(bets)
    mine = [i for i, b in enumerate(bets) if b.key in set(funded)]
    every = list(range(len(bets)))
    risk = Constraint(every, None, sum(weights[i] for i in mine), weights=weights)
    cents = [int(b.mean * 100) for b in bets]
    floor = Constraint(every, sum(cents[i] for i in mine), None, weights=cents)
    with quiet():
        richer = solve(program, [*program.constraints, risk], fixed, program.objective, time_limit)
        safer = solve(
            program, [*program.constraints, floor], fixed, -np.array(weights, float), time_limit
        )
    own = moments(bets[i] for i in mine)
    found_richer = _point(program, bets, richer, None) if richer.chosen is not None else None
    found_safer = _point(program, bets, safer, None) if safer.chosen is not None else None
    return Position(
        richer=found_richer if found_richer and found_richer.mean > own.mean else None,
        safer=found_safer if found_safer and found_safer.variance < own.variance else None,
    )


def choices(result: Frontier) -> tuple[Choice, ...]:
    """The few points a person would choose between, most value first, each selection once.

    most_value: the allocation's answer; nine_tenths and half_value: the least risk keeping
    at least 90 % and 50 % of its expected value; value_per_risk: the most expected value per
    unit of standard deviation.
    """
    best = result.best
    found: list[Choice] = [Choice("most_value", best)]
    if best.mean > 0:
        shares: tuple[tuple[ChoiceKind, Decimal], ...] = (
            ("nine_tenths", Decimal("0.9")),
            ("half_value", Decimal("0.5")),
        )
        for kind, share in shares:
            keeping = [p for p in result.points if p.mean >= share * best.mean]
            found.append(Choice(kind, min(keeping, key=lambda p: p.variance)))
        risky = [p for p in result.points if p.mean > 0 and p.variance > 0]
        if risky:
            ratio = max(risky, key=lambda p: (p.mean / p.variance.sqrt(), -p.variance))
            found.append(Choice("value_per_risk", ratio))
    seen: set[tuple[str, ...]] = set()
    unique: list[Choice] = []
    for choice in sorted(found, key=lambda c: (-c.point.variance, CHOICE_ORDER.index(c.kind))):
        if choice.point.funded not in seen:
            seen.add(choice.point.funded)
            unique.append(choice)
    return tuple(unique)


def _scaled_variances(bets: Sequence[Bet]) -> tuple[list[int], Decimal]:
    """Each bet's variance as an integer count of `unit`, the total well inside 2^50."""
    total = sum((b.variance for b in bets), Decimal(0))
    if total <= 0:
        return [0] * len(bets), Decimal(1)
    exponent = math.floor(math.log10(float(total) / _VARIANCE_ROOM)) + 1
    unit = Decimal(10) ** exponent
    weights = [int((b.variance / unit).to_integral_value(rounding=ROUND_HALF_EVEN)) for b in bets]
    while sum(weights) >= _VARIANCE_ROOM:  # log10 in floats may land one short
        unit *= 10
        weights = [int((b.variance / unit).to_integral_value(ROUND_HALF_EVEN)) for b in bets]
    return weights, unit


def _value(program: Program, chosen: set[int]) -> float:
    """The programme's objective for a selection (exact: scaled values are integers)."""
    return float(sum(program.objective[i] for i in chosen))


def _level(low: int, top: int, step: int, points: int) -> int:
    """The variance limit of a step: standard deviations evenly spaced from low to top."""
    if step == 0:
        return low
    deviation = math.sqrt(low) + (math.sqrt(top) - math.sqrt(low)) * step / (points - 1)
    return max(low, min(top, math.floor(deviation * deviation)))


def _point(
    program: Program, bets: Sequence[Bet], solution: Solution, limit: Decimal | None
) -> FrontierPoint:
    assert solution.chosen is not None
    verify(program, solution.chosen)
    chosen = [bets[i] for i in sorted(solution.chosen)]
    totals = moments(chosen)
    return FrontierPoint(
        funded=tuple(sorted(b.key for b in chosen)),
        mean=totals.mean,
        variance=totals.variance,
        cost=sum((b.cost for b in chosen), Decimal(0)),
        limit=limit,
        optimal=solution.gap == 0 and solution.status == 0,
    )


def _efficient(levels: Sequence[FrontierPoint]) -> tuple[FrontierPoint, ...]:
    """Distinct selections, by risk, each worth more than every less risky one."""
    kept: list[FrontierPoint] = []
    for point in sorted(levels, key=lambda p: (p.variance, -p.mean)):
        if kept and point.mean <= kept[-1].mean:
            continue
        if kept and point.variance == kept[-1].variance:
            kept[-1] = point
            continue
        kept.append(point)
    return tuple(kept)
