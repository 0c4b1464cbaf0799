"""Each measure for a whole pool at once: float64 arrays rounded into display-exact buckets.

A value is rounded to its display precision into an integer "bucket" (value × 10^places);
the few floats too close to a rounding boundary to be trusted are recomputed in Decimal,
so the buckets are exactly the Decimal values people see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from domain import finance
from domain.ranking.values import PLACES, RankInput, measure_value

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_SAFE = float(2**52)


class TooLarge(Exception):
    """A value too large for exact float64 integer buckets; the Decimal path takes over."""


class MeasureBuckets:
    """Vectorised, display-exact buckets of each measure for one pool of products."""

    def __init__(self, pool: Sequence[RankInput], discount_rate: Decimal) -> None:
        finance.npv(discount_rate, ())  # validates the rate with a clear message
        self.pool = pool
        self.rate = discount_rate
        self.size = len(pool)
        self._cache: dict[str, tuple[IntArray, BoolArray]] = {}

    def component_buckets(self, name: str) -> tuple[IntArray, BoolArray]:
        """Integer buckets (value × 10^places) and availability of one measure for every row."""
        if name not in self._cache:
            values, errors, present, force = self._floats(name)
            places = PLACES[name]
            exact: Callable[[int], Decimal | None] = lambda i: measure_value(  # noqa: E731
                self.pool[i], name, discount_rate=self.rate
            )
            self._cache[name] = _to_buckets(values, errors, present, force, places, exact)
        return self._cache[name]

    def _floats(self, name: str) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray]:
        pool, size = self.pool, self.size
        force = np.zeros(size, dtype=bool)
        if name in ("roi", "risk"):
            investment = np.fromiter((float(p.investment) for p in pool), np.float64, size)
            back = np.fromiter((float(p.expected_return) for p in pool), np.float64, size)
            if name == "risk":
                back = back * np.fromiter((float(p.confidence) for p in pool), np.float64, size)
            present = investment != 0
            for index in np.flatnonzero(~present).tolist():
                if pool[index].investment != 0:
                    force[index] = True
            with np.errstate(divide="ignore", invalid="ignore"):
                values = (back - investment) / np.where(present, investment, 1.0)
            errors = 1e-12 * (np.abs(values) + 2)
            return values, errors, present, force
        if name == "alignment":
            values = np.fromiter((float(p.alignment) for p in pool), np.float64, size)
            return values, 1e-12 * (np.abs(values) + 1), np.ones(size, dtype=bool), force
        return self._npv_floats()

    def _npv_floats(self) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray]:
        pool, size = self.pool, self.size
        lengths = np.fromiter((len(p.cashflows) for p in pool), np.int64, size)
        total = int(lengths.sum())
        flows = np.fromiter((float(c) for p in pool for c in p.cashflows), np.float64, total)
        rows = np.repeat(np.arange(size), lengths)
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        years = np.arange(total) - starts
        horizon = int(lengths.max()) if size else 0
        discount = (1.0 + float(self.rate)) ** -np.arange(horizon, dtype=np.float64)
        terms = flows * discount[years]
        values = np.bincount(rows, weights=terms, minlength=size).astype(np.float64)
        magnitude = np.bincount(rows, weights=np.abs(terms), minlength=size)
        errors = (1e-11 * (magnitude + 1) * (1 + horizon / 100)).astype(np.float64)
        present: BoolArray = lengths > 0
        return values, errors, present, np.zeros(size, dtype=bool)


def _to_buckets(
    values: FloatArray,
    errors: FloatArray,
    present: BoolArray,
    force: BoolArray,
    places: int,
    exact: Callable[[int], Decimal | None],
) -> tuple[IntArray, BoolArray]:
    """Round floats to display buckets, recomputing in Decimal those near a rounding boundary."""
    scale = float(10**places)
    with np.errstate(invalid="ignore", over="ignore"):
        y = np.where(present, values * scale, 0.0)
        trusted = present & np.isfinite(y) & (np.abs(y) < _SAFE)
        frac = y - np.floor(y)
        ambiguous = trusted & (np.abs(frac - 0.5) <= errors * scale + 1e-6)
    redo = (present & ~trusted) | ambiguous | force
    buckets = np.where(trusted, np.floor(y + 0.5), 0.0).astype(np.int64)
    present = present.copy()
    for index in np.flatnonzero(redo).tolist():
        value = exact(index)
        if value is None:
            present[index] = False
            buckets[index] = 0
            continue
        bucket = int(value.scaleb(places))
        if abs(bucket) >= 2**53:
            raise TooLarge
        buckets[index] = bucket
        present[index] = True
    return buckets, present
