"""Benchmark: `/portfolio rank … top N` (ROI, risk, NPV, score) against the `ORDER BY … LIMIT N`.

Run from the repository root: `python -m bench.ranking` (100,000 and 1,000,000 products),
`--quick` (10,000 and 100,000: under a minute, for CI), or sizes (`python -m bench.ranking
50000`). For each size it fills a fresh SQLite file in bulk (products with 2–6 years of
cash flows, half of them linked to objectives), then times, in the same run on the same file:

- Folio: RankingService.rank (tenancy, the page read by the stored sort key, the totals
  the triggers keep, the exact Decimal values) plus handlers.ranking.ranking_message
  (templates, Block Kit); the service is also timed alone ("service");
- the baseline: sqlite3 running `SELECT … FROM products WHERE portfolio … ORDER BY
  <stored key>, key LIMIT N` on the same table (NPV's also reads the cash flows its values
  come from), and the same query with the header's aggregates (count and money totals, and
  for NPV the count of products without cash flows) that any such message needs.

It prints the median of a few runs, the ratio Folio / baseline (target ≤ 3×), whether the
keys shown are the baseline's, and how Folio's time grew from the previous size. The
weighted score's baseline is the database's own: its bounds (one aggregate over the
products, the stored alignment_key included), then the same score in SQL, rounded to its 4
places, `ORDER BY score DESC, key LIMIT N`. "before" is the full path (every product read
and ranked in Python) for ROI, risk (what they did until migration 0008), NPV (until 0009)
and the score (until it was scored in SQL), timed once, with a check that it renders the
very same message. Last, per size, the
time a discount rate change takes (it re-keys every product's NPV in its transaction).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from domain.commands.portfolio import RankRequest, SetupRequest
from domain.models import Base, Objective, Portfolio, Product, ProductObjective, Workspace
from domain.ranking.keys import NO_VALUE
from domain.services import build_services
from domain.services.access import portfolio_for
from domain.store import Store, make_engine
from domain.views import Actor
from handlers.blocks import Message
from handlers.ranking import ranking_message

SIZES = (100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
RUNS = 5
SEED = 20_270_322
TEAM = "T0BENCH"
ACTOR = Actor(team_id=TEAM, user_id="U0BENCH", is_admin=True)
CATEGORIES = ("Growth", "Core", "Platform", "Experiments", "Data", "Mobile")
STAGES = ("ideation", "research", "development", "testing", "launch", "growth", "maturity")
HEALTHS = ("on track", "on track", "on track", "at risk", "off track")
RATE = Decimal("0.08")
WEIGHTS = {"roi": "0.3", "risk": "0.3", "npv": "0.2", "alignment": "0.2"}
TOP = 100
CHUNK = 5_000
NOW = datetime(2027, 3, 22, 10, 0, tzinfo=UTC)
KEYED = {"roi": "roi_key", "risk": "risk_key", "npv": "npv_key"}
_COLUMNS = "key, name, owner_id, category, health, investment, expected_return, confidence"
_ACTIVE = "FROM products WHERE team_id = ? AND portfolio_id = 1 AND archived_at IS NULL"
QUERIES = {
    "roi": f"SELECT {_COLUMNS} {_ACTIVE} ORDER BY roi_key, key LIMIT ?",
    "risk": f"SELECT {_COLUMNS} {_ACTIVE} ORDER BY risk_key, key LIMIT ?",
    "npv": f"SELECT {_COLUMNS}, cashflows {_ACTIVE} ORDER BY npv_key, key LIMIT ?",
}
TOTALS = (
    f"SELECT count(*), sum(round(investment * 100)), sum(round(expected_return * 100)) {_ACTIVE}"
)
UNVALUED = {"npv": f"SELECT count(*) {_ACTIVE} AND npv_key = {NO_VALUE}"}
SCORE_BOUNDS = (
    f"SELECT min(roi_key), max(CASE WHEN roi_key < {NO_VALUE} THEN roi_key END),"
    f" min(risk_key), max(CASE WHEN risk_key < {NO_VALUE} THEN risk_key END),"
    f" min(npv_key), max(CASE WHEN npv_key < {NO_VALUE} THEN npv_key END),"
    f" min(alignment_key), max(alignment_key) {_ACTIVE}"
)


def _products(size: int, portfolio_id: int, rng: random.Random) -> Iterator[list[dict[str, Any]]]:
    """The products, a chunk at a time (a million rows never sit in memory at once)."""
    for first in range(0, size, CHUNK):
        rows = []
        for number in range(first, min(size, first + CHUNK)):
            investment = Decimal(rng.randrange(0, 3_000_000, 1_000)) if rng.random() > 0.02 else 0
            multiple = Decimal(str(round(rng.lognormvariate(0.5, 0.6), 3)))
            flows = [-int(investment)] + [
                rng.randrange(0, 2_000_000, 500) for _ in range(rng.randint(1, 5))
            ]
            rows.append(
                {
                    "team_id": TEAM,
                    "portfolio_id": portfolio_id,
                    "key": f"P{number:07d}",
                    "name": f"Product {number}",
                    "owner_id": f"U{number % 500:05d}",
                    "category": rng.choice(CATEGORIES),
                    "stage": rng.choice(STAGES),
                    "health": rng.choice(HEALTHS),
                    "investment": Decimal(investment),
                    "expected_return": (Decimal(investment) * multiple).quantize(Decimal("0.01")),
                    "confidence": Decimal(rng.randint(10, 95)) / 100,
                    "cashflows": [f"{f}.00" for f in flows],
                    "next_item_number": 1,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        yield rows


def fill(url: str, size: int) -> None:
    """A workspace, a portfolio and `size` products, inserted in bulk (keys by Core defaults)."""
    rng = random.Random(SEED + size)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(Workspace), [{"team_id": TEAM, "created_at": NOW}])
        portfolio_id = conn.execute(
            insert(Portfolio).returning(Portfolio.id),
            [
                {
                    "team_id": TEAM,
                    "name": "Bench",
                    "currency": "USD",
                    "discount_rate": RATE,
                    "is_default": True,
                    "ranking_measure": "risk",
                    "weights": WEIGHTS,
                    "created_at": NOW,
                }
            ],
        ).scalar_one()
        objective_ids = [
            conn.execute(
                insert(Objective).returning(Objective.id),
                [
                    {
                        "team_id": TEAM,
                        "key": key,
                        "title": key,
                        "weight": Decimal(w),
                        "created_at": NOW,
                    }
                ],
            ).scalar_one()
            for key, w in (("GROW", 3), ("RET", 2), ("EFF", 1))
        ]
        for rows in _products(size, portfolio_id, rng):
            conn.execute(insert(Product), rows)
        last = 0
        while True:
            ids = [
                row[0]
                for row in conn.exec_driver_sql(
                    f"SELECT id FROM products WHERE id > {last} ORDER BY id LIMIT {CHUNK}"  # noqa: S608
                )
            ]
            if not ids:
                break
            last = ids[-1]
            links = [
                {"product_id": pid, "objective_id": oid, "team_id": TEAM}
                for pid in ids
                for oid in objective_ids
                if rng.random() < 0.25
            ]
            conn.execute(insert(ProductObjective), links)
    engine.dispose()


def folio_rank(store: Store, *, render: bool = True) -> Callable[[str], Message | None]:
    """The service path: rank (top N), then render the message Slack would get."""
    services = build_services(store, lambda: NOW)

    def run(measure: str) -> Message | None:
        view = services.ranking.rank(ACTOR, None, RankRequest(measure, TOP, None))
        return ranking_message(view) if render else None

    return run


def full_path(store: Store) -> Callable[[str], Message]:
    """Before: every product read and ranked in Python (the path the score still takes)."""
    services = build_services(store, lambda: NOW)

    def run(measure: str) -> Message:
        request = RankRequest(measure, TOP, None)
        with store.read(TEAM) as tenant:
            portfolio = portfolio_for(tenant, None)
            view = services.ranking._rank_in_full(tenant, portfolio, measure, request)
        return ranking_message(view)

    return run


def database_top(path: Path, *, totals: bool) -> Callable[[str], list[str]]:
    """The baseline: the database's own ORDER BY <stored key>, key LIMIT N (and the totals)."""
    db = sqlite3.connect(path, check_same_thread=False)

    def run(measure: str) -> list[str]:
        rows = db.execute(QUERIES[measure], (TEAM, TOP)).fetchall()
        if totals:
            db.execute(TOTALS, (TEAM,)).fetchall()
            if measure in UNVALUED:
                db.execute(UNVALUED[measure], (TEAM,)).fetchall()
        return [row[0] for row in rows]

    return run


