"""Resampled progress runs: how many days each item's runs take to reach 100 %, many at once.

Every run of an item adds, each week, the weekly pace of one day of its history drawn at
random (16 random bits scaled to the history's length: each day's chance is within
1/65,536 of uniform). An item's draws come from its own generator, seeded by the item, so
its runs are the same alone or among any others. A first round simulates the weeks most
runs need; the runs still short of 100 % go on in another. Weeks run down the rows, so
running sums add whole rows at a time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

HORIZON_WEEKS = 156
_FIRST_Z = 1.65  # a first round covers about 95 % of runs (by the CLT)
_LATER_Z = 3.0  # a later round covers nearly all the rest

Floats = npt.NDArray[np.float64]
Steps = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Pace:
    """What a simulation needs of an item: its weekly steps, the progress left, its seed."""

    weekly: Steps
    remaining: float
    seed: int
    mean: float
    spread: float


def weeks_for(mean: float, spread: float, remaining: float, z: float) -> int:
    """Weeks by which all but a sliver of runs are done (z standard deviations, by the CLT).

    Solves n·μ − z·σ·√n = remaining for n.
    """
    root = (z * spread + math.sqrt(z * z * spread * spread + 4 * mean * remaining)) / (2 * mean)
    return min(HORIZON_WEEKS, max(1, math.ceil(root * root)))


def finish_days(paces: Sequence[Pace], runs: int) -> list[Floats]:
    """For each item, the days from its last update to 100 % in each run (inf: not in 3 years)."""
    return [_simulate(pace, runs) for pace in paces]


def _simulate(pace: Pace, runs: int) -> Floats:
    """One item's runs: a first round of the weeks most runs need, then the rest go on."""
    weekly = pace.weekly
    if np.all(weekly == weekly[0]):  # one pace: every run is the same
        days = 7.0 * pace.remaining / float(weekly[0])
        return np.full(runs, days if days <= 7.0 * HORIZON_WEEKS else np.inf)
    monotone = bool(np.all(weekly >= 0))
    bits = np.random.PCG64(pace.seed)
    finish = np.full(runs, np.inf)
    columns = np.arange(runs)
    left = np.full(runs, pace.remaining, dtype=np.float32)  # progress still to make, per run
    week = 0
    block = weeks_for(pace.mean, pace.spread, pace.remaining, _FIRST_Z)
    while week < HORIZON_WEEKS and len(columns):
        block = min(block, HORIZON_WEEKS - week)
        count = block * len(columns)
        raw = bits.random_raw((count + 3) // 4).view(np.uint16)[:count]
        picks = (raw.astype(np.uint32) * np.uint32(len(weekly))) >> np.uint32(16)
        steps = np.take(weekly, picks).reshape(block, len(columns))
        totals = steps.copy()
        for row in range(1, block):
            totals[row] += totals[row - 1]
        crossed = totals >= left
        hit = crossed[-1] if monotone else crossed.any(axis=0)
        where = np.flatnonzero(hit)
        first = crossed[:, where].argmax(axis=0)
        step = steps[first, where]
        before = totals[first, where] - step
        fraction = np.clip((left[where] - before) / step, 0.0, 1.0)
        finish[columns[where]] = 7.0 * (week + first + fraction)
        missed = ~hit
        left = left[missed] - totals[-1, missed]
        columns = columns[missed]
        week += block
        if len(columns):
            block = max(4, weeks_for(pace.mean, pace.spread, float(left.max()), _LATER_Z))
    return finish
