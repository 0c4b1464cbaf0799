"""One page of the weighted-score ranking from a database that scored every product in floats.

The database computes each product's score as a float from its stored buckets and the
portfolio's bounds, rounds it to its display bucket and orders by (bucket descending, key).
That order is exact for every product whose float lies clear of a rounding boundary
("sure"); the few that lie too near one ("unsure") come back apart, get their exact
Decimal score here, and `merge_page` places them among the sure rows. Every row shown is
scored again in Decimal (`exact_score`, the arithmetic of the full ranking), so the values
and explanations are the ones the full ranking gives.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, localcontext
from typing import Any, TypeVar

from domain.ranking.values import CONTEXT, NOT_AVAILABLE, SCORE_QUANTUM, ScorePart, Weights

T = TypeVar("T")

# measure -> (lowest, highest) bucket over the portfolio, None when no product has a value
Bounds = Mapping[str, tuple[int, int] | None]


def exact_score(
    buckets: Mapping[str, int | None], bounds: Bounds, weights: Weights
) -> tuple[Decimal, tuple[ScorePart, ...]]:
    """A product's score to 4 places and its parts, from its buckets (None: n/a).

    The same Decimal arithmetic as the full ranking: each weighted measure normalised to
    (bucket − lowest) / (highest − lowest), 1 when every product has the same value, and
    0 (explained as n/a) when this product or every product lacks it.
    """
    zero = Decimal(0).quantize(SCORE_QUANTUM)
    with localcontext(CONTEXT):
        total = Decimal(0)
        parts: list[ScorePart] = []
        for name, weight in weights.items():
            if weight == 0:
                continue
            bucket, span = buckets.get(name), bounds.get(name)
            if bucket is None or span is None:
                parts.append(ScorePart(name, weight, zero, zero, NOT_AVAILABLE[name]))
                continue
            low, high = span
            normalised = Decimal(1) if high == low else Decimal(bucket - low) / Decimal(high - low)
            total += weight * normalised
            parts.append(
                ScorePart(
                    name,
                    weight,
                    normalised.quantize(SCORE_QUANTUM),
                    (weight * normalised).quantize(SCORE_QUANTUM),
                )
            )
        return total.quantize(SCORE_QUANTUM), tuple(parts)


def sure_window(skip: int, limit: int, unsure: int) -> tuple[int, int]:
    """Which sure rows (offset, count) `merge_page` needs for a page, given the unsure count."""
    return max(0, skip - unsure), limit + 2 * unsure


def merge_page(
    sure: Sequence[T],
    offset: int,
    exhausted: bool,
    unsure: Sequence[T],
    order: Callable[[T], Any],
    *,
    skip: int,
    limit: int,
) -> list[tuple[int, T]]:
    """The page (1-based position, row) at `skip`, `limit` rows, of the sure and unsure rows.

    `sure` is the sure rows' order from `offset` (at least the `sure_window` asked for, or
    to their end when `exhausted`); `unsure` holds every unsure row, in any order; `order`
    is the full ranking's sort key. A row's place is the rows of both kinds before it.
    """
    ranked = sorted(unsure, key=order)
    unsure_keys = [order(row) for row in ranked]
    sure_keys = [order(row) for row in sure]
    placed: list[tuple[int, T]] = []
    for index, (row, key) in enumerate(zip(sure, sure_keys, strict=True)):
        placed.append((offset + index + bisect_right(unsure_keys, key), row))
    for ahead, (row, key) in enumerate(zip(ranked, unsure_keys, strict=True)):
        behind = bisect_right(sure_keys, key)
        if behind == 0 and offset > 0:
            continue  # before every sure row read: before the page (sure_window's offset)
        if behind == len(sure) and not exhausted:
            continue  # after every sure row read: after the page (sure_window's count)
        placed.append((offset + behind + ahead, row))
    return sorted(
        ((position + 1, row) for position, row in placed if skip <= position < skip + limit),
        key=lambda pair: pair[0],
    )
