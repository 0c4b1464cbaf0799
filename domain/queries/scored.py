"""The weighted score's page from the database: every product scored in SQL, only the page read.

A score normalises each weighted measure over the portfolio's active products, so it moves
whenever an extreme product changes and no stored key can keep it in order. What is stored
does the rest: the measures' buckets are the ROI, risk and NPV sort keys negated (the full
ranking's buckets), and a product's alignment (the summed weight of its objectives, in
10^-4) is `products.alignment_key`, kept by triggers (domain.models.alignment). The bounds
come from the ends of the key indexes (`score_bounds`); the page is `ORDER BY score bucket
DESC, key LIMIT n` over a float score per row (`score_window`), which is exact for every
row clear of a rounding boundary. Rows too near one come back apart, for
`domain.ranking.score_page` to place by their exact score. The rows shown are checked
against their inputs (`_stale`): their keys against their values, their alignment against
the live sum of their links.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)

from domain.models import Objective, Portfolio, PortfolioTotals, Product, ProductObjective
from domain.queries.ranked import INPUT_COLUMNS, key_column
from domain.ranking import Ranked, RankInput, Weights, measure_value
from domain.ranking.keys import KEYED_MEASURES, NO_VALUE, cashflow_values, order_key
from domain.ranking.score_page import Bounds, exact_score, merge_page, sure_window
from domain.ranking.values import PLACES
from domain.store import Tenant

ALIGNMENT_SCALE = 10 ** PLACES["alignment"]
SCORE_SCALE = 10 ** PLACES["score"]
UNSURE = 1e-6  # a float score this near a half bucket is scored in Decimal instead
MAX_UNSURE = 50  # more unsure rows than this: the caller ranks in full
EXACT_BUCKETS = 2**53  # bounds beyond this: floats cannot score exactly, rank in full

log = logging.getLogger("folio.ranking")


@dataclass(frozen=True)
class ScoredRow:
    """One product as the score's page reads it: its float score's bucket and its buckets."""

    id: int
    bucket: int
    buckets: dict[str, int | None]  # measure -> bucket (None: n/a)
    item: RankInput


def _active(portfolio: Portfolio) -> tuple[ColumnElement[bool], ...]:
    return (Product.portfolio_id == portfolio.id, Product.archived_at.is_(None))


def _live_alignment(tenant: Tenant, product_ids: Sequence[int]) -> dict[int, int]:
    """These products' alignment buckets summed from their links as they are now (the full
    ranking's sum, rounded as it was before the key was stored); unlinked ones are left out."""
    if not product_ids:
        return {}
    rows = tenant.execute(
        select(
            ProductObjective.product_id,
            cast(func.round(func.sum(Objective.weight) * ALIGNMENT_SCALE), BigInteger),
        )
        .join(Objective, Objective.id == ProductObjective.objective_id)
        .where(ProductObjective.product_id.in_(product_ids))
        .group_by(ProductObjective.product_id)
    ).all()
    return {product_id: int(bucket) for product_id, bucket in rows}


def weighted(weights: Weights) -> list[str]:
    """The measures a score weighs (weight not 0), in the weights' order."""
    return [name for name, weight in weights.items() if weight != 0]


def score_bounds(tenant: Tenant, portfolio: Portfolio, measures: Sequence[str]) -> Bounds:
    """The lowest and highest bucket of each measure over the active products, in one query.

    A keyed measure's bounds are the two ends of its key index (n/a keys sort last);
    alignment's are the ends of its index too, and never n/a (0 without links).
    """
    kept_count = select(PortfolioTotals.products).where(
        PortfolioTotals.portfolio_id == portfolio.id
    )  # the triggers' count: counting the index would read every row for its workspace
    columns: list[Any] = [func.coalesce(kept_count.scalar_subquery(), 0)]
    keyed = [name for name in measures if name in KEYED_MEASURES]
    for name in keyed:
        column = key_column(name)
        columns.append(
            select(column).where(*_active(portfolio)).order_by(column).limit(1).scalar_subquery()
        )
        columns.append(
            select(column)
            .where(*_active(portfolio), column < NO_VALUE)
            .order_by(column.desc())
            .limit(1)
            .scalar_subquery()
        )
    if "alignment" in measures:
        aligned = Product.alignment_key
        for end in (aligned, aligned.desc()):  # the lowest, then the highest
            columns.append(
                select(aligned).where(*_active(portfolio)).order_by(end).limit(1).scalar_subquery()
            )
    row = tenant.execute(select(*columns)).one()
    count, rest = row[0], list(row[1:])
    bounds: dict[str, tuple[int, int] | None] = {}
    for name in keyed:
        best, worst = rest.pop(0), rest.pop(0)
        # keys are negated buckets: the lowest key is the highest bucket
        bounds[name] = None if worst is None or best == NO_VALUE else (-worst, -best)
    if "alignment" in measures:
        low, high = rest
        bounds["alignment"] = None if count == 0 or low is None else (int(low), int(high))
    return bounds


