"""Benchmark: `/portfolio balance` from the database's sums, against the bare GROUP BY.

Run from the repository root: `python -m bench.balance` (100,000 and 1,000,000 products),
`--quick` (10,000 and 100,000, for CI), or sizes (`python -m bench.balance 50000`). Each size
fills a fresh SQLite file the way bench/ranking.py does, then times, in the same run:

- Folio: PlanningService.balance by category, stage and health (tenancy, the grouped exact
  sums, the report with its shares, HHI and flags) plus the rendered Block Kit message;
- the baseline: sqlite3 running the same `SELECT category, stage, health, count(*), sum(…)
  … GROUP BY category, stage, health` on the same table;
- before: every product read into Python and balanced there (what balance did until now),
  timed once, with a check that it gives the very same report.

It prints medians, the ratio Folio / baseline, and the speed-up over before.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.ranking import ACTOR, NOW, TEAM, fill
from domain import queries
from domain.balance import BalanceInput, BalanceReport, balance
from domain.services import build_services
from domain.services.access import portfolio_for
from domain.store import Store, make_engine
from handlers.planning.balance import balance_message

SIZES = (100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
RUNS = 5
GROUPINGS = ("category", "stage", "health")
BARE = (
    "SELECT category, stage, health, count(*), sum(CAST(round(investment * 100) AS INTEGER)), "
    "sum(CAST(round(confidence * 10000) AS INTEGER) * CAST(round(expected_return * 100) AS "
    "INTEGER)) FROM products WHERE team_id = ? AND portfolio_id = 1 AND archived_at IS NULL "
    "GROUP BY category, stage, health"
)


def median_seconds(run: Callable[[], object], runs: int = RUNS) -> float:
    """The median wall time of `runs` calls, after one warm-up call."""
    run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def before(store: Store) -> dict[str, BalanceReport]:
    """Every product read and balanced in Python, for each grouping."""
    with store.read(TEAM) as tenant:
        portfolio = portfolio_for(tenant, None)
        items = [
            BalanceInput(
                i.key, i.category, i.stage, i.health, i.investment, i.expected_return, i.confidence
            )
            for i in queries.product_facts(tenant, portfolio, cashflows=False)
        ]
    return {by: balance(items, by) for by in GROUPINGS}  # type: ignore[arg-type]


def measure(size: int, directory: Path) -> None:
    path = directory / f"balance-{size}.db"
    start = time.perf_counter()
    fill(f"sqlite:///{path}", size)
    print(f"\n{size:,} products (filled in {time.perf_counter() - start:.0f} s)")
    engine = make_engine(f"sqlite:///{path}")
    store = Store(engine)
    services = build_services(store, lambda: NOW)
    db = sqlite3.connect(path)

    def folio() -> None:
        for by in GROUPINGS:
            balance_message(services.planning.balance(ACTOR, None, by))  # type: ignore[arg-type]

    def bare() -> None:
        for _ in GROUPINGS:
            db.execute(BARE, (TEAM,)).fetchall()

    folio_s = median_seconds(folio)
    bare_s = median_seconds(bare)
    start = time.perf_counter()
    reports = before(store)
    before_s = time.perf_counter() - start
    same = all(
        services.planning.balance(ACTOR, None, by).report == reports[by]  # type: ignore[arg-type]
        for by in GROUPINGS
    )
    per = len(GROUPINGS)
    print(
        f"  balance (each of category, stage, health): Folio {folio_s / per * 1000:.1f} ms, "
        f"bare GROUP BY {bare_s / per * 1000:.1f} ms ({folio_s / bare_s:.2f}×); "
        f"before {before_s / per * 1000:.0f} ms ({before_s / folio_s:.0f}× slower); "
        f"same report as before: {'yes' if same else 'NO'}"
    )
    db.close()
    engine.dispose()
    if not same:
        raise SystemExit("balance from the sums differs from the balance of every product")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="portfolio sizes (products)")
    parser.add_argument("--quick", action="store_true", help="10,000 and 100,000 products")
    args = parser.parse_args(argv)
    sizes = tuple(args.sizes) or (QUICK_SIZES if args.quick else SIZES)
    with tempfile.TemporaryDirectory(prefix="folio-bench-balance-") as directory:
        for size in sizes:
            measure(size, Path(directory))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