def database_score(path: Path, *, totals: bool) -> Callable[[str], list[str]]:
    """The score's baseline: the database's own bounds aggregates, then ORDER BY score LIMIT N.

    The same score Folio ranks by (WEIGHTS over each measure normalised between the
    portfolio's bounds, n/a counting 0), rounded to its 4 places, ties by key: the bounds
    in one aggregate over the products (alignment from the stored `alignment_key`), then
    one query.
    """
    db = sqlite3.connect(path, check_same_thread=False)

    def run(_: str) -> list[str]:
        *keys, low_a, high_a = db.execute(SCORE_BOUNDS, (TEAM,)).fetchone()
        terms = []
        for index, name in enumerate(("roi", "risk", "npv")):
            low, high = -keys[2 * index + 1], -keys[2 * index]
            scale = float(WEIGHTS[name]) * 10_000 / (high - low)
            column = f"{name}_key"
            terms.append(
                f"CASE WHEN {column} < {NO_VALUE} THEN (-{column} - {low}) * {scale} ELSE 0 END"
            )
        scale = float(WEIGHTS["alignment"]) * 10_000 / (high_a - low_a)
        terms.append(f"(alignment_key - {low_a}) * {scale}")
        score = " + ".join(terms)
        rows = db.execute(
            f"SELECT {_COLUMNS}, cashflows FROM products"  # noqa: S608
            " WHERE team_id = ? AND portfolio_id = 1"
            f" AND archived_at IS NULL ORDER BY CAST({score} + 0.5 AS INTEGER) DESC, key LIMIT ?",
            (TEAM, TOP),
        ).fetchall()
        if totals:
            db.execute(TOTALS, (TEAM,)).fetchall()
        return [row[0] for row in rows]

    return run


