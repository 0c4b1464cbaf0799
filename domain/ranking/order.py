"""`rank`: filter by category, compute buckets, sort (has value, value desc, key), keep top N."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from domain.errors import InvalidInput
from domain.ranking.exact import rank_exact
from domain.ranking.measures import BoolArray, IntArray, TooLarge
from domain.ranking.scores import ScoreBuckets
from domain.ranking.values import (
    DEFAULT_WEIGHTS,
    PLACES,
    WEIGHTS_EXAMPLE,
    Ranked,
    RankInput,
    Weights,
    check_measure,
)


def rank(
    items: Sequence[RankInput],
    measure: str,
    *,
    discount_rate: Decimal = Decimal("0.08"),
    weights: Weights | None = None,
    top: int | None = None,
    category: str | None = None,
) -> list[Ranked]:
    """Rank by a measure: best first, n/a last, ties by key; score uses equal weights if none."""
    name = check_measure(measure)
    if top is not None and top < 1:
        raise InvalidInput(
            f"`top` needs a whole number of at least 1; you wrote `top {top}`. Example: `top 10`."
        )
    if name == "score":
        weights = weights or DEFAULT_WEIGHTS
        if sum((w for _, w in weights.items()), Decimal(0)) <= 0 or any(
            w < 0 for _, w in weights.items()
        ):
            raise InvalidInput(
                f"Score weights must be positive and add up to 100 %. {WEIGHTS_EXAMPLE}"
            )
    pool = _filter(items, category)
    if not pool:
        return []
    try:
        ranking = ScoreBuckets(pool, discount_rate)
        if name == "score":
            assert weights is not None
            buckets, present = ranking.score_buckets(weights)
        else:
            buckets, present = ranking.component_buckets(name)
    except TooLarge:
        return rank_exact(pool, name, discount_rate, weights, top)
    order = _order(pool, buckets, present)
    if top is not None:
        order = order[:top]
    places = -PLACES[name]
    chosen = order.tolist()
    if name == "score":
        assert weights is not None
        explanations = ranking.parts(order, weights)
    else:
        explanations = [()] * len(chosen)
    return [
        Ranked(position, pool[index], Decimal(bucket).scaleb(places) if has else None, parts)
        for position, index, bucket, has, parts in zip(
            range(1, len(chosen) + 1),
            chosen,
            buckets[order].tolist(),
            present[order].tolist(),
            explanations,
            strict=True,
        )
    ]


def _filter(items: Sequence[RankInput], category: str | None) -> list[RankInput]:
    if category is None:
        return list(items)
    wanted = category.strip().casefold()
    return [item for item in items if item.category.casefold() == wanted]


def _order(pool: Sequence[RankInput], buckets: IntArray, present: BoolArray) -> IntArray:
    keys = np.array([item.key for item in pool])
    sort_values = np.where(present, -buckets, 0)
    return np.lexsort((keys, sort_values, ~present)).astype(np.int64)
