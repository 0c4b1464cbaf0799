"""The distribution of the funded portfolio's value: P10 / P50 / P90, a target's odds, drivers.

Exact where it can be: each uncertain product moves the total by its expected return (the
step) with probability = confidence, so the total lives on the lattice of the steps'
greatest common divisor, in cents, and its distribution is computed exactly there (see
lattice). When that lattice would be too fine, steps are rounded to a coarser one and the
answer carries a bound on how far any value can be off (`error`: the sum of the rounding).
When even that bound would be too loose, a seeded, vectorised Monte Carlo simulation is
used and the answer carries its standard errors. Outcomes are assumed independent.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

import numpy as np

from domain.uncertainty.lattice import (
    FloatArray,
    convolve_all,
    quantile_index,
    survival,
    without,
)
from domain.uncertainty.outcomes import CENT, Bet, moments

Method = Literal["exact", "bounded", "simulated"]
MAX_CELLS = 1 << 21
ERROR_TOLERANCE = Decimal("0.01")  # a rounded lattice may be off by 1 % of a std. dev.
SAMPLES = 100_000
SEED = 20_270_101
DRIVERS = 5
TAIL = 0.10
_CHUNK = 10_000
_NICE = (1, 2, 5)


@dataclass(frozen=True)
class Driver:
    """A product that drives the downside: how often it fails overall and in the worst tail.

    `shortfall` is how much of the tail's shortfall below the expected value it accounts for:
    E[its expected value − its value | portfolio value ≤ P10]; the drivers' shortfalls of
    every product add up to the portfolio's.
    """

    key: str
    failure: float
    failure_in_tail: float
    shortfall: Decimal


@dataclass(frozen=True)
class ValueForecast:
    """The distribution of the portfolio's value, summarised.

    method: exact (error 0), bounded (exact on a coarser lattice; every value within `error`)
    or simulated (`samples` draws; `standard_error` of the quantiles and of `chance`).
    `chance` is P(value ≥ target) when a target was given; `worst` and `best` are the value
    if every uncertain product fails, or succeeds.
    """

    method: Method
    count: int
    mean: Decimal
    deviation: Decimal
    p10: Decimal
    p50: Decimal
    p90: Decimal
    loss_chance: float
    target: Decimal | None
    chance: float | None
    tail_shortfall: Decimal
    drivers: tuple[Driver, ...]
    resolution: Decimal
    worst: Decimal = Decimal(0)
    best: Decimal = Decimal(0)
    error: Decimal = Decimal(0)
    samples: int = 0
    standard_error: Decimal = Decimal(0)
    chance_error: float = 0.0


def forecast(
    bets: Sequence[Bet],
    *,
    target: Decimal | None = None,
    method: Method | None = None,
    samples: int = SAMPLES,
    seed: int = SEED,
    max_cells: int = MAX_CELLS,
) -> ValueForecast:
    """The value distribution of independent bets: exact when it can be, else simulated."""
    if method == "simulated":
        return simulate(bets, target=target, samples=samples, seed=seed)
    lattice = _lattice(bets, max_cells)
    if lattice is None or (method is None and not _tight(lattice, bets)):
        return simulate(bets, target=target, samples=samples, seed=seed)
    return _summarise(lattice, bets, target)


@dataclass(frozen=True)
class _Lattice:
    base: int  # cents: the total when every uncertain bet fails
    unit: int  # cents per cell
    steps: tuple[int, ...]  # cells each uncertain bet adds on success
    uncertain: tuple[Bet, ...]
    error: int  # cents: Σ |step − rounded step|
    probabilities: FloatArray


def _cents(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value(rounding=ROUND_HALF_EVEN))


def _lattice(bets: Sequence[Bet], max_cells: int) -> _Lattice | None:
    base = 0
    uncertain: list[Bet] = []
    for bet in bets:
        if bet.certain:
            base += _cents(bet.payoff * bet.p - bet.cost)
        else:
            uncertain.append(bet)
            base += _cents(bet.failure)
    cents = [_cents(b.payoff) for b in uncertain]
    unit = math.gcd(*cents) if cents else 1
    total = sum(cents)
    error = 0
    if total // max(unit, 1) + 1 > max_cells:
        unit = _nice_unit(-(-total // (max_cells - 1)))
        rounded = [_round_to(c, unit) for c in cents]
        error = sum(abs(c - r) for c, r in zip(cents, rounded, strict=True))
        cents = rounded
    steps = tuple(c // unit for c in cents)
    if sum(steps) + 1 > max_cells:  # pragma: no cover - the nice unit keeps below
        return None
    probabilities = convolve_all(steps, [float(b.p) for b in uncertain])
    return _Lattice(base, unit, steps, tuple(uncertain), error, probabilities)


def _nice_unit(least: int) -> int:
    """The smallest 1, 2 or 5 × 10^k cents that is at least `least`."""
    power = 1
    while True:
        for nice in _NICE:
            if nice * power >= least:
                return nice * power
        power *= 10


def _round_to(cents: int, unit: int) -> int:
    return int((Decimal(cents) / unit).to_integral_value(rounding=ROUND_HALF_EVEN)) * unit


def _tight(lattice: _Lattice, bets: Sequence[Bet]) -> bool:
    """Whether the lattice's rounding is small beside the spread of the value."""
    if lattice.error == 0:
        return True
    deviation = moments(bets).variance.sqrt() / CENT
    return Decimal(lattice.error) <= ERROR_TOLERANCE * deviation


