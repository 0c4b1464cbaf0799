"""Benchmark: the exact risk–return frontier against one allocation of the same portfolio.

Run from the repository root: `python -m bench.frontier` (`--quick`: 100 and 500 products,
one run each, for CI, under 20 s; `--plain`: also time the sweep with one SciPy `milp` per
level, as before the reused HiGHS model). For 100 and 1,000 seeded products with two balance
rules (`min Growth 30%`, `max Core 35%`), it times a 20-point frontier (each point one exact
MILP) and, as the baseline measured in the same run, one `allocate()` of the same products,
budget and rules; it prints the median of 3 runs, their ratio, the distinct efficient points,
whether every point was proven optimal, whether the frontier's riskiest end equals the
allocation, and whether the 1,000-product frontier meets its target of 5 s (wall time; the
frontier's CPU time is printed too, the steadier figure on a shared machine).
"""

from __future__ import annotations

import argparse
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
from domain.uncertainty.sweep import silence_solver_output

SIZES = (100, 1_000)
QUICK_SIZES = (100, 500)
RUNS = 3
TARGET_SIZE = 1_000
TARGET_SECONDS = 5.0
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


def timed(work: Callable[[], T], runs: int = RUNS) -> tuple[float, T]:
    """The median wall time of `runs` calls, and the last result."""
    spent, _, result = timed_with_cpu(work, runs)
    return spent, result


def timed_with_cpu(work: Callable[[], T], runs: int = RUNS) -> tuple[float, float, T]:
    """The median wall and CPU (this process) times of `runs` calls, and the last result.

    CPU time is the steadier figure on a shared machine, where wall time waits for a core.
    """
    walls, cpus = [], []
    result: T | None = None
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        result = work()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    assert result is not None
    return statistics.median(walls), statistics.median(cpus), result


def main(argv: list[str] | None = None) -> None:
    """Time the frontier and one allocation at each size and print a table."""
    parser = argparse.ArgumentParser(prog="python -m bench.frontier", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 and 500 products, one run")
    parser.add_argument("--plain", action="store_true", help="also time one milp per level")
    args = parser.parse_args(argv)
    sizes, runs = (QUICK_SIZES, 1) if args.quick else (SIZES, RUNS)
    silence_solver_output()  # a table a person reads, like the console's transcript
    plain_head = f"  {'plain (s)':>9}" if args.plain else ""
    print(
        f"{'n':>6}  {'frontier (s)':>12}  {'cpu (s)':>7}  {'allocate (s)':>12}  {'ratio':>6}"
        f"{plain_head}  "
        f"{'points':>6}  {'efficient':>9}  optimal  ends at the allocation"
    )
    verdicts = []
    for size in sizes:
        bets, budget = build_bets(size)
        candidates = [b.candidate() for b in bets]
        work = partial(frontier, bets, budget, rules=RULES, points=POINTS)
        spent, cpu, result = timed_with_cpu(work, runs)
        baseline, answer = timed(partial(allocate, candidates, budget, rules=RULES), runs)
        plain_cell = ""
        if args.plain:
            plain, slow = timed(partial(work, fast=False), runs)
            same = [(p.mean, p.variance) for p in slow.levels] == [
                (p.mean, p.variance) for p in result.levels
            ]
            plain_cell = f"  {plain:>9.3f}" + ("" if same else " (differs!)")
        optimal = all(level.optimal for level in result.levels)
        print(
            f"{size:>6}  {spent:>12.3f}  {cpu:>7.3f}  {baseline:>12.3f}  {spent / baseline:>5.1f}×"
            f"{plain_cell}  "
            f"{len(result.levels):>6}  {len(result.points):>9}  {optimal!s:>7}  "
            f"{result.best.mean == answer.total_value}"
        )
        if size == TARGET_SIZE:
            met = "met" if spent <= TARGET_SECONDS else "NOT met"
            verdicts.append(
                f"target: {POINTS} points over {size:,} products in ≤ {TARGET_SECONDS:g} s: "
                f"{met} ({spent:.2f} s; one allocation {baseline:.2f} s in the same run)"
            )
    for verdict in verdicts or [f"target: not measured (needs {TARGET_SIZE:,} products)"]:
        print(verdict)


if __name__ == "__main__":
    main()