def exact_enough(bounds: Bounds) -> bool:
    """Whether floats can score these buckets (every bucket lies within its bounds)."""
    return all(
        span is None or max(abs(span[0]), abs(span[1])) < EXACT_BUCKETS for span in bounds.values()
    )


def _score(weights: Weights, bounds: Bounds, alignment: Any) -> ColumnElement[Any]:
    """Each row's score × 10^4 as a float: Σ weight × (bucket − low) / (high − low)."""
    terms: list[ColumnElement[Any]] = []
    for name, weight in weights.items():
        span = bounds.get(name)
        if weight == 0 or span is None:
            continue  # not weighed, or no product has it: it adds 0 to every score
        low, high = span
        scale = float(weight * SCORE_SCALE)
        if name == "alignment":
            present: ColumnElement[bool] = literal(True)
            bucket = alignment
        else:
            column = key_column(name)
            present = column != NO_VALUE
            bucket = -column
        if high == low:
            norm: ColumnElement[Any] = case((present, scale), else_=0.0)
        else:
            norm = case((present, cast(bucket - low, Float) * (scale / (high - low))), else_=0.0)
        terms.append(norm)
    if not terms:
        return cast(literal(0.0), Float)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def score_window(
    tenant: Tenant,
    portfolio: Portfolio,
    weights: Weights,
    bounds: Bounds,
    *,
    skip: int,
    limit: int,
    postgresql: bool,
    categories: Sequence[str] | None = None,
    cashflows: bool = False,
) -> tuple[list[ScoredRow], list[ScoredRow], int, bool]:
    """The rows a page needs, in one scan: (unsure rows, sure rows in order, offset, exhausted).

    Every active product (in these categories) is scored once, into a CTE. The unsure rows
    are those whose float score lies within `UNSURE` of a half bucket (at most
    `MAX_UNSURE + 1` are read); the sure rows are `sure_window`'s for `MAX_UNSURE + 1`
    unsure rows, from `offset`, ordered as the ranking orders (bucket descending, then key
    in code-point order), and `exhausted` says whether they ran out before the window did.
    """
    measures = weighted(weights)
    alignment: Any = Product.alignment_key if "alignment" in measures else literal(0)
    scoring = select(
        Product.id.label("id"),
        Product.key.label("key"),
        _score(weights, bounds, alignment).label("y"),
    ).where(*_active(portfolio))
    if categories is not None:
        scoring = scoring.where(Product.category.in_(categories))
    # Scored once into a CTE both halves read (SQLite materialises a CTE read twice; without
    # it each half would evaluate the score expression several times a row).
    scores = scoring.cte("scores")
    y = scores.c.y
    if postgresql:
        bucket = cast(func.floor(y + 0.5), BigInteger)
        fraction = y - func.floor(y)
        by_key: Any = scores.c.key.collate("C")
    else:  # scores are never negative: CAST truncates to the floor
        bucket = cast(y + 0.5, BigInteger)
        fraction = y - cast(y, BigInteger)
        by_key = scores.c.key
    near_half = func.abs(fraction - 0.5) <= UNSURE
    offset, count = sure_window(skip, limit, MAX_UNSURE + 1)
    unsure = (
        select(scores.c.id, bucket.label("bucket"), literal(1).label("unsure"))
        .where(near_half)
        .limit(MAX_UNSURE + 1)
    )
    sure = (
        select(scores.c.id, bucket.label("bucket"), literal(0).label("unsure"))
        .where(~near_half)
        .order_by(bucket.desc(), by_key)
        .offset(offset)
        .limit(count)
    )
    picked = union_all(select(unsure.subquery()), select(sure.subquery())).subquery("picked")
    query = select(
        picked.c.bucket,
        picked.c.unsure,
        Product.roi_key,
        Product.risk_key,
        Product.npv_key,
        alignment,
        Product.id,
        *INPUT_COLUMNS,
        *((Product.cashflows,) if cashflows else ()),
    ).join_from(picked, Product, Product.id == picked.c.id)
    found = tenant.execute(query).all()
    near = [_scored(row, cashflows) for row in found if row[1]]
    clear = sorted(
        (_scored(row, cashflows) for row in found if not row[1]),
        key=lambda row: (-row.bucket, row.item.key),
    )
    return near, clear, offset, len(clear) < count