def _money(cents: int | float) -> Decimal:
    return (Decimal(repr(cents)) if isinstance(cents, float) else Decimal(cents)) * CENT


def _summarise(lattice: _Lattice, bets: Sequence[Bet], target: Decimal | None) -> ValueForecast:
    probabilities = lattice.probabilities
    cdf = np.cumsum(probabilities)

    def value(cell: int) -> Decimal:
        return _money(lattice.base + cell * lattice.unit)

    q10, q50, q90 = (quantile_index(cdf, q) for q in (TAIL, 0.5, 0.9))
    totals = moments(bets)
    chance = None
    if target is not None:
        cell = math.ceil(Decimal(_cents(target) - lattice.base) / lattice.unit)
        chance = 1.0 if cell <= 0 else float(probabilities[cell:].sum()) if cell < len(cdf) else 0.0
    loss_cell = math.ceil(Decimal(-lattice.base) / lattice.unit)  # first cell worth ≥ 0
    loss = 0.0 if loss_cell <= 0 else 1.0 if loss_cell >= len(cdf) else float(cdf[loss_cell - 1])
    drivers, shortfall = _exact_drivers(lattice, cdf, q10)
    return ValueForecast(
        method="exact" if lattice.error == 0 else "bounded",
        count=len(bets),
        mean=totals.mean,
        deviation=totals.deviation,
        p10=value(q10),
        p50=value(q50),
        p90=value(q90),
        loss_chance=loss,
        target=target,
        chance=chance,
        tail_shortfall=shortfall,
        drivers=drivers,
        resolution=_money(lattice.unit),
        worst=_extreme(bets, won=False),
        best=_extreme(bets, won=True),
        error=_money(lattice.error),
    )


def _exact_drivers(
    lattice: _Lattice, cdf: FloatArray, q10: int
) -> tuple[tuple[Driver, ...], Decimal]:
    """Each bet's share of the tail's shortfall, for the bets whose share can be largest.

    A bet that moves the value by s with probability p has a share s·(p − P(success | tail)),
    at most s·min(p, (1 − p)(1 − T)/T) for a tail of probability T. Bets are taken by that
    bound, largest first, and the search stops once no bet left could beat the fifth share.
    """
    tail = float(cdf[q10])
    above = survival(cdf)
    cells = np.arange(len(cdf))
    tail_mean = float(lattice.probabilities[: q10 + 1] @ cells[: q10 + 1]) / tail
    mean_cells = float(lattice.probabilities @ cells)
    portfolio_shortfall = _money((mean_cells - tail_mean) * lattice.unit)
    odds = (1.0 - tail) / tail
    bounds = [
        step * min(float(bet.p), (1.0 - float(bet.p)) * odds)
        for bet, step in zip(lattice.uncertain, lattice.steps, strict=True)
    ]
    order = sorted(range(len(bounds)), key=lambda i: (-bounds[i], lattice.uncertain[i].key))
    best: list[float] = []  # the largest shares so far, in cells, at most DRIVERS of them
    found: list[Driver] = []
    for i in order:
        if len(best) >= DRIVERS and best[0] >= bounds[i]:
            break
        bet, step = lattice.uncertain[i], lattice.steps[i]
        if step == 0:
            continue
        p = float(bet.p)
        succeeded = p * without(cdf, above, step, p, q10 - step) / tail
        share = (p - succeeded) * step
        found.append(
            Driver(bet.key, 1.0 - p, max(0.0, 1.0 - succeeded), _money(share * lattice.unit))
        )
        heapq.heappush(best, share)
        if len(best) > DRIVERS:
            heapq.heappop(best)
    found.sort(key=lambda d: (-d.shortfall, d.key))
    return tuple(d for d in found[:DRIVERS] if d.shortfall > 0), portfolio_shortfall


