"""Benchmark: does history slow the card, the list and the ranking down?

Run from the repository root: `python -m bench.history` (or `--quick`, under a minute, for
CI). It fills two SQLite files with the same 1,000 products (each with three roadmap
items): one with no history, one with three years of it (a weekly update and a weekly
metric snapshot, two metrics taking turns, per product: about 320,000 rows with feedback). Then
it times, on each file, what people ask for most, service plus message rendering:

- card: `/portfolio show KEY` (latest updates, latest metrics with their previous reading,
  open items, feedback) for a few products;
- list: `/portfolio list`;
- rank: `/portfolio rank risk top 100`.

It prints the median latency with and without history and the ratio (target ≤ 1.2×).
`--old-indexes` runs the full-history file with the history indexes of before migration
0008 (for a before/after figure). Figures only; no pass/fail.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text

from domain.commands.portfolio import RankRequest
from domain.models import (
    Base,
    Feedback,
    MetricSnapshot,
    Portfolio,
    Product,
    RoadmapItem,
    Update,
    Workspace,
)
from domain.services import build_services
from domain.store import Store, make_engine
from domain.views import Actor
from handlers.products import product_card, product_list
from handlers.ranking import ranking_message

PRODUCTS = 1_000
WEEKS = 156  # three years
METRICS = ("revenue", "active users")
TEAM = "T0HIST"
ACTOR = Actor(team_id=TEAM, user_id="U0HIST", is_admin=True)
START = datetime(2024, 3, 25, 9, 0, tzinfo=UTC)
NOW = START + timedelta(weeks=WEEKS)
SEED = 20_271_201
CHUNK = 5_000
CARDS = ("P0000", "P0500", "P0999")

# The history indexes before migration 0008, for `--old-indexes`.
OLD_INDEXES = (
    "DROP INDEX ix_metric_snapshots_product_name",
    "CREATE INDEX ix_metric_snapshots_product_name "
    "ON metric_snapshots (product_id, name, recorded_at)",
    "DROP INDEX ix_updates_product_created",
    "CREATE INDEX ix_updates_product_created ON updates (product_id, created_at)",
    "DROP INDEX ix_updates_item_created",
    "DROP INDEX ix_feedback_product_created",
)


def fill(url: str, *, history: bool) -> None:
    """1,000 products with three items each, and (with `history`) three years of history."""
    rng = random.Random(SEED)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(Workspace), [{"team_id": TEAM, "created_at": START}])
        portfolio_id = conn.execute(
            insert(Portfolio).returning(Portfolio.id),
            [{"team_id": TEAM, "name": "History", "is_default": True, "weights": {}}],
        ).scalar_one()
        conn.execute(
            insert(Product),
            [
                {
                    "team_id": TEAM,
                    "portfolio_id": portfolio_id,
                    "key": f"P{n:04d}",
                    "name": f"Product {n}",
                    "owner_id": f"U{n % 50:05d}",
                    "investment": Decimal(rng.randrange(1_000, 3_000_000, 1_000)),
                    "expected_return": Decimal(rng.randrange(0, 6_000_000, 1_000)),
                    "confidence": Decimal(rng.randint(10, 95)) / 100,
                    "cashflows": [],
                    "next_item_number": 4,
                    "created_at": START,
                    "updated_at": START,
                }
                for n in range(PRODUCTS)
            ],
        )
        ids = [row[0] for row in conn.execute(select(Product.id).order_by(Product.id))]
        conn.execute(
            insert(RoadmapItem),
            [
                {
                    "team_id": TEAM,
                    "product_id": pid,
                    "number": number,
                    "title": f"Item {number}",
                    "status": "in progress" if number == 1 else "planned",
                    "progress": 0,
                }
                for pid in ids
                for number in (1, 2, 3)
            ],
        )
        if history:
            _history(conn, ids, rng)
    engine.dispose()


def _history(conn: Any, ids: list[int], rng: random.Random) -> None:
    items = dict(
        conn.execute(
            select(RoadmapItem.product_id, RoadmapItem.id).where(RoadmapItem.number == 1)
        ).all()
    )
    updates: list[dict[str, Any]] = []
    for week in range(WEEKS):
        at = START + timedelta(weeks=week)
        for pid in ids:
            updates.append(
                {
                    "team_id": TEAM,
                    "product_id": pid,
                    "item_id": items[pid] if week % 3 == 0 else None,
                    "kind": "item" if week % 3 == 0 else "product",
                    "author_id": "U0HIST",
                    "text": f"Week {week}: steady progress",
                    "changes": {},
                    "created_at": at,
                }
            )
        if len(updates) >= CHUNK * 4:
            conn.execute(insert(Update), updates)
            updates = []
    if updates:
        conn.execute(insert(Update), updates)
    snapshots: list[dict[str, Any]] = []
    for week in range(WEEKS):
        at = START + timedelta(weeks=week, hours=1)
        for pid in ids:
            for name in METRICS[week % 2 : week % 2 + 1]:
                snapshots.append(
                    {
                        "team_id": TEAM,
                        "product_id": pid,
                        "name": name,
                        "value": Decimal(rng.randrange(1_000, 100_000)),
                        "recorded_at": at,
                    }
                )
        if len(snapshots) >= CHUNK * 4:
            conn.execute(insert(MetricSnapshot), snapshots)
            snapshots = []
    if snapshots:
        conn.execute(insert(MetricSnapshot), snapshots)
    conn.execute(
        insert(Feedback),
        [
            {
                "team_id": TEAM,
                "product_id": pid,
                "author_id": "U0HIST",
                "text": f"Feedback {n}",
                "created_at": START + timedelta(days=n * 30),
            }
            for pid in ids
            for n in range(12)
        ],
    )


def commands(engine: Engine) -> dict[str, Callable[[], object]]:
    """The timed commands, each service plus rendering."""
    services = build_services(Store(engine), lambda: NOW)
    return {
        "card": lambda: [product_card(services.products.show(ACTOR, key)) for key in CARDS],
        "list": lambda: product_list(services.products.list_products(ACTOR, None)),
        "rank": lambda: ranking_message(
            services.ranking.rank(ACTOR, None, RankRequest("risk", 100, None))
        ),
    }


def median_times(actions: list[Callable[[], object]], runs: int) -> list[float]:
    """The median wall time of each action (after a warm-up), their runs taking turns.

    Taking turns spreads a busy machine's noise over both files alike.
    """
    timings: list[list[float]] = [[] for _ in actions]
    for action in actions:
        action()
    for _ in range(runs):
        for action, times in zip(actions, timings, strict=True):
            start = time.perf_counter()
            action()
            times.append(time.perf_counter() - start)
    return [statistics.median(times) for times in timings]


def history_rows(engine: Engine) -> int:
    """How many history rows a file holds."""
    with engine.connect() as conn:
        return sum(
            conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            for table in ("updates", "metric_snapshots", "feedback")
        )


def main(argv: list[str] | None = None) -> None:
    """Fill both files, time each command on each, print the ratios."""
    parser = argparse.ArgumentParser(prog="python -m bench.history")
    parser.add_argument("--quick", action="store_true", help="fewer runs (< 60 s)")
    parser.add_argument(
        "--old-indexes", action="store_true", help="the history indexes before migration 0008"
    )
    args = parser.parse_args(argv)
    runs = 5 if args.quick else 21
    with tempfile.TemporaryDirectory(prefix="folio-history-") as tmp:
        engines = {}
        for name, history in (("empty", False), ("full", True)):
            path = Path(tmp) / f"{name}.db"
            started = time.perf_counter()
            fill(f"sqlite:///{path}", history=history)
            engine = make_engine(f"sqlite:///{path}")
            if history and args.old_indexes:
                with engine.begin() as conn:
                    for statement in OLD_INDEXES:
                        conn.exec_driver_sql(statement)
            engines[name] = engine
            print(
                f"# {name} history: {history_rows(engine):,} rows, "
                f"filled in {time.perf_counter() - started:.1f} s"
            )
        timed = {name: commands(engine) for name, engine in engines.items()}
        print(f"{'command':>7}  {'empty (ms)':>10}  {'full (ms)':>9}  {'ratio':>6}")
        for command in ("card", "list", "rank"):
            empty, full = median_times([timed["empty"][command], timed["full"][command]], runs)
            print(f"{command:>7}  {empty * 1e3:>10.2f}  {full * 1e3:>9.2f}  {full / empty:>5.2f}×")
        for engine in engines.values():
            engine.dispose()


if __name__ == "__main__":
    main()