def _scored(row: Any, cashflows: bool) -> ScoredRow:
    score, _, roi, risk, npv, alignment, product_id = row[0:7]
    buckets = {
        "roi": None if roi == NO_VALUE else -roi,
        "risk": None if risk == NO_VALUE else -risk,
        "npv": None if npv == NO_VALUE else -npv,
        "alignment": int(alignment),
    }
    item = RankInput(
        *row[7:16],  # type: ignore[misc]
        cashflows=cashflow_values(row[16]) if cashflows else (),
        alignment=Decimal(int(alignment)).scaleb(-PLACES["alignment"]),
    )
    return ScoredRow(product_id, int(score), buckets, item)


def score_page(
    tenant: Tenant,
    portfolio: Portfolio,
    weights: Weights,
    *,
    skip: int,
    limit: int,
    categories: Sequence[str] | None,
    postgresql: bool,
) -> list[Ranked] | None:
    """The page of the score's ranking, exact as the full ranking's (None: rank in full).

    None when floats cannot score these buckets, when more than `MAX_UNSURE` rows lie
    near a rounding boundary, when a float score disagrees with its exact value, or when
    a row's stored keys disagree with its inputs (its alignment with its links' live sum:
    one GROUP BY over the page's links, a page being at most a message's rows).
    """
    measures = weighted(weights)
    bounds = score_bounds(tenant, portfolio, measures)
    if not exact_enough(bounds):
        return None
    unsure, sure, offset, exhausted = score_window(
        tenant,
        portfolio,
        weights,
        bounds,
        skip=skip,
        limit=limit,
        categories=categories,
        postgresql=postgresql,
        cashflows="npv" in measures,
    )
    if len(unsure) > MAX_UNSURE:
        return None
    exact = {id(row): exact_score(row.buckets, bounds, weights) for row in unsure}

    def order(row: ScoredRow) -> tuple[int, str]:
        found = exact.get(id(row))
        bucket = row.bucket if found is None else int(found[0].scaleb(PLACES["score"]))
        return (-bucket, row.item.key)

    page = merge_page(sure, offset, exhausted, unsure, order, skip=skip, limit=limit)
    for _, row in page:
        if id(row) not in exact:
            exact[id(row)] = exact_score(row.buckets, bounds, weights)
            if int(exact[id(row)][0].scaleb(PLACES["score"])) != row.bucket:
                log.warning("float scores disagree with their exact values; ranking in full")
                return None
    if any(_stale(row, portfolio.discount_rate, measures) for _, row in page):
        log.warning("stored keys disagree with inputs; ranking the score in full")
        return None
    if "alignment" in measures:
        live = _live_alignment(tenant, [row.id for _, row in page])
        if any(row.buckets["alignment"] != live.get(row.id, 0) for _, row in page):
            log.warning("stored alignment disagrees with the links; ranking the score in full")
            return None
    return [Ranked(position, row.item, *exact[id(row)]) for position, row in page]


def _stale(row: ScoredRow, rate: Decimal, measures: Sequence[str]) -> bool:
    """Whether a row's stored keys disagree with its inputs (a write that bypassed them)."""
    for name in measures:
        if name in KEYED_MEASURES:
            bucket = row.buckets[name]
            stored = NO_VALUE if bucket is None else -bucket
            if order_key(measure_value(row.item, name, discount_rate=rate), name) != stored:
                return True
    return False
