"""Benchmark of domain.allocation.allocate on seeded, realistic instances.

Run from the repository root: `python -m bench.allocate [--quick]`. Prints, for 100, 1,000
and 5,000 candidates with a `min` rule on one category and a `max` rule on another: the median
solve time of 3 runs, the total value, the solver's bound, the gap, and whether the answer
meets every constraint (checked here independently, in Decimal).

Then `/portfolio allocate` end to end through the service (PlanningService.allocate: the
session, the read model, the solve, the view) on a SQLite file filled like bench/ranking.py,
at 1,000 and 100,000 products (`--quick`: 1,000 only), beside the pure solve of the same
candidates measured in the same run. Figures only; no pass/fail.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from domain.allocation import Allocation, Candidate, ShareRule, allocate

CATEGORIES = ("Growth", "Core", "Platform", "Experiments")
SIZES = (100, 1_000, 5_000)
RUNS = 3
SEED = 20_270_101


def build_instance(size: int, seed: int) -> tuple[list[Candidate], Decimal, list[ShareRule]]:
    """Seeded random products: costs 20k–3m, returns about 0.5–4× cost, confidence 30–95 %."""
    rng = random.Random(seed + size)
    candidates: list[Candidate] = []
    for number in range(size):
        cost = Decimal(max(20, min(3_000, round(rng.lognormvariate(5.5, 0.9))))) * 1000
        multiple = Decimal(str(round(rng.lognormvariate(0.4, 0.5), 3)))
        confidence = Decimal(rng.randint(30, 95)) / 100
        value = confidence * cost * multiple - cost
        category = rng.choices(CATEGORIES, weights=(3, 4, 2, 1))[0]
        candidates.append(Candidate(f"P{number:05d}", category, cost, value))
    total = sum((c.cost for c in candidates), Decimal(0))
    budget = (total * Decimal("0.3")).quantize(Decimal(1000))
    rules = [
        ShareRule("Growth", Decimal("0.30"), "min"),
        ShareRule("Core", Decimal("0.35"), "max"),
    ]
    return candidates, budget, rules


def satisfies(allocation: Allocation, budget: Decimal, rules: list[ShareRule]) -> bool:
    """Whether the funded set keeps to the budget and every share rule, checked in Decimal."""
    used = sum((c.cost for c in allocation.funded), Decimal(0))
    if used > budget or used != allocation.used:
        return False
    for rule in rules:
        spent = sum((c.cost for c in allocation.funded if c.category == rule.category), Decimal(0))
        limit = rule.share * budget
        if (rule.kind == "min" and spent < limit) or (rule.kind == "max" and spent > limit):
            return False
    return True


def main() -> None:
    """Time allocate() on each instance size and print a table."""
    print(f"{'n':>6}  {'time (s)':>9}  {'total value':>16}  {'bound':>16}  {'gap':>9}  ok")
    for size in SIZES:
        candidates, budget, rules = build_instance(size, SEED)
        timings: list[float] = []
        allocation: Allocation | None = None
        for _ in range(RUNS):
            start = time.perf_counter()
            allocation = allocate(candidates, budget, rules=rules)
            timings.append(time.perf_counter() - start)
        assert allocation is not None
        bound = "-" if allocation.bound is None else f"{allocation.bound:,.2f}"
        print(
            f"{size:>6}  {statistics.median(timings):>9.3f}  {allocation.total_value:>16,.2f}  "
            f"{bound:>16}  {allocation.gap:>9.2e}  {satisfies(allocation, budget, rules)}"
        )


def end_to_end(sizes: tuple[int, ...]) -> None:
    """Time PlanningService.allocate on a filled SQLite file, beside the pure solve."""
    from bench.ranking import ACTOR, fill
    from bot import migrate
    from domain import queries
    from domain.commands.planning import AllocateRequest
    from domain.services import build_services
    from domain.services.access import portfolio_for
    from domain.services.planning import ALLOCATION_TIME_LIMIT, allocation_values
    from domain.store import Store, make_engine

    print("\n/portfolio allocate through the service (budget: 30 % of all investment)")
    print(f"{'products':>9}  {'service (s)':>11}  {'pure solve (s)':>14}  {'ratio':>6}  funded")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            migrate(url)
            fill(url, size)
            store = Store(make_engine(url))
            services = build_services(store, lambda: datetime.now(UTC))
            with store.read(ACTOR.team_id) as tenant:  # the same candidates the service builds
                portfolio = portfolio_for(tenant, None)
                currency = portfolio.currency
                inputs = queries.product_facts(tenant, portfolio, cashflows=False)
                values = allocation_values(portfolio, inputs, "value")
                candidates = [
                    Candidate(i.key, i.category, i.investment, values[n])
                    for n, i in enumerate(inputs)
                ]
            total = sum((c.cost for c in candidates), Decimal(0))
            budget = (total * Decimal("0.3")).quantize(Decimal(1000))
            request = AllocateRequest(budget=(budget, currency))
            started = time.perf_counter()
            view = services.planning.allocate(ACTOR, None, request)
            service = time.perf_counter() - started
            started = time.perf_counter()
            allocate(candidates, budget, time_limit=ALLOCATION_TIME_LIMIT)
            pure = time.perf_counter() - started
            funded = len(view.funded)
            print(
                f"{size:>9,}  {service:>11.2f}  {pure:>14.2f}  {service / pure:>5.1f}×  {funded:,}"
            )
            store.engine.dispose()


if __name__ == "__main__":
    main()
    end_to_end((1_000,) if "--quick" in sys.argv[1:] else (1_000, 100_000))
