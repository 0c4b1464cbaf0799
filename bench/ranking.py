"""Benchmark: `/portfolio rank` from the database to the rendered message, against plain NumPy.

Run from the repository root: `python -m bench.ranking [SIZES…]` (default 1,000, 10,000 and
100,000 products). For each size it fills a fresh SQLite file in bulk (products with 2–6
years of cash flows, half of them linked to objectives), then times, for each measure:

- Folio: PortfolioService.rank (tenancy, a Core select of the needed columns, the exact
  display-rounded ranking) plus handlers.ranking.ranking_message (templates, Block Kit);
- the baseline: the same rows read from the same file with plain SELECTs (sqlite3), the same
  scores computed with NumPy float64 and the same top 100 picked with a sort.

It prints the median of a few runs, the ratio Folio / baseline, Folio's cost per product,
and how the cost grew against n log n from the previous size. Figures only; no pass/fail.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy import insert

from domain.commands.portfolio import RankRequest
from domain.models import Base, Objective, Portfolio, Product, ProductObjective, Workspace
from domain.services import build_services
from domain.store import Store, make_engine
from domain.views import Actor
from domain.vocabulary import MEASURES
from handlers.blocks import Message
from handlers.ranking import ranking_message

SIZES = (1_000, 10_000, 100_000)
RUNS = 3
SEED = 20_270_322
TEAM = "T0BENCH"
ACTOR = Actor(team_id=TEAM, user_id="U0BENCH", is_admin=True)
CATEGORIES = ("Growth", "Core", "Platform", "Experiments", "Data", "Mobile")
STAGES = ("ideation", "research", "development", "testing", "launch", "growth", "maturity")
HEALTHS = ("on track", "on track", "on track", "at risk", "off track")
RATE = Decimal("0.08")
WEIGHTS = {"roi": "0.3", "risk": "0.3", "npv": "0.2", "alignment": "0.2"}
TOP = 100
NOW = datetime(2027, 3, 22, 10, 0, tzinfo=UTC)

Floats = npt.NDArray[np.float64]


def fill(url: str, size: int) -> None:
    """A workspace, a portfolio and `size` products, inserted in bulk."""
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
        rows = []
        for number in range(size):
            investment = Decimal(rng.randrange(0, 3_000_000, 1_000)) if rng.random() > 0.02 else 0
            multiple = Decimal(str(round(rng.lognormvariate(0.5, 0.6), 3)))
            flows = [-int(investment)] + [
                rng.randrange(0, 2_000_000, 500) for _ in range(rng.randint(1, 5))
            ]
            rows.append(
                {
                    "team_id": TEAM,
                    "portfolio_id": portfolio_id,
                    "key": f"P{number:06d}",
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
        for start in range(0, size, 5_000):
            conn.execute(insert(Product), rows[start : start + 5_000])
        ids = [row[0] for row in conn.exec_driver_sql("SELECT id FROM products ORDER BY id")]
        links = [
            {"product_id": pid, "objective_id": oid, "team_id": TEAM}
            for pid in ids
            for oid in objective_ids
            if rng.random() < 0.25
        ]
        for start in range(0, len(links), 5_000):
            conn.execute(insert(ProductObjective), links[start : start + 5_000])
    engine.dispose()


def folio_rank(store: Store) -> Callable[[str], Message]:
    """The service path: rank, then render the message Slack would get."""
    services = build_services(store, lambda: NOW)

    def run(measure: str) -> Message:
        return ranking_message(services.ranking.rank(ACTOR, None, RankRequest(measure, None, None)))

    return run


def numpy_rank(path: Path) -> Callable[[str], list[str]]:
    """The baseline: plain SELECTs with sqlite3, NumPy scores, the top keys by a sort."""

    def run(measure: str) -> list[str]:
        with sqlite3.connect(path) as db:
            rows = db.execute(
                "SELECT id, key, investment, expected_return, confidence, cashflows "
                "FROM products WHERE team_id = ? AND portfolio_id = 1 AND archived_at IS NULL",
                (TEAM,),
            ).fetchall()
            alignment = dict(
                db.execute(
                    "SELECT po.product_id, SUM(o.weight) FROM product_objectives po "
                    "JOIN objectives o ON o.id = po.objective_id WHERE po.team_id = ? "
                    "GROUP BY po.product_id",
                    (TEAM,),
                ).fetchall()
            )
        ids, keys, investment, back, confidence, flows = zip(*rows, strict=True)
        inv = np.asarray(investment, dtype=np.float64)
        ret = np.asarray(back, dtype=np.float64)
        conf = np.asarray(confidence, dtype=np.float64)
        # Each measure rounded to the places people see (as Folio ranks them): 4, or cents.
        parts = {
            "roi": lambda: np.round(_ratio(ret - inv, inv), 4),
            "risk": lambda: np.round(_ratio(conf * ret - inv, inv), 4),
            "npv": lambda: np.round(_npv([json.loads(f) for f in flows]), 2),
            "alignment": lambda: np.array([alignment.get(i, 0.0) for i in ids], dtype=np.float64),
        }
        if measure == "score":
            values = np.zeros(len(keys))
            for name, weight in WEIGHTS.items():
                part = parts[name]()
                present = ~np.isnan(part)
                low, high = np.nanmin(part), np.nanmax(part)
                span = (high - low) or 1.0
                values += float(weight) * np.where(present, (part - low) / span, 0.0)
            values = np.round(values, 4)
        else:
            values = parts[measure]()
        order = np.lexsort((np.asarray(keys), -np.nan_to_num(values, nan=-np.inf)))
        return [keys[i] for i in order[:TOP]]

    return run


def _ratio(top: Floats, bottom: Floats) -> Floats:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom != 0, top / np.where(bottom != 0, bottom, 1.0), np.nan)


def _npv(flows: list[list[str]]) -> Floats:
    lengths = np.fromiter((len(f) for f in flows), np.int64, len(flows))
    values = np.fromiter((float(x) for f in flows for x in f), np.float64, int(lengths.sum()))
    rows = np.repeat(np.arange(len(flows)), lengths)
    years = np.arange(len(values)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    terms = values * (1.0 + float(RATE)) ** -years.astype(np.float64)
    return np.bincount(rows, weights=terms, minlength=len(flows)).astype(np.float64)


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
    sizes = tuple(int(a.replace(",", "")) for a in (argv or [])) or SIZES
    print(
        f"{'products':>9}  {'measure':>7}  {'Folio (s)':>9}  {'NumPy (s)':>9}  {'ratio':>6}  "
        f"{'µs/product':>10}  {'growth vs n log n':>17}  top-{TOP} same"
    )
    previous: dict[str, tuple[int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="folio-bench-") as tmp:
        for size in sizes:
            path = Path(tmp) / f"bench-{size}.db"
            fill(f"sqlite:///{path}", size)
            engine = make_engine(f"sqlite:///{path}")
            service, baseline = folio_rank(Store(engine)), numpy_rank(path)
            for measure in MEASURES:
                service(measure)  # warm up: connections, compiled statements, templates
                folio_s, message = median_time(lambda m=measure, f=service: f(m))  # type: ignore[misc]
                numpy_s, top = median_time(lambda m=measure, f=baseline: f(m))  # type: ignore[misc]
                growth = ""
                if measure in previous:
                    size0, time0 = previous[measure]
                    expected = (size * math.log(size)) / (size0 * math.log(size0))
                    growth = f"{folio_s / time0:5.1f}× / {expected:5.1f}×"
                previous[measure] = (size, folio_s)
                shown = _keys_shown(message)  # type: ignore[arg-type]
                same = sum(a == b for a, b in zip(shown, top, strict=False))  # type: ignore[call-overload]
                print(
                    f"{size:>9,}  {measure:>7}  {folio_s:>9.3f}  {numpy_s:>9.3f}  "
                    f"{folio_s / numpy_s:>5.1f}×  {folio_s / size * 1e6:>10.2f}  {growth:>17}  "
                    f"{same}/{min(TOP, len(shown))}"
                )
            engine.dispose()


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
    main(sys.argv[1:])
