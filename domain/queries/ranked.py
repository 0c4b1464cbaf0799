"""A ranking's page straight from the database: products ordered by a stored sort key.

`products.roi_key` / `risk_key` / `npv_key` (domain.ranking.keys) are exact integers, so
`ORDER BY key column, product key LIMIT n` walks `ix_products_portfolio_roi` / `_risk` /
`_npv` and returns exactly the rows the full Decimal ranking would list. Totals are SQL
aggregates, exact on both databases (SQLite sums whole cents, and says when it cannot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from domain.models import Portfolio, PortfolioTotals, Product
from domain.ranking import RankInput
from domain.ranking.keys import NO_VALUE, cashflow_values
from domain.store import Tenant

_CENTS = Decimal("0.01")
_EXACT_FLOAT = 2**53


@dataclass(frozen=True)
class Totals:
    """How many products a ranking covers, how many have no value, and their money."""

    count: int
    unavailable: int
    investment: Decimal
    expected_return: Decimal


_KEY_COLUMNS = {"roi": Product.roi_key, "risk": Product.risk_key, "npv": Product.npv_key}

# A product's columns in RankInput's order, up to its cash flows (which each reader decodes).
INPUT_COLUMNS = (
    Product.key,
    Product.name,
    Product.owner_id,
    Product.category,
    Product.stage,
    Product.health,
    Product.investment,
    Product.expected_return,
    Product.confidence,
)


def key_column(measure: str) -> Any:
    """The stored sort key of a keyed measure (roi, risk or npv)."""
    return _KEY_COLUMNS[measure]


def _where(portfolio: Portfolio, categories: Sequence[str] | None) -> list[ColumnElement[bool]]:
    where = [Product.portfolio_id == portfolio.id, Product.archived_at.is_(None)]
    if categories is not None:
        where.append(Product.category.in_(categories))
    return where


def categories(tenant: Tenant, portfolio: Portfolio) -> list[str]:
    """The distinct categories of a portfolio's active products."""
    return tenant.scalars(select(Product.category).where(*_where(portfolio, None)).distinct())


def keyed_totals(
    tenant: Tenant, portfolio: Portfolio, measure: str, categories: Sequence[str] | None
) -> Totals:
    """Count, n/a count and money totals of the active products (in these categories).

    Sums whole cents: exact on PostgreSQL (numeric), and on SQLite (floats) while every
    partial sum stays below 2^53 cents, which the largest amount bounds; past that bound
    (amounts near a trillion in a large portfolio) the amounts are summed in Decimal.
    """
    if categories is None:
        kept = kept_totals(tenant, portfolio, measure)
        if kept is not None:
            return kept
    where = _where(portfolio, categories)
    count, unavailable, invested, back, top_inv, top_ret = tenant.execute(
        select(
            func.count(),
            func.sum(case((key_column(measure) == NO_VALUE, 1), else_=0)),
            func.sum(func.round(Product.investment * 100)),
            func.sum(func.round(Product.expected_return * 100)),
            func.max(func.abs(Product.investment)),
            func.max(func.abs(Product.expected_return)),
        ).where(*where)
    ).one()
    if count == 0:
        return Totals(0, 0, Decimal(0), Decimal(0))
    bound = max(float(top_inv or 0), float(top_ret or 0)) * 100 * count
    if bound < _EXACT_FLOAT / 2:
        return Totals(count, unavailable or 0, _cents(invested), _cents(back))
    rows = tenant.execute(select(Product.investment, Product.expected_return).where(*where)).all()
    return Totals(
        count,
        unavailable or 0,
        sum((r[0] for r in rows), Decimal(0)),
        sum((r[1] for r in rows), Decimal(0)),
    )


def kept_totals(tenant: Tenant, portfolio: Portfolio, measure: str = "roi") -> Totals | None:
    """The portfolio's totals as the triggers keep them (None: not exact in cents, sum instead).

    A product without a value (n/a) has no investment, for ROI and risk alike; for NPV it
    has no cash flows.
    """
    row = tenant.execute(
        select(
            PortfolioTotals.products,
            PortfolioTotals.no_cashflows if measure == "npv" else PortfolioTotals.unvalued,
            PortfolioTotals.investment_cents,
            PortfolioTotals.return_cents,
            PortfolioTotals.irregular,
        ).where(PortfolioTotals.portfolio_id == portfolio.id)
    ).first()
    if row is None:
        return Totals(0, 0, Decimal(0), Decimal(0))
    count, unvalued, invested, back, irregular = row
    if irregular or not isinstance(invested, int | Decimal) or not isinstance(back, int | Decimal):
        return None  # an odd amount, or SQLite's integer sum overflowed into a float
    if count == 0:
        return Totals(0, 0, Decimal(0), Decimal(0))
    return Totals(count, unvalued, _cents(invested), _cents(back))


def _cents(value: Any) -> Decimal:
    """A sum of whole cents (a float on SQLite, numeric on PostgreSQL) as an amount."""
    return (Decimal(int(value)) * _CENTS).quantize(_CENTS)


def keyed_page(
    tenant: Tenant,
    portfolio: Portfolio,
    measure: str,
    *,
    skip: int,
    limit: int,
    categories: Sequence[str] | None,
    postgresql: bool = False,
) -> list[tuple[int, RankInput]]:
    """One page of the ranking by a keyed measure: (stored key, product) pairs, best first.

    Ties rank by product key in code-point order, as the full ranking does (PostgreSQL is
    told `COLLATE "C"`: a locale's collation could order keys otherwise). Only an NPV page
    reads the cash flows.
    """
    column = key_column(measure)
    by_key: Any = Product.key
    if postgresql:
        by_key = Product.key.collate("C")
    flows = measure == "npv"
    rows = tenant.execute(
        select(column, *INPUT_COLUMNS, *((Product.cashflows,) if flows else ()))
        .where(*_where(portfolio, categories))
        .order_by(column, by_key)
        .offset(skip)
        .limit(limit)
    ).all()
    if flows:
        return [
            (row[0], RankInput(*row[1:10], cashflows=cashflow_values(row[10])))  # type: ignore[misc]
            for row in rows
        ]
    return [(row[0], RankInput(*row[1:])) for row in rows]
