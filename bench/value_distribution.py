"""Benchmark: the exact value distribution of a portfolio against plain NumPy baselines.

Run from the repository root: `python -m bench.value_distribution`. For 100 and 1,000
seeded products (returns in whole $10k or $1k, so the exact lattice is that grid) it times
`forecast()` (exact distribution by FFT products, P10/P50/P90, a target's odds and the
downside drivers) and, in the same run, two NumPy baselines: the textbook exact dynamic
programme (one shift-and-add over the whole lattice per product) and a 100,000-draw Monte
Carlo. It prints medians of 3 runs, the ratios, and how far the baselines' answers are from
Folio's (the DP's largest CDF difference; the simulation's P50 gap in standard errors).
Figures only; no pass/fail.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from domain.uncertainty.distribution import forecast, simulate
from domain.uncertainty.outcomes import Bet

CASES = ((100, 10_000), (1_000, 10_000), (1_000, 1_000))  # products, the returns' unit ($)
RUNS = 3
SEED = 20_270_101

T = TypeVar("T")
Floats = npt.NDArray[np.float64]


def build_bets(size: int, grid: int, seed: int = SEED) -> list[Bet]:
    """Seeded products: costs 20k–3m, returns in whole `grid` dollars, confidence 30–95 %."""
    rng = random.Random(seed + size)
    bets = []
    for number in range(size):
        cost = Decimal(max(20, min(3_000, round(rng.lognormvariate(5.5, 0.9))))) * 1000
        payoff = Decimal(max(1, round(float(cost) * rng.lognormvariate(0.4, 0.5) / grid))) * grid
        bets.append(
            Bet(f"P{number:05d}", "Growth", cost, payoff, Decimal(rng.randint(30, 95)) / 100)
        )
    return bets


def numpy_dp(bets: list[Bet], grid: int) -> Floats:
    """The exact distribution the plain way: one vectorised shift-and-add per product."""
    steps = [int(b.payoff) // grid for b in bets]
    dist = np.zeros(sum(steps) + 1)
    dist[0] = 1.0
    reach = 0
    for step, bet in zip(steps, bets, strict=True):
        p = float(bet.p)
        reach += step
        dist[step : reach + 1] = (1 - p) * dist[step : reach + 1] + p * dist[: reach + 1 - step]
        dist[:step] *= 1 - p
    return dist


def numpy_monte_carlo(bets: list[Bet], samples: int = 100_000) -> Floats:
    """100,000 draws of the portfolio's value, vectorised, in chunks."""
    rng = np.random.default_rng(SEED)
    p = np.array([float(b.p) for b in bets])
    payoff = np.array([float(b.payoff) for b in bets])
    cost = float(sum(b.cost for b in bets))
    chunks = [
        (rng.random((10_000, len(bets))) < p) @ payoff - cost for _ in range(samples // 10_000)
    ]
    return np.concatenate(chunks)


def timed(work: Callable[[], T]) -> tuple[float, T]:
    """The median wall time of RUNS calls, and the last result."""
    times = []
    result: T | None = None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


def main() -> None:
    """Time Folio's exact distribution and both baselines at each size; print a table."""
    print(
        f"{'n':>6}  {'grid':>5}  {'Folio (s)':>9}  {'method':>6}  {'NumPy DP (s)':>12}  "
        f"{'ratio':>6}  {'CDF diff':>8}  {'NumPy MC (s)':>12}  {'ratio':>6}  {'MC P50 gap':>10}"
    )
    for size, grid in CASES:
        bets = build_bets(size, grid)
        target = sum((b.mean for b in bets), Decimal(0))
        spent, result = timed(partial(forecast, bets, target=target))
        dp_time, dist = timed(partial(numpy_dp, bets, grid))
        mc_time, draws = timed(partial(numpy_monte_carlo, bets))
        base = -float(sum(b.cost for b in bets))
        cdf = np.cumsum(dist)
        p50 = base + grid * int(np.searchsorted(cdf, 0.5 - 1e-9))
        mine = np.cumsum(forecast_probabilities(bets, grid))
        difference = float(np.max(np.abs(mine - cdf)))
        error = simulate(bets, samples=100_000).standard_error
        gap = abs(float(np.median(draws)) - float(result.p50)) / max(float(error), 1.0)
        assert abs(p50 - float(result.p50)) < grid
        print(
            f"{size:>6}  {f'${grid // 1000}k':>5}  {spent:>9.3f}  {result.method:>6}  "
            f"{dp_time:>12.3f}  "
            f"{spent / dp_time:>5.2f}×  {difference:>8.1e}  {mc_time:>12.3f}  "
            f"{spent / mc_time:>5.2f}×  {gap:>8.1f} SE"
        )


def forecast_probabilities(bets: list[Bet], grid: int) -> Floats:
    """Folio's own lattice probabilities, for the comparison with the DP."""
    from domain.uncertainty.lattice import convolve_all

    return convolve_all([int(b.payoff) // grid for b in bets], [float(b.p) for b in bets])


if __name__ == "__main__":
    main()
