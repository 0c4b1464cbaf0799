"""Keeping products' stored sort keys true: derived from their inputs on every write.

ORM flushes set the keys in `before_insert`/`before_update` (every changed product, whichever
service changed it); a Core INSERT (the CSV importer's bulk insert) gets them from the
columns' defaults, computed from the row's own parameters. A Core UPDATE of investment,
expected return or confidence would bypass both: there is none, and there must be none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base
from domain.ranking.keys import stored_keys

# Whole cents: a 64-bit integer on SQLite (its sums are exact), numeric on PostgreSQL.
CENTS = BigInteger().with_variant(Numeric(38, 0), "postgresql")

INPUTS = ("investment", "expected_return", "confidence")


def _keys_of_parameters(context: Any) -> tuple[int, int]:
    values = context.get_current_parameters()
    return stored_keys(
        {name: values.get(name) for name in INPUTS},
        sqlite=context.dialect.name == "sqlite",
    )


def roi_key_default(context: Any) -> int:
    """The ROI key of a row inserted with Core, from its own parameters."""
    return _keys_of_parameters(context)[0]


def risk_key_default(context: Any) -> int:
    """The risk-adjusted ROI key of a row inserted with Core, from its own parameters."""
    return _keys_of_parameters(context)[1]


def _refresh(_mapper: Any, connection: Connection, product: Any) -> None:
    sqlite = connection.dialect.name == "sqlite"
    product.roi_key, product.risk_key = stored_keys(
        {name: getattr(product, name) for name in INPUTS}, sqlite=sqlite
    )


def watch_measures(model: type[Any]) -> None:
    """Derive the model's sort keys from its inputs whenever the ORM writes a row."""
    event.listen(model, "before_insert", _refresh)
    event.listen(model, "before_update", _refresh)


class PortfolioTotals(Base):
    """A portfolio's active products counted and summed, kept by database triggers.

    Every INSERT, UPDATE and DELETE of a product (ORM or Core, a migration or a console)
    moves these by the row's difference, so a ranking's header never scans the portfolio.
    Money is in whole cents. `irregular` counts active products whose amounts the cents may
    not hold exactly (beyond ±10^13, or not whole cents): while it is above 0 the totals
    are summed from the products instead.
    """

    __tablename__ = "portfolio_totals"

    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    products: Mapped[int] = mapped_column(BigInteger, default=0)
    unvalued: Mapped[int] = mapped_column(BigInteger, default=0)
    investment_cents: Mapped[int] = mapped_column(CENTS, default=0)
    return_cents: Mapped[int] = mapped_column(CENTS, default=0)
    irregular: Mapped[int] = mapped_column(BigInteger, default=0)


# The triggers' SQL is built from these constants only (no input reaches it).
_WATCHED = "portfolio_id, archived_at, investment, expected_return"
_COLUMNS = "portfolio_id, team_id, products, unvalued, investment_cents, return_cents, irregular"


def _terms(row: str, kind: str) -> tuple[str, ...]:
    """What one product row (a table, OLD or NEW) adds to each total, in `_COLUMNS` order."""

    def cents(column: str) -> str:
        return f"CAST(ROUND({row}.{column} * 100) AS {kind})"

    def odd(column: str) -> str:
        return (
            f"ABS({row}.{column}) >= 1e13 "
            f"OR ABS({row}.{column} * 100 - ROUND({row}.{column} * 100)) > 0.001"
        )

    return (
        "1",
        f"(CASE WHEN {cents('investment')} = 0 THEN 1 ELSE 0 END)",
        cents("investment"),
        cents("expected_return"),
        f"(CASE WHEN {odd('investment')} OR {odd('expected_return')} THEN 1 ELSE 0 END)",
    )


_TOTALS = ("products", "unvalued", "investment_cents", "return_cents", "irregular")


