"""`rank`: compute buckets over all items, sort (has value, value desc, key), then the page."""

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
    skip: int = 0,
) -> list[Ranked]:
    """Rank by a measure: best first, n/a last, ties by key; score uses equal weights if none.

    Every measure (a score's normalisation too) is computed over all the items given: a
    category narrows which rows are listed, never the values they show. `skip` and `top`
    choose the page (positions go on counting after skipped rows).
    """
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
    pool = list(items)
    if not pool:
        return []
    wanted = in_category(pool, category)
    try:
        ranking = ScoreBuckets(pool, discount_rate)
        if name == "score":
            assert weights is not None
            buckets, present = ranking.score_buckets(weights)
        else:
            buckets, present = ranking.component_buckets(name)
    except TooLarge:
        listed = None if wanted is None else wanted.tolist()
        return rank_exact(pool, name, discount_rate, weights, top, wanted=listed, skip=skip)
    order = _order(pool, buckets, present)
    if wanted is not None:
        order = order[wanted[order]]
    order = order[skip : skip + top] if top is not None else order[skip:]
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
            range(skip + 1, skip + len(chosen) + 1),
            chosen,
            buckets[order].tolist(),
            present[order].tolist(),
            explanations,
            strict=True,
        )
    ]


def in_category(items: Sequence[RankInput], category: str | None) -> BoolArray | None:
    """Which items are in a category (case-insensitive); None when no category is asked for."""
    if category is None:
        return None
    wanted = category.strip().casefold()
    return np.array([item.category.casefold() == wanted for item in items], dtype=bool)


def _order(pool: Sequence[RankInput], buckets: IntArray, present: BoolArray) -> IntArray:
    keys = np.array([item.key for item in pool])
    sort_values = np.where(present, -buckets, 0)
    return np.lexsort((keys, sort_values, ~present)).astype(np.int64)
