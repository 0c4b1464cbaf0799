"""The same ranking computed entirely in Decimal, for values beyond float64's exact range."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext

from domain.ranking.values import (
    CONTEXT,
    NOT_AVAILABLE,
    PLACES,
    Ranked,
    RankInput,
    ScorePart,
    Weights,
    measure_value,
)


def rank_exact(
    pool: Sequence[RankInput],
    name: str,
    rate: Decimal,
    weights: Weights | None,
    top: int | None,
    *,
    wanted: Sequence[bool] | None = None,
    skip: int = 0,
) -> list[Ranked]:
    """The same ranking computed entirely in Decimal (for values beyond float64's exact range).

    Values are computed over the whole pool; `wanted` then picks the rows listed, and
    `skip`/`top` the page.
    """

    def page(order: list[int]) -> list[tuple[int, int]]:
        listed = [i for i in order if wanted is None or wanted[i]]
        chosen = listed[skip : skip + top] if top is not None else listed[skip:]
        return list(enumerate(chosen, start=skip + 1))

    if name != "score":
        values = [measure_value(item, name, discount_rate=rate) for item in pool]
        order = sorted(range(len(pool)), key=lambda i: _exact_sort_key(values[i], pool[i].key))
        return [Ranked(pos, pool[i], values[i]) for pos, i in page(order)]
    assert weights is not None
    table = {
        component: [measure_value(item, component, discount_rate=rate) for item in pool]
        for component, weight in weights.items()
        if weight != 0
    }
    quantum = Decimal(1).scaleb(-PLACES["score"])
    scored: list[tuple[Decimal, tuple[ScorePart, ...]]] = []
    with localcontext(CONTEXT):
        bounds = {
            component: (
                min(v for v in column if v is not None),
                max(v for v in column if v is not None),
            )
            if any(v is not None for v in column)
            else None
            for component, column in table.items()
        }
        for i in range(len(pool)):
            total = Decimal(0)
            parts: list[ScorePart] = []
            for component, weight in weights.items():
                if weight == 0:
                    continue
                value, span = table[component][i], bounds[component]
                if value is None or span is None:
                    zero = Decimal(0).quantize(quantum)
                    parts.append(ScorePart(component, weight, zero, zero, NOT_AVAILABLE[component]))
                    continue
                low, high = span
                normalised = Decimal(1) if high == low else (value - low) / (high - low)
                total += weight * normalised
                parts.append(
                    ScorePart(
                        component,
                        weight,
                        normalised.quantize(quantum),
                        (weight * normalised).quantize(quantum),
                    )
                )
            scored.append((total.quantize(quantum), tuple(parts)))
    order = sorted(range(len(pool)), key=lambda i: _exact_sort_key(scored[i][0], pool[i].key))
    return [Ranked(pos, pool[i], scored[i][0], scored[i][1]) for pos, i in page(order)]


def _exact_sort_key(value: Decimal | None, key: str) -> tuple[bool, Decimal, str]:
    return (value is None, value.copy_negate() if value is not None else Decimal(0), key)