def simulate(
    bets: Sequence[Bet],
    *,
    target: Decimal | None = None,
    samples: int = SAMPLES,
    seed: int = SEED,
) -> ValueForecast:
    """The value distribution by seeded Monte Carlo (`samples` draws), with standard errors."""
    uncertain = [b for b in bets if not b.certain]
    base = float(sum((b.payoff * b.p - b.cost for b in bets if b.certain), Decimal(0)))
    base += float(sum((b.failure for b in uncertain), Decimal(0)))
    p = np.array([float(b.p) for b in uncertain])
    step = np.array([float(b.payoff) for b in uncertain])
    values = np.concatenate(
        [base + (draws < p) @ step for draws in _draws(seed, samples, len(uncertain))]
    )
    ordered = np.sort(values)
    q10, q50, q90 = (float(np.quantile(ordered, q, method="inverted_cdf")) for q in (0.1, 0.5, 0.9))
    tail = values <= q10
    tail_count = int(tail.sum())
    failed_in_tail = np.zeros(len(uncertain))
    offset = 0
    for draws in _draws(seed, samples, len(uncertain)):
        rows = tail[offset : offset + len(draws)]
        failed_in_tail += (draws[rows] >= p).sum(axis=0)
        offset += len(draws)
    failed_share = failed_in_tail / max(tail_count, 1)
    shortfall = (failed_share - (1.0 - p)) * step  # E[μ_i − X_i | tail] = R_i·(P(fail|tail) − q_i)
    order = sorted(range(len(uncertain)), key=lambda i: (-shortfall[i], uncertain[i].key))
    drivers = tuple(
        Driver(uncertain[i].key, float(1.0 - p[i]), float(failed_share[i]), _decimal(shortfall[i]))
        for i in order[:DRIVERS]
        if shortfall[i] > 0
    )
    totals = moments(bets)
    chance = float((values >= float(target)).mean()) if target is not None else None
    return ValueForecast(
        method="simulated",
        count=len(bets),
        mean=totals.mean,
        deviation=totals.deviation,
        p10=_decimal(q10),
        p50=_decimal(q50),
        p90=_decimal(q90),
        loss_chance=float((values < 0).mean()),
        target=target,
        chance=chance,
        tail_shortfall=_decimal(float(values.mean()) - float(values[tail].mean())),
        drivers=drivers,
        resolution=CENT,
        worst=_extreme(bets, won=False),
        best=_extreme(bets, won=True),
        samples=samples,
        standard_error=_decimal(_quantile_error(ordered)),
        chance_error=math.sqrt(chance * (1 - chance) / samples) if chance is not None else 0.0,
    )


def _draws(seed: int, samples: int, width: int) -> Iterator[FloatArray]:
    """The same uniform draws every time for a seed, in chunks of rows."""
    rng = np.random.default_rng(seed)
    left = samples
    while left > 0:
        rows = min(_CHUNK, left)
        yield rng.random((rows, width))
        left -= rows


def _quantile_error(ordered: FloatArray) -> float:
    """The largest standard error of P10, P50 and P90, from the order statistics around each."""
    n = len(ordered)
    worst = 0.0
    for q in (0.1, 0.5, 0.9):
        spread = math.sqrt(n * q * (1 - q))
        low = ordered[max(0, math.floor(n * q - spread))]
        high = ordered[min(n - 1, math.ceil(n * q + spread))]
        worst = max(worst, (float(high) - float(low)) / 2)
    return worst


def _extreme(bets: Sequence[Bet], *, won: bool) -> Decimal:
    """The value if every uncertain bet succeeds (won) or fails; certain ones as they are."""
    total = Decimal(0)
    for bet in bets:
        if bet.certain:
            total += bet.payoff * bet.p - bet.cost
        else:
            total += bet.success if won else bet.failure
    return total


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_EVEN)
