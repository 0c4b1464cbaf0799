"""Benchmark: delivery forecasts for 10,000 roadmap items against a plain NumPy baseline.

Run from the repository root: `python -m bench.delivery_forecast`. It builds 1,000 and
10,000 seeded items with 3–12 dated progress updates (5–14 days apart, mostly forward, a
few setbacks and stalls), times `forecast_items()` (1,000 resampled paths per item, P50,
P85 and the odds of each target) and, in the same run, the textbook NumPy version: per item
`rng.choice` of its daily paces for 1,000 paths × the weeks to the horizon, `cumsum` and
`argmax`. It prints medians of 3 runs and their ratio, and how the outlooks split.
Figures only; no pass/fail.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import TypeVar

import numpy as np

from domain.uncertainty.delivery import PATHS, ItemHistory, Reading, forecast_items
from domain.uncertainty.paths import HORIZON_WEEKS

SIZES = (1_000, 10_000)
RUNS = 3
SEED = 20_270_101
START = date(2027, 1, 4)
TODAY = date(2027, 4, 1)
STEPS = (0, 0, 3, 5, 5, 8, 10, 10, 12, 15, -5)

T = TypeVar("T")


def build_items(size: int, seed: int = SEED) -> list[ItemHistory]:
    """Seeded items: 3–12 progress updates each, 5–14 days apart, targets 1–6 months out."""
    rng = random.Random(seed + size)
    items = []
    for number in range(size):
        progress = rng.randint(0, 30)
        day = START + timedelta(days=rng.randint(0, 20))
        readings = []
        for _ in range(rng.randint(3, 12)):
            readings.append(Reading(day, min(95, max(0, progress))))
            progress += rng.choice(STEPS)
            day += timedelta(days=rng.randint(5, 14))
        target = TODAY + timedelta(days=rng.randint(30, 180))
        items.append(ItemHistory(f"P{number:05d}-1", tuple(readings), target))
    return items


def numpy_baseline(items: list[ItemHistory]) -> int:
    """The plain NumPy way: per item, rng.choice of daily paces for every path and week."""
    rng = np.random.default_rng(SEED)
    done = 0
    for item in items:
        readings = item.readings
        paces: list[float] = []
        for a, b in itertools.pairwise(readings):
            days = (b.on - a.on).days
            paces += [7 * (b.percent - a.percent) / days] * days
        mean = sum(paces) / len(paces)
        if mean <= 0:
            continue
        weeks = min(HORIZON_WEEKS, math.ceil(1.25 * (100 - readings[-1].percent) / mean) + 2)
        steps = rng.choice(np.array(paces), size=(PATHS, weeks))
        crossed = np.cumsum(steps, axis=1) >= 100 - readings[-1].percent
        done += int(crossed.any(axis=1).sum()) + int(crossed.argmax(axis=1).sum() > 0)
    return done


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
    """Time the forecasts and the baseline at each size; print a table."""
    print(f"{'items':>6}  {'Folio (s)':>9}  {'NumPy (s)':>9}  {'ratio':>6}  outlooks")
    for size in SIZES:
        items = build_items(size)
        spent, outlooks = timed(partial(forecast_items, items, TODAY))
        baseline, _ = timed(partial(numpy_baseline, items))
        kinds = Counter(type(o).__name__ for o in outlooks)
        split = ", ".join(f"{name} {count:,}" for name, count in kinds.most_common())
        print(f"{size:>6}  {spent:>9.3f}  {baseline:>9.3f}  {spent / baseline:>5.2f}×  {split}")


if __name__ == "__main__":
    main()
