"""The weighted score for a whole pool: normalised measures, weighted, display-exact."""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np

from domain.ranking.measures import BoolArray, FloatArray, IntArray, MeasureBuckets
from domain.ranking.values import (
    CONTEXT,
    NOT_AVAILABLE,
    PLACES,
    SCORE_QUANTUM,
    ScorePart,
    Weights,
)


class ScoreBuckets(MeasureBuckets):
    """Score buckets and their explanations; each measure is normalised to 0..1 over the pool."""

    def score_buckets(self, weights: Weights) -> tuple[IntArray, BoolArray]:
        """Score buckets (score × 10^4) for every row; a score always exists."""
        score = np.zeros(self.size, dtype=np.float64)
        self._bounds: dict[str, tuple[int, int] | None] = {}
        for name, weight in weights.items():
            if weight == 0:
                continue
            buckets, present = self.component_buckets(name)
            score += float(weight) * self._normalised(name, buckets, present)
        y = score * 10 ** PLACES["score"]
        frac = y - np.floor(y)
        ambiguous = ~np.isfinite(y) | (np.abs(frac - 0.5) <= 1e-7)
        result = np.floor(y + 0.5).astype(np.int64)
        for index in np.flatnonzero(ambiguous).tolist():
            result[index] = int(self.exact_score(index, weights).scaleb(PLACES["score"]))
        return result, np.ones(self.size, dtype=bool)

    def _normalised(self, name: str, buckets: IntArray, present: BoolArray) -> FloatArray:
        if not present.any():
            self._bounds[name] = None
            return np.zeros(self.size, dtype=np.float64)
        low, high = int(buckets[present].min()), int(buckets[present].max())
        self._bounds[name] = (low, high)
        if high == low:
            return present.astype(np.float64)
        normalised = (buckets - low).astype(np.float64) / float(high - low)
        return np.where(present, normalised, 0.0)

    def _exact_normalised(self, name: str, index: int) -> Decimal | None:
        buckets, present = self._cache[name]
        bounds = self._bounds[name]
        if not present[index] or bounds is None:
            return None
        low, high = bounds
        if high == low:
            return Decimal(1)
        with localcontext(CONTEXT):
            return Decimal(int(buckets[index]) - low) / Decimal(high - low)

    def exact_score(self, index: int, weights: Weights) -> Decimal:
        """The row's score in Decimal: Σ weight × normalised, rounded to 4 places."""
        with localcontext(CONTEXT):
            total = Decimal(0)
            for name, weight in weights.items():
                if weight == 0:
                    continue
                normalised = self._exact_normalised(name, index)
                if normalised is not None:
                    total += weight * normalised
            return total.quantize(Decimal(1).scaleb(-PLACES["score"]))

    def parts(self, rows: IntArray, weights: Weights) -> list[tuple[ScorePart, ...]]:
        """The explanation of each given row's score, one part per weighted measure.

        Normalised values and contributions are rounded to 4 places from floats, with the
        rows near a rounding boundary redone in Decimal; equal parts are shared objects.
        """
        columns: list[list[ScorePart]] = []
        scale = 10 ** PLACES["score"]
        for name, weight in weights.items():
            if weight == 0:
                continue
            buckets, present = self._cache[name]
            bounds = self._bounds[name]
            available = present[rows] if bounds is not None else np.zeros(len(rows), dtype=bool)
            low, high = bounds if bounds is not None else (0, 0)
            if high == low:
                normalised = np.ones(len(rows), dtype=np.float64)
            else:
                normalised = (buckets[rows] - low).astype(np.float64) / float(high - low)
            norm_buckets, norm_unsure = _round_half_up(normalised * scale)
            part_buckets, part_unsure = _round_half_up(normalised * float(weight) * scale)
            for j in np.flatnonzero((norm_unsure | part_unsure) & available).tolist():
                exact = self._exact_normalised(name, int(rows[j]))
                assert exact is not None
                with localcontext(CONTEXT):
                    norm_buckets[j] = int(exact.quantize(SCORE_QUANTUM).scaleb(PLACES["score"]))
                    part_buckets[j] = int(
                        (weight * exact).quantize(SCORE_QUANTUM).scaleb(PLACES["score"])
                    )
            zero = Decimal(0).quantize(SCORE_QUANTUM)
            missing = ScorePart(name, weight, zero, zero, NOT_AVAILABLE[name])
            shared: dict[tuple[int, int], ScorePart] = {}
            column: list[ScorePart] = []
            for ok, norm, part in zip(
                available.tolist(), norm_buckets.tolist(), part_buckets.tolist(), strict=True
            ):
                if not ok:
                    column.append(missing)
                    continue
                found = shared.get((norm, part))
                if found is None:
                    found = ScorePart(
                        name,
                        weight,
                        Decimal(norm).scaleb(-PLACES["score"]),
                        Decimal(part).scaleb(-PLACES["score"]),
                    )
                    shared[(norm, part)] = found
                column.append(found)
            columns.append(column)
        return list(zip(*columns, strict=True)) if columns else [() for _ in rows.tolist()]


def _round_half_up(scaled: FloatArray) -> tuple[IntArray, BoolArray]:
    """Nearest integers of non-negative floats, and which lie too near a half to be trusted."""
    frac = scaled - np.floor(scaled)
    unsure: BoolArray = np.abs(frac - 0.5) <= 1e-6
    return np.floor(scaled + 0.5).astype(np.int64), unsure
