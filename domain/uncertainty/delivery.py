"""Delivery forecasts from an item's own progress updates: when it will be done, and the odds.

An item with at least three dated progress updates (on different days) is forecast from its
pace: each stretch between two updates gives a pace (percentage points per day), and every
simulated week draws the pace of one day of its recent history (the last 12 weeks, and at
least its last three updates) at random, so stretches count by their length. 1,000 seeded
paths run until 100 % or three years; P50 and P85 are the days by which half and 85 % of
them are done, and the chance of meeting the target is the share done by the target.
A forecast never lands before `today`. Each item draws from its own generator, seeded by
its reference and history, so its forecast is the same alone or among 10,000.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from domain.uncertainty.paths import Pace, finish_days

PATHS = 1_000
WINDOW_DAYS = 84
MINIMUM_UPDATES = 3
SEED = 20_270_101


@dataclass(frozen=True)
class Reading:
    """One dated progress update: the item was at `percent` on `on`."""

    on: date
    percent: int


@dataclass(frozen=True)
class ItemHistory:
    """A roadmap item's progress updates (oldest first), its target and whether it is done."""

    ref: str
    readings: tuple[Reading, ...]
    target: date | None = None
    done: bool = False


@dataclass(frozen=True)
class DeliveryForecast:
    """When the item should be done at its pace: P50 and P85 (None: not within three years).

    `on_time` is the chance of being done by the target (None without a target); `pace` is
    the mean weekly progress (percentage points) of the history it resamples.
    """

    ref: str
    progress: int
    as_of: date
    pace: float
    p50: date | None
    p85: date | None
    target: date | None
    on_time: float | None
    updates: int


@dataclass(frozen=True)
class NotEnoughHistory:
    """Fewer than `needed` dated progress updates (on different days) to read a pace from."""

    ref: str
    updates: int
    needed: int = MINIMUM_UPDATES


@dataclass(frozen=True)
class Stalled:
    """Its last three updates or more show the same progress: at `progress` since `since`."""

    ref: str
    progress: int
    since: date


@dataclass(frozen=True)
class GoingBackwards:
    """Its recent history made no headway: down from `peak` (on `since`) to `progress`."""

    ref: str
    progress: int
    peak: int
    since: date


@dataclass(frozen=True)
class Finished:
    """Already at 100 % (or done)."""

    ref: str
    on: date | None


Outlook = DeliveryForecast | NotEnoughHistory | Stalled | GoingBackwards | Finished


@dataclass(frozen=True)
class Slip:
    """An open item more likely than not to miss its target at its current pace."""

    ref: str
    title: str
    target: str  # the target as written (a date or a quarter)
    miss: float
    p50: date | None


def likely_to_slip(forecast: Outlook) -> bool:
    """Whether a forecast gives its item under even odds of meeting its target."""
    return (
        isinstance(forecast, DeliveryForecast)
        and forecast.on_time is not None
        and forecast.on_time < 0.5
    )


@dataclass
class _Plan:
    index: int
    ref: str
    progress: int
    as_of: date
    daily: npt.NDArray[np.float64]  # the pace of each day of the recent history
    seed: int
    mean: float  # weekly pace: mean and standard deviation of the resampled history
    spread: float


def forecast_items(
    histories: Sequence[ItemHistory],
    today: date,
    *,
    paths: int = PATHS,
    seed: int = SEED,
) -> list[Outlook]:
    """The outlook of each item, in the order given."""
    results: list[Outlook | None] = [None] * len(histories)
    plans: list[_Plan] = []
    for index, history in enumerate(histories):
        outcome = _plan(index, history, seed)
        if isinstance(outcome, _Plan):
            plans.append(outcome)
        else:
            results[index] = outcome
    paces = [
        Pace((p.daily * 7.0).astype(np.float32), float(100 - p.progress), p.seed, p.mean, p.spread)
        for p in plans
    ]
    for plan, finish in zip(plans, finish_days(paces, paths), strict=True):
        results[plan.index] = _summarise(plan, histories[plan.index], finish, today)
    return [r for r in results if r is not None]


def forecast_item(history: ItemHistory, today: date, *, paths: int = PATHS) -> Outlook:
    """One item's outlook (the same as it gets among many)."""
    return forecast_items([history], today, paths=paths)[0]


def _distinct(readings: Sequence[Reading]) -> list[Reading]:
    """One reading per day (the day's last), oldest first."""
    by_day: dict[date, Reading] = {}
    for reading in sorted(readings, key=lambda r: r.on):
        by_day[reading.on] = reading
    return [by_day[d] for d in sorted(by_day)]


def _plan(index: int, history: ItemHistory, seed: int) -> _Plan | Outlook:
    readings = _distinct(history.readings)
    last = readings[-1] if readings else None
    if history.done or (last is not None and last.percent >= 100):
        return Finished(history.ref, last.on if last else None)
    if len(readings) < MINIMUM_UPDATES:
        return NotEnoughHistory(history.ref, len(readings))
    assert last is not None
    start = last.on - timedelta(days=WINDOW_DAYS)
    window = [r for r in readings if r.on >= start]
    if len(window) < MINIMUM_UPDATES:
        window = readings[-MINIMUM_UPDATES:]
    if all(r.percent == last.percent for r in readings[-MINIMUM_UPDATES:]):
        since = next(r.on for r in readings if _flat_after(readings, r))
        return Stalled(history.ref, last.percent, since)
    if window[-1].percent <= window[0].percent:
        peak = max(window, key=lambda r: (r.percent, r.on))
        return GoingBackwards(history.ref, last.percent, peak.percent, peak.on)
    pairs = list(itertools.pairwise(window))
    gaps = [(b.on - a.on).days for a, b in pairs]
    paces = [(b.percent - a.percent) / gap for (a, b), gap in zip(pairs, gaps, strict=True)]
    daily = np.repeat(np.array(paces, dtype=np.float64), gaps)
    mean, spread = float(daily.mean()) * 7, float(daily.std()) * 7
    key = f"{history.ref}|{seed}|" + ",".join(f"{r.on.isoformat()}:{r.percent}" for r in readings)
    seed_value = zlib.crc32(key.encode())
    return _Plan(index, history.ref, last.percent, last.on, daily, seed_value, mean, spread)


def _flat_after(readings: Sequence[Reading], reading: Reading) -> bool:
    """Whether every reading from this one on has the same progress."""
    return all(r.percent == reading.percent for r in readings if r.on >= reading.on)


def _summarise(
    plan: _Plan, history: ItemHistory, finish: npt.NDArray[np.float64], today: date
) -> DeliveryForecast:
    base = plan.as_of.toordinal()
    floor = max(today.toordinal(), base)
    ordinals = np.sort(np.maximum(base + np.ceil(finish), floor))

    def quantile(q: float) -> date | None:
        value = float(ordinals[max(0, math.ceil(q * len(ordinals)) - 1)])
        return None if math.isinf(value) else date.fromordinal(int(value))

    on_time = None
    if history.target is not None:
        done = np.searchsorted(ordinals, history.target.toordinal(), side="right")
        on_time = float(done) / len(ordinals)
    return DeliveryForecast(
        ref=plan.ref,
        progress=plan.progress,
        as_of=plan.as_of,
        pace=plan.mean,
        p50=quantile(0.5),
        p85=quantile(0.85),
        target=history.target,
        on_time=on_time,
        updates=len(_distinct(history.readings)),
    )
