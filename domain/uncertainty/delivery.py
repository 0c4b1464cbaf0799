"""Delivery forecasts from an item's own progress updates: when it will be done, and the odds.

An item with at least three dated progress updates (on different days) is forecast from its
pace: each stretch between two updates gives a pace (percentage points per day), and every
simulated week draws the pace of one day of its recent history (the last 12 weeks, and at
least its last three updates) at random, so stretches count by their length. 1,000 seeded
paths run until 100 % or three years; P50 and P85 are the days by which half and 85 % of
them are done, and the chance of meeting the target is the share done by the target (its
standard error is √(p(1−p)/1,000): at most 1.6 points, at even odds). A forecast never
lands before `today`. All items are simulated together (`runs`), but each item's random
draws are a function of its own seed (from its reference and history) and of the path and
week alone, so its forecast is the same alone or among 10,000.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from domain.uncertainty.runs import HORIZON_DAYS, NEVER, Days, Pace, finish_days

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


@dataclass(frozen=True)
class _Plan:
    index: int
    progress: int
    as_of: date
    updates: int  # distinct days with an update
    pace: Pace


def forecast_items(
    histories: Sequence[ItemHistory],
    today: date,
    *,
    paths: int = PATHS,
    seed: int = SEED,
) -> list[Outlook]:
    """The outlook of each item, in the order given (all simulated in one pass)."""
    results: list[Outlook | None] = [None] * len(histories)
    plans: list[_Plan] = []
    for index, history in enumerate(histories):
        outcome = _plan(index, history, seed)
        if isinstance(outcome, _Plan):
            plans.append(outcome)
        else:
            results[index] = outcome
    days = finish_days([p.pace for p in plans], paths)
    for plan, forecast in zip(plans, _summarise(plans, histories, days, today), strict=True):
        results[plan.index] = forecast
    return [r for r in results if r is not None]


def forecast_item(history: ItemHistory, today: date, *, paths: int = PATHS) -> Outlook:
    """One item's outlook (the same as it gets among many)."""
    return forecast_items([history], today, paths=paths)[0]


def _distinct(readings: Sequence[Reading]) -> list[Reading]:
    """One reading per day (the day's last), oldest first."""
    if all(a.on < b.on for a, b in itertools.pairwise(readings)):
        return list(readings)
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
    gaps = tuple((b.on - a.on).days for a, b in pairs)
    paces = [(b.percent - a.percent) / gap for (a, b), gap in zip(pairs, gaps, strict=True)]
    total = sum(gaps)
    mean = math.fsum(p * g for p, g in zip(paces, gaps, strict=True)) / total
    variance = math.fsum(g * (p - mean) ** 2 for p, g in zip(paces, gaps, strict=True)) / total
    key = f"{history.ref}|{seed}|" + ",".join(f"{r.on.toordinal()}:{r.percent}" for r in readings)
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    pace = Pace(
        weekly=tuple(7.0 * p for p in paces),
        days=gaps,
        remaining=float(100 - last.percent),
        seed=int.from_bytes(digest, "little"),
        mean=mean * 7,
        spread=math.sqrt(variance) * 7,
    )
    return _Plan(index, last.percent, last.on, len(readings), pace)


def _flat_after(readings: Sequence[Reading], reading: Reading) -> bool:
    """Whether every reading from this one on has the same progress."""
    return all(r.percent == reading.percent for r in readings if r.on >= reading.on)


def _summarise(
    plans: Sequence[_Plan], histories: Sequence[ItemHistory], days: Days, today: date
) -> list[DeliveryForecast]:
    """P50, P85 and the odds of the target of every item at once, from its paths' days."""
    if not plans:
        return []
    paths = days.shape[1]
    k50, k85 = (max(0, math.ceil(q * paths) - 1) for q in (0.5, 0.85))
    ranked = np.sort(days, axis=1)
    base = np.array([p.as_of.toordinal() for p in plans], dtype=np.int64)
    floor = np.maximum(base, today.toordinal())
    targets = [histories[p.index].target for p in plans]
    target = np.array([t.toordinal() if t is not None else 0 for t in targets], dtype=np.int64)
    # Done by the target: within the days to it, unless today is already past it.
    within = np.where(floor <= target, np.minimum(target - base, HORIZON_DAYS), -1)
    on_time = (days <= within[:, None]).sum(axis=1) / paths

    def when(value: int, first: int, earliest: int) -> date | None:
        return None if value == NEVER else date.fromordinal(max(first + value, earliest))

    return [
        DeliveryForecast(
            ref=histories[plan.index].ref,
            progress=plan.progress,
            as_of=plan.as_of,
            pace=plan.pace.mean,
            p50=when(p50, first, earliest),
            p85=when(p85, first, earliest),
            target=goal,
            on_time=None if goal is None else chance,
            updates=plan.updates,
        )
        for plan, goal, p50, p85, first, earliest, chance in zip(
            plans,
            targets,
            ranked[:, k50].tolist(),
            ranked[:, k85].tolist(),
            base.tolist(),
            floor.tolist(),
            on_time.tolist(),
            strict=True,
        )
    ]
