"""Ranking products by ROI, risk-adjusted ROI, NPV or a weighted score.

The ordering is computed on NumPy float64 arrays and is exactly the ordering of the
Decimal values people see: every value is rounded to its display precision (ROI and
score to 4 places, NPV to cents) into an integer "bucket", and the few floats that lie
too close to a rounding boundary to be trusted are recomputed in Decimal. Rows are sorted
by (has a value, value descending, key ascending), so ties and "n/a" rank by key.

The parts: values (what goes in and comes out, one product's exact measure), measures
(every product's measures as float64 buckets), scores (the weighted score and its
explanation), exact (the all-Decimal fallback) and order (`rank` itself).
"""

from domain.ranking.order import rank
from domain.ranking.values import (
    DEFAULT_WEIGHTS,
    Ranked,
    RankInput,
    ScorePart,
    Weights,
    measure_value,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "RankInput",
    "Ranked",
    "ScorePart",
    "Weights",
    "measure_value",
    "rank",
]