def median_time(action: Callable[[], object], runs: int = RUNS) -> tuple[float, object]:
    """The median wall time of a few runs, and the last result."""
    timings = []
    result: object = None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


def main(argv: list[str] | None = None) -> None:
    """Fill, time and print one table row per size and measure."""
    parser = argparse.ArgumentParser(prog="python -m bench.ranking")
    parser.add_argument("sizes", nargs="*", help="numbers of products (default 100,000 and 1M)")
    parser.add_argument("--quick", action="store_true", help="10,000 and 100,000 (< 60 s)")
    args = parser.parse_args(argv)
    sizes = tuple(int(a.replace(",", "")) for a in args.sizes) or (
        QUICK_SIZES if args.quick else SIZES
    )
    measures = ("roi", "risk", "npv", "score")
    print(
        f"{'products':>9}  {'measure':>7}  {'service':>8}  {'Folio (ms)':>10}  {'LIMIT (ms)':>10}  "
        f"{'ratio':>6}  {'+totals (ms)':>12}  {'ratio':>6}  {'growth':>7}  top-{TOP} same  "
        f"{'before (ms)':>11}"
    )
    previous: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="folio-bench-") as tmp:
        for size in sizes:
            path = Path(tmp) / f"bench-{size}.db"
            started = time.perf_counter()
            fill(f"sqlite:///{path}", size)
            print(f"# {size:,} products filled in {time.perf_counter() - started:.1f} s")
            engine = make_engine(f"sqlite:///{path}")
            service = folio_rank(Store(engine))
            service_only = folio_rank(Store(engine), render=False)
            before = full_path(Store(engine))
            keyed = database_top(path, totals=False), database_top(path, totals=True)
            scored = database_score(path, totals=False), database_score(path, totals=True)
            for measure in measures:
                bare, with_totals = scored if measure == "score" else keyed
                service(measure)  # warm up: connections, compiled statements, templates
                bare(measure)
                folio_s, message = median_time(lambda m=measure, f=service: f(m))  # type: ignore[misc]
                alone_s, _ = median_time(lambda m=measure, f=service_only: f(m))  # type: ignore[misc]
                bare_s, top = median_time(lambda m=measure, f=bare: f(m))  # type: ignore[misc]
                full_s, _ = median_time(lambda m=measure, f=with_totals: f(m))  # type: ignore[misc]
                shown = _keys_shown(message)  # type: ignore[arg-type]
                same = f"{sum(a == b for a, b in zip(shown, top, strict=False))}/{len(shown)}"  # type: ignore[call-overload]
                before_s, old = median_time(lambda m=measure, f=before: f(m), runs=1)  # type: ignore[misc]
                same += "" if old == message else " (differs from before!)"
                base = (
                    f"{bare_s * 1e3:>10.2f}  {folio_s / bare_s:>5.1f}×  "
                    f"{full_s * 1e3:>12.2f}  {folio_s / full_s:>5.1f}×"
                )
                growth = f"{folio_s / previous[measure]:6.1f}×" if measure in previous else ""
                previous[measure] = folio_s
                print(
                    f"{size:>9,}  {measure:>7}  {alone_s * 1e3:>8.2f}  {folio_s * 1e3:>10.2f}  "
                    f"{base}  {growth:>7}  {same:>12}  {before_s * 1e3:>11.1f}"
                )
            rekey_s = rate_change(Store(engine))
            print(f"# {size:,} products: a discount rate change re-keys NPV in {rekey_s:.2f} s")
            engine.dispose()


def rate_change(store: Store) -> float:
    """The time `/portfolio setup | discount …` takes: every product's NPV key recomputed."""
    services = build_services(store, lambda: NOW)
    request = SetupRequest(None, None, None, RATE + Decimal("0.01"))
    started = time.perf_counter()
    services.portfolios.setup(ACTOR, request)
    return time.perf_counter() - started


def _keys_shown(message: Message) -> list[str]:
    """The product keys of the ranking lines, in order, from the rendered message."""
    text = "\n".join(
        block["text"]["text"] for block in message.blocks if block.get("type") == "section"
    )
    found = []
    for line in text.splitlines():
        if line.startswith("*") and "* *P" in line:
            found.append(line.split("* *", 1)[1].split("*", 1)[0])
    return found


if __name__ == "__main__":
    main()
