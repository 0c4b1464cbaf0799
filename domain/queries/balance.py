"""The portfolio's balance cells from one SQL aggregate: sums per category, stage and health.

`/portfolio balance` needs every product's investment and expected value, but only summed:
the database groups them by (category, stage, health) and returns a few rows, whatever the
size of the portfolio; `domain.balance.balance_of` makes the report from those cells.

The sums are exact. PostgreSQL sums NUMERIC exactly. SQLite keeps NUMERIC as a float, so it
sums integers instead: cents of investment, and confidence × expected return in millionths
(confidence has 4 places, money 2), each rounded from the float exactly as reading the column
back would. Two cases fall back to summing the products in Python (the same figures, slower):
a value too large for a float to hold its cents (over 10^12), and a sum that overflows
SQLite's 64-bit integers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.exc import OperationalError

from domain.balance import BalanceCell, BalanceInput, cells_of
from domain.models import Portfolio, Product
from domain.queries.products import product_facts
from domain.store import Tenant

FLOAT_CENTS_LIMIT = Decimal(10) ** 12  # |value| below this: a float's cents round exactly


def _integer(expression: Any, scale: int) -> Any:
    return cast(func.round(expression * scale), Integer)


def balance_cells(tenant: Tenant, portfolio: Portfolio) -> list[BalanceCell]:
    """The active products of a portfolio summed per (category, stage, health)."""
    active = (Product.portfolio_id == portfolio.id, Product.archived_at.is_(None))
    groups = (Product.category, Product.stage, Product.health)
    if tenant.dialect != "sqlite":
        rows = tenant.execute(
            select(
                *groups,
                func.count(),
                func.sum(Product.investment),
                func.sum(Product.confidence * Product.expected_return),
            )
            .where(*active)
            .group_by(*groups)
        ).all()
        return [
            BalanceCell(row[0], row[1], row[2], row[3], Decimal(row[4]), Decimal(row[5]))
            for row in rows
        ]
    largest = tenant.execute(
        select(
            func.max(func.abs(Product.investment)), func.max(func.abs(Product.expected_return))
        ).where(*active)
    ).one()
    if any(value is not None and abs(Decimal(value)) >= FLOAT_CENTS_LIMIT for value in largest):
        return _summed_in_python(tenant, portfolio)
    try:
        rows = tenant.execute(
            select(
                *groups,
                func.count(),
                func.sum(_integer(Product.investment, 100)),
                func.sum(
                    _integer(Product.confidence, 10_000) * _integer(Product.expected_return, 100)
                ),
            )
            .where(*active)
            .group_by(*groups)
        ).all()
    except OperationalError as error:
        if "integer overflow" not in str(error.orig):
            raise
        return _summed_in_python(tenant, portfolio)
    return [
        BalanceCell(
            row[0], row[1], row[2], row[3], Decimal(row[4]).scaleb(-2), Decimal(row[5]).scaleb(-6)
        )
        for row in rows
    ]


def _summed_in_python(tenant: Tenant, portfolio: Portfolio) -> list[BalanceCell]:
    return cells_of(
        [
            BalanceInput(
                i.key, i.category, i.stage, i.health, i.investment, i.expected_return, i.confidence
            )
            for i in product_facts(tenant, portfolio, cashflows=False)
        ]
    )