def _moves(row: str, sign: str, kind: str) -> str:
    """SET clauses moving the totals by one product row (OLD or NEW), added or taken away."""
    return ", ".join(
        f"{name} = {name} {sign} {term}"
        for name, term in zip(_TOTALS, _terms(row, kind), strict=True)
    )


def rebuild_totals(connection: Connection) -> None:
    """Recount every portfolio's totals from its products (a migration's backfill)."""
    kind = "NUMERIC" if connection.dialect.name == "postgresql" else "INTEGER"
    sums = ", ".join(f"SUM({term})" for term in _terms("products", kind))
    connection.exec_driver_sql("DELETE FROM portfolio_totals")
    connection.exec_driver_sql(
        f"INSERT INTO portfolio_totals ({_COLUMNS}) SELECT portfolio_id, MIN(team_id), "  # noqa: S608
        f"{sums} FROM products WHERE archived_at IS NULL GROUP BY portfolio_id"
    )


def _sqlite_triggers() -> list[str]:
    def ensure(row: str) -> str:
        return (
            f"INSERT OR IGNORE INTO portfolio_totals ({_COLUMNS}) SELECT {row}.portfolio_id, "
            f"{row}.team_id, 0, 0, 0, 0, 0 WHERE {row}.archived_at IS NULL;"
        )

    def move(row: str, sign: str) -> str:
        return (
            f"UPDATE portfolio_totals SET {_moves(row, sign, 'INTEGER')} "  # noqa: S608
            f"WHERE portfolio_id = {row}.portfolio_id AND {row}.archived_at IS NULL;"
        )

    return [
        "CREATE TRIGGER IF NOT EXISTS products_totals_insert AFTER INSERT ON products "
        f"BEGIN {ensure('NEW')} {move('NEW', '+')} END",
        f"CREATE TRIGGER IF NOT EXISTS products_totals_update AFTER UPDATE OF {_WATCHED} "
        f"ON products BEGIN {move('OLD', '-')} {ensure('NEW')} {move('NEW', '+')} END",
        "CREATE TRIGGER IF NOT EXISTS products_totals_delete AFTER DELETE ON products "
        f"BEGIN {move('OLD', '-')} END",
    ]


def _postgresql_triggers() -> list[str]:
    def ensure(row: str) -> str:
        return (
            f"INSERT INTO portfolio_totals ({_COLUMNS}) VALUES ({row}.portfolio_id, "  # noqa: S608
            f"{row}.team_id, 0, 0, 0, 0, 0) ON CONFLICT (portfolio_id) DO NOTHING;"
        )

    def move(row: str, sign: str) -> str:
        return (
            f"UPDATE portfolio_totals SET {_moves(row, sign, 'NUMERIC')} "  # noqa: S608
            f"WHERE portfolio_id = {row}.portfolio_id;"
        )

    function = (
        "CREATE OR REPLACE FUNCTION folio_portfolio_totals() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.archived_at IS NULL THEN "
        f"{move('OLD', '-')} END IF; "
        "IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.archived_at IS NULL THEN "
        f"{ensure('NEW')} {move('NEW', '+')} END IF; "
        "RETURN NULL; END $$"
    )
    return [
        function,
        "DROP TRIGGER IF EXISTS products_totals ON products",
        f"CREATE TRIGGER products_totals AFTER INSERT OR DELETE OR UPDATE OF {_WATCHED} "
        "ON products FOR EACH ROW EXECUTE FUNCTION folio_portfolio_totals()",
    ]


TRIGGERS = {"sqlite": _sqlite_triggers, "postgresql": _postgresql_triggers}


def create_triggers(connection: Connection) -> None:
    """Create (or replace) the triggers that keep `portfolio_totals` true."""
    for statement in TRIGGERS.get(connection.dialect.name, list)():
        connection.exec_driver_sql(statement)


@event.listens_for(Base.metadata, "after_create")
def _after_create(_metadata: Any, connection: Connection, **_kw: Any) -> None:
    create_triggers(connection)
