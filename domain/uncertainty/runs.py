"""Resampled progress runs of many items at once: the days each run takes to reach 100 %.

Every run of an item adds, each week, the weekly pace of one day of its history drawn at
random (16 random bits scaled to the history's length: each day's chance is within
1/65,536 of uniform). The bits are counter-based, not drawn from a generator: those of run
`r` in week `w` are lane `w mod 4` (bits 16·(w mod 4) up, read through a little-endian
view) of splitmix64's output number `64·r + ⌊w/4⌋ + 1` from the item's 64-bit seed (the
finaliser of `seed + k·γ`, in uint64 arithmetic). So a run is a pure function of its item,
its number and its week: the same alone or among any other items, and however the work is
cut into blocks.

All items run together. The runs of items that need about as many weeks share a block
(weeks down the rows, runs across, so running sums add whole rows); a first block covers
the weeks most of an item's runs need, and the runs still short of 100 % go on in later
rounds, in blocks of whole four-week spans, carrying their running sums, so every sum is the
one a week-by-week loop gives. A run is done in the first week its running sum reaches the
progress left, that far into the week (days rounded up); not within three years: NEVER.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

HORIZON_WEEKS = 156
HORIZON_DAYS = 7 * HORIZON_WEEKS
NEVER = int(np.iinfo(np.int16).max)  # the days of a run not done within the horizon

_SPAN = 4  # weeks per 64-bit output: four 16-bit lanes
_SPANS_PER_RUN = 64  # output numbers set aside per run (its 156 weeks use 39)
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_FIRST_Z = 1.0  # a first block covers about 84 % of an item's runs (by the CLT)
_LATER_Z = 1.0  # and each later one about 84 % of the rest
_BLOCK = 1 << 17  # draws per block: small enough to stay in cache

Days = npt.NDArray[np.int16]
_U64 = npt.NDArray[np.uint64]
_F32 = npt.NDArray[np.float32]
_F64 = npt.NDArray[np.float64]
_Int = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Pace:
    """What a simulation needs of an item: its stretches' weekly paces and lengths in days,
    the progress left, its 64-bit seed, and the mean and spread of its weekly steps."""

    weekly: tuple[float, ...]
    days: tuple[int, ...]
    remaining: float
    seed: int
    mean: float
    spread: float


@dataclass
class _Runs:
    """Runs under way: their place in the days (item·runs + run), running sums, next week."""

    where: _Int
    carried: _F32
    week: _Int


def finish_days(paces: Sequence[Pace], runs: int) -> Days:
    """Per item (rows) and run (columns), the whole days from its last update to 100 %.

    NEVER for a run not done within three years.
    """
    return _Simulation(paces, runs).days


def _weeks_for(mean: _F64, spread: _F64, remaining: _F64, z: float) -> _Int:
    """Weeks (whole spans of four) by which all but a tail of runs are done, by the CLT.

    Solves n·μ − z·σ·√n = remaining for n, item by item.
    """
    with np.errstate(divide="ignore", invalid="ignore"):  # no headway: the whole horizon
        root = (z * spread + np.sqrt(z * z * spread * spread + 4 * mean * remaining)) / (2 * mean)
        weeks = np.where(mean > 0, np.clip(root * root, 1, HORIZON_WEEKS), HORIZON_WEEKS)
    return np.ceil(weeks / _SPAN).astype(np.intp) * _SPAN


def _mix(values: _U64, scratch: _U64) -> None:
    """splitmix64's finaliser, in place."""
    np.right_shift(values, np.uint64(30), out=scratch)
    values ^= scratch
    values *= _MIX_1
    np.right_shift(values, np.uint64(27), out=scratch)
    values ^= scratch
    values *= _MIX_2
    np.right_shift(values, np.uint64(31), out=scratch)
    values ^= scratch


