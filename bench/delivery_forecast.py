"""Benchmark: delivery forecasts for 10,000 roadmap items against a plain NumPy baseline.

Run from the repository root: `python -m bench.delivery_forecast` (or `--quick`, 1,000
items, a few seconds, for CI). It builds 1,000 and 10,000 seeded items with 3–12 dated
progress updates (5–14 days apart, mostly forward, a few setbacks and stalls), times
`forecast_items()`, the function the forecasts service calls (1,000 resampled paths per
item, P50, P85 and the odds of each target, all items in one vectorised pass) and, in the
same run, the textbook NumPy version: per item `rng.choice` of its daily paces for 1,000
paths × the weeks it needs, `cumsum` and `argmax`. It prints medians of 3 runs (wall
time, their ratio, and CPU time, which a busy machine inflates less), how the outlooks
split, and whether 10,000 items take at most 2 s of wall time (issue 13's target), with the
load average, since a shared machine slows both sides. Figures only: the exit status does
not depend on them.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
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
from domain.uncertainty.runs import HORIZON_WEEKS

SIZES = (1_000, 10_000)
QUICK_SIZES = (1_000,)
RUNS = 3
TARGET_ITEMS = 10_000
TARGET_SECONDS = 2.0
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


def timed(work: Callable[[], T]) -> tuple[float, float, T]:
    """The median wall time and the median CPU time of RUNS calls, and the last result."""
    times, cpu = [], []
    result: T | None = None
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert result is not None
    return statistics.median(times), statistics.median(cpu), result


def main() -> None:
    """Time the forecasts and the baseline at each size; print a table and the target."""
    parser = argparse.ArgumentParser(prog="python -m bench.delivery_forecast")
    parser.add_argument("--quick", action="store_true", help="1,000 items only (CI, < 20 s)")
    args = parser.parse_args()
    sizes = QUICK_SIZES if args.quick else SIZES
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} cores, load average {load}; medians of {RUNS} runs")
    print(
        f"{'items':>6}  {'Folio (s)':>9}  {'NumPy (s)':>9}  {'ratio':>6}"
        f"  {'CPU: Folio':>10}  {'NumPy':>6}  outlooks"
    )
    at_target: float | None = None
    for size in sizes:
        items = build_items(size)
        spent, spent_cpu, outlooks = timed(partial(forecast_items, items, TODAY))
        baseline, baseline_cpu, _ = timed(partial(numpy_baseline, items))
        kinds = Counter(type(o).__name__ for o in outlooks)
        split = ", ".join(f"{name} {count:,}" for name, count in kinds.most_common())
        print(
            f"{size:>6}  {spent:>9.3f}  {baseline:>9.3f}  {spent / baseline:>5.2f}×"
            f"  {spent_cpu:>10.3f}  {baseline_cpu:>6.3f}  {split}"
        )
        if size == TARGET_ITEMS:
            at_target = spent
    if at_target is None:
        print(f"target (≤ {TARGET_SECONDS:g} s for {TARGET_ITEMS:,} items): not measured (--quick)")
    else:
        verdict = "met" if at_target <= TARGET_SECONDS else "NOT met"
        print(
            f"target (≤ {TARGET_SECONDS:g} s for {TARGET_ITEMS:,} items): {verdict}"
            f" ({at_target:.3f} s)"
        )


if __name__ == "__main__":
    main()
