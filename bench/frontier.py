"""Benchmark: the exact risk–return frontier against one allocation of the same portfolio.

Run from the repository root: `python -m bench.frontier`. For 100 and 1,000 seeded products
with two balance rules (`min Growth 30%`, `max Core 35%`), it times a 20-point frontier
(each point one exact MILP, HiGHS via SciPy) and, as the baseline measured in the same run,
one `allocate()` of the same products, budget and rules; it prints the median of 3 runs,
their ratio, the distinct efficient points, whether every point was proven optimal, and
whether the frontier's riskiest end equals the allocation. Figures only; no pass/fail.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import TypeVar

from domain.allocation import ShareRule, allocate
from domain.uncertainty.frontier import frontier
from domain.uncertainty.outcomes import Bet

SIZES = (100, 1_000)
RUNS = 3
POINTS = 20
SEED = 20_270_101
CATEGORIES = ("Growth", "Core", "Platform", "Experiments")
RULES = (ShareRule("Growth", Decimal("0.30"), "min"), ShareRule("Core", Decimal("0.35"), "max"))

T = TypeVar("T")


def build_bets(size: int, seed: int = SEED) -> tuple[list[Bet], Decimal]:
    """Seeded products: costs 20k–3m, returns about 0.5–4× cost, confidence 30–95 %."""
    rng = random.Random(seed + size)
    bets = []
    for number in range(size):
        cost = Decimal(max(20, min(3_000, round(rng.lognormvariate(5.5, 0.9))))) * 1000
        multiple = Decimal(str(round(rng.lognormvariate(0.4, 0.5), 2)))
        category = rng.choices(CATEGORIES, weights=(3, 4, 2, 1))[0]
        confidence = Decimal(rng.randint(30, 95)) / 100
        bets.append(Bet(f"P{number:05d}", category, cost, cost * multiple, confidence))
    total = sum((b.cost for b in bets), Decimal(0))
    return bets, (total * Decimal("0.3")).quantize(Decimal(1000))


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
    """Time the frontier and one allocation at each size and print a table."""
    print(
        f"{'n':>6}  {'frontier (s)':>12}  {'allocate (s)':>12}  {'ratio':>6}  "
        f"{'points':>6}  {'efficient':>9}  optimal  ends at the allocation"
    )
    for size in SIZES:
        bets, budget = build_bets(size)
        candidates = [b.candidate() for b in bets]
        spent, result = timed(partial(frontier, bets, budget, rules=RULES, points=POINTS))
        baseline, answer = timed(partial(allocate, candidates, budget, rules=RULES))
        optimal = all(level.optimal for level in result.levels)
        print(
            f"{size:>6}  {spent:>12.3f}  {baseline:>12.3f}  {spent / baseline:>5.1f}×  "
            f"{len(result.levels):>6}  {len(result.points):>9}  {optimal!s:>7}  "
            f"{result.best.mean == answer.total_value}"
        )


if __name__ == "__main__":
    main()