class _Simulation:
    """All items' runs: the days of each, filled in block by block."""

    def __init__(self, paces: Sequence[Pace], runs: int) -> None:
        self.runs = runs
        self.days: Days = np.full((len(paces), runs), NEVER, dtype=np.int16)
        if not paces or runs <= 0:
            return
        stretches = np.array([len(p.weekly) for p in paces], dtype=np.intp)
        weekly = np.array([w for p in paces for w in p.weekly], dtype=np.float32)
        lengths = np.array([d for p in paces for d in p.days], dtype=np.intp)
        first_stretch = np.concatenate(([0], np.cumsum(stretches)[:-1]))
        self.table: _F32 = np.repeat(weekly, lengths)
        history = np.add.reduceat(lengths, first_stretch)
        self.length = history.astype(np.uint32)
        self.offset = (np.cumsum(history) - history).astype(np.uint32)
        self.left = np.array([p.remaining for p in paces], dtype=np.float32)
        self.seed = np.array([p.seed % 2**64 for p in paces], dtype=np.uint64)
        self.mean = np.array([p.mean for p in paces], dtype=np.float64)
        self.spread = np.array([p.spread for p in paces], dtype=np.float64)
        self.span_terms = np.arange(HORIZON_WEEKS, dtype=np.uint64) * _GAMMA
        size = max(_BLOCK, HORIZON_WEEKS * runs)  # a block, or one item's runs for 3 years
        self.hashes = np.empty(size // _SPAN, dtype=np.uint64)
        self.scratch = np.empty_like(self.hashes)
        self.picks = np.empty(size, dtype=np.uint32)
        self.steps = np.empty(size, dtype=np.float32)
        self.totals = np.empty(size, dtype=np.float32)
        self.below = np.empty(size, dtype=np.bool_)
        self.across = np.arange(size, dtype=np.intp)

        slowest = np.minimum.reduceat(weekly, first_stretch)
        fastest = np.maximum.reduceat(weekly, first_stretch)
        steady = np.flatnonzero(slowest == fastest)
        self._steady(steady, fastest[steady])
        self.monotone = slowest >= 0
        pending = self._first_round(np.flatnonzero(slowest != fastest))
        while len(pending.where):
            pending = self._later_round(pending)

    def _steady(self, items: _Int, weekly: _F32) -> None:
        """One pace: every run is the same."""
        days = 7.0 * self.left[items].astype(np.float64) / weekly.astype(np.float64)
        whole = np.where(days <= HORIZON_DAYS, np.ceil(days), NEVER)
        self.days[items] = whole.astype(np.int16)[:, None]

    def _first_round(self, items: _Int) -> _Runs:
        """Each item's first block of weeks, from week 0."""
        left = self.left[items].astype(np.float64)
        weeks = _weeks_for(self.mean[items], self.spread[items], left, _FIRST_Z)
        runs = np.arange(self.runs, dtype=np.intp)
        run_terms = (runs * _SPANS_PER_RUN + 1).astype(np.uint64) * _GAMMA
        carried: list[_Runs] = []
        for part, rows, monotone in self._blocks(items, weeks, self.runs):
            these = items[part]
            start = (self.seed[these][:, None] + run_terms[None, :]).reshape(-1)
            each = np.repeat(these, self.runs)
            carried.append(self._block(each, start, rows, monotone=monotone, whole=these))
        return _joined(carried)

    def _later_round(self, pending: _Runs) -> _Runs:
        """The runs still short: blocks of the weeks most of them need."""
        items = pending.where // self.runs
        left = (self.left[items] - pending.carried).astype(np.float64)
        weeks = _weeks_for(self.mean[items], self.spread[items], left, _LATER_Z)
        weeks = np.minimum(weeks, HORIZON_WEEKS - pending.week)
        carried: list[_Runs] = []
        for part, rows, monotone in self._blocks(items, weeks, 1):
            these = _Runs(pending.where[part], pending.carried[part], pending.week[part])
            counters = (these.where % self.runs) * _SPANS_PER_RUN + these.week // _SPAN + 1
            start = self.seed[items[part]] + counters.astype(np.uint64) * _GAMMA
            carried.append(
                self._block(items[part], start, rows, monotone=monotone, under_way=these)
            )
        return _joined(carried)

    def _blocks(self, items: _Int, weeks: _Int, each: int) -> Iterator[tuple[_Int, int, bool]]:
        """Blocks of the same weeks (and both monotone or not): positions, weeks, monotone.

        `each` is the runs per entry: an item's (first round) or one.
        """
        if not len(items):
            return
        key = ((~self.monotone[items]).astype(np.uint8) << 7) | (weeks // _SPAN).astype(np.uint8)
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        bounds = np.flatnonzero(np.diff(ordered)) + 1
        for start, stop in zip([0, *bounds.tolist()], [*bounds.tolist(), len(order)], strict=True):
            code = int(ordered[start])
            rows = (code & 0x7F) * _SPAN
            step = max(1, _BLOCK // (rows * each))
            for first in range(start, stop, step):
                yield order[first : min(stop, first + step)], rows, code < 0x80

    def _block(
        self,
        items: _Int,
        start: _U64,
        rows: int,
        *,
        monotone: bool,
        whole: _Int | None = None,
        under_way: _Runs | None = None,
    ) -> _Runs:
        """Run a block of `rows` weeks: the runs done in it get their days; the rest go on.

        `items` and `start` are each run's item and first output number's `seed + k·γ`.
        The runs are either all those of the `whole` items, in order, from week 0, or runs
        `under_way` from an earlier block.
        """
        columns = len(items)
        spans = rows // _SPAN
        hashes = self.hashes[: spans * columns].reshape(spans, columns)
        np.add(self.span_terms[:spans, None], start[None, :], out=hashes)
        _mix(hashes, self.scratch[: hashes.size].reshape(spans, columns))
        bits = hashes.view(np.uint16).reshape(spans, columns, _SPAN).transpose(0, 2, 1)
        size = rows * columns
        np.multiply(bits, self.length[items], out=self.picks[:size].reshape(spans, _SPAN, columns))
        picks = self.picks[:size].reshape(rows, columns)
        picks >>= np.uint32(16)
        picks += self.offset[items][None, :]
        steps = self.steps[:size].reshape(rows, columns)
        np.take(self.table, picks, out=steps, mode="clip")
        totals = self.totals[:size].reshape(rows, columns)
        if under_way is None:
            totals[0] = steps[0]
        else:
            np.add(under_way.carried, steps[0], out=totals[0])
        if monotone:  # running sums only rise: each is its own running maximum
            for row in range(1, rows):
                np.add(totals[row - 1], steps[row], out=totals[row])
            end = totals[-1].copy()
        else:  # the running maximum of the running sums reaches the goal when they do
            end = totals[0].copy()
            for row in range(1, rows):
                end += steps[row]
                np.maximum(totals[row - 1], end, out=totals[row])
        left = self.left[items]
        below = self.below[:size].reshape(rows, columns)
        np.less(totals, left[None, :], out=below)
        first = np.add.reduce(below.view(np.uint8), axis=0, dtype=np.uint8)
        at = first.astype(np.intp)  # the week each run got there (past the end: clipped)
        at *= columns
        at += self.across[:columns]
        step = steps.reshape(-1).take(at, mode="clip")
        fraction = totals.reshape(-1).take(at, mode="clip")
        np.subtract(left, fraction, out=fraction)
        fraction += step  # left − (total before that week)
        with np.errstate(divide="ignore", invalid="ignore"):  # runs not there: no share
            fraction /= step
        np.clip(fraction, 0.0, 1.0, out=fraction)
        days = np.add(first, fraction, dtype=np.float64)
        if under_way is not None:
            days += under_way.week
        days *= 7.0
        np.ceil(days, out=days)
        short = first >= rows
        days[short] = NEVER
        if under_way is not None:
            self.days.reshape(-1)[under_way.where] = days
            going = np.flatnonzero(short & (under_way.week + rows < HORIZON_WEEKS))
            return _Runs(under_way.where[going], end[going], under_way.week[going] + rows)
        assert whole is not None
        self.days[whole] = days.reshape(len(whole), self.runs)
        if rows >= HORIZON_WEEKS:
            return _joined([])
        going = np.flatnonzero(short)
        where = whole[going // self.runs] * self.runs + going % self.runs
        return _Runs(where, end[going], np.full(len(going), rows, dtype=np.intp))


def _joined(parts: list[_Runs]) -> _Runs:
    if not parts:
        return _Runs(np.zeros(0, np.intp), np.zeros(0, np.float32), np.zeros(0, np.intp))
    return _Runs(
        np.concatenate([p.where for p in parts]),
        np.concatenate([p.carried for p in parts]),
        np.concatenate([p.week for p in parts]),
    )
