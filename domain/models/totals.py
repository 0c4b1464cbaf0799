"""`portfolio_totals`: each portfolio's active products counted and summed, kept by triggers.

Every INSERT, UPDATE and DELETE of a product (ORM or Core, a migration or a console) moves
its portfolio's row by the difference, so a ranking's header never scans the portfolio.

SQLite has row triggers only; each costs the same whatever the statement. PostgreSQL's are
statement triggers over transition tables: a statement's rows are summed per portfolio and
each portfolio's row is written once. (A row trigger wrote it once per product: PostgreSQL
keeps every version of a row updated in one transaction, and each UPDATE walks them, so a
bulk INSERT into one portfolio cost time quadratic in its rows.) A statement per row is
still a write per row: a Core executemany without RETURNING is one INSERT per row on
psycopg 3, so bulk writers send multi-row statements to gain (bench/totals_triggers.py).

Migrations 0008 and 0009 create the row triggers they created then (`statement_level=False`);
0011 replaces them on PostgreSQL with the statement triggers, which `create_all` creates.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base

# Whole cents: a 64-bit integer on SQLite (its sums are exact), numeric on PostgreSQL.
CENTS = BigInteger().with_variant(Numeric(38, 0), "postgresql")


class PortfolioTotals(Base):
    """A portfolio's active products counted and summed, kept by database triggers.

    Every INSERT, UPDATE and DELETE of a product (ORM or Core, a migration or a console)
    moves these by the row's difference, so a ranking's header never scans the portfolio.
    Money is in whole cents. `irregular` counts active products whose amounts the cents may
    not hold exactly (beyond ±10^13, or not whole cents): while it is above 0 the totals
    are summed from the products instead. `no_cashflows` (NPV's n/a) has triggers of its
    own (`create_cashflow_triggers`, migration 0009), watching the cash flows.
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
    no_cashflows: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


# The triggers' SQL is built from these constants only (no input reaches it).
_WATCHED = "portfolio_id, archived_at, investment, expected_return"
COLUMNS = "portfolio_id, team_id, products, unvalued, investment_cents, return_cents, irregular"


def _terms(row: str, kind: str) -> tuple[str, ...]:
    """What one product row (a table, OLD or NEW) adds to each total, in `COLUMNS` order."""

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
    """Recount every portfolio's totals from its products (a migration's backfill).

    From migration 0009 on, `recount_cashflows` must follow: this leaves `no_cashflows` 0.
    """
    kind = "NUMERIC" if connection.dialect.name == "postgresql" else "INTEGER"
    sums = ", ".join(f"SUM({term})" for term in _terms("products", kind))
    connection.exec_driver_sql("DELETE FROM portfolio_totals")
    connection.exec_driver_sql(
        f"INSERT INTO portfolio_totals ({COLUMNS}) SELECT portfolio_id, MIN(team_id), "  # noqa: S608
        f"{sums} FROM products WHERE archived_at IS NULL GROUP BY portfolio_id"
    )


def sqlite_ensure_totals(row: str) -> str:
    """SQLite: create the portfolio's zeroed totals row for an active product row (OLD or NEW),
    unless it has one; the totals' triggers and the cash-flow count's both use it."""
    return (
        f"INSERT OR IGNORE INTO portfolio_totals ({COLUMNS}) SELECT {row}.portfolio_id, "
        f"{row}.team_id, 0, 0, 0, 0, 0 WHERE {row}.archived_at IS NULL;"
    )


def _sqlite_triggers() -> list[str]:
    def move(row: str, sign: str) -> str:
        return (
            f"UPDATE portfolio_totals SET {_moves(row, sign, 'INTEGER')} "  # noqa: S608
            f"WHERE portfolio_id = {row}.portfolio_id AND {row}.archived_at IS NULL;"
        )

    new_row = sqlite_ensure_totals("NEW")  # the portfolio's row, before NEW moves it
    return [
        "CREATE TRIGGER IF NOT EXISTS products_totals_insert AFTER INSERT ON products "
        f"BEGIN {new_row} {move('NEW', '+')} END",
        f"CREATE TRIGGER IF NOT EXISTS products_totals_update AFTER UPDATE OF {_WATCHED} "
        f"ON products BEGIN {move('OLD', '-')} {new_row} {move('NEW', '+')} END",
        "CREATE TRIGGER IF NOT EXISTS products_totals_delete AFTER DELETE ON products "
        f"BEGIN {move('OLD', '-')} END",
    ]


def _postgresql_row_triggers() -> list[str]:
    """Migrations 0008-0010's row trigger: one UPDATE of the portfolio's totals per product."""

    def ensure(row: str) -> str:
        return (
            f"INSERT INTO portfolio_totals ({COLUMNS}) VALUES ({row}.portfolio_id, "  # noqa: S608
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
        f"CREATE TRIGGER products_totals AFTER INSERT OR DELETE OR UPDATE OF {_WATCHED} "
        "ON products FOR EACH ROW EXECUTE FUNCTION folio_portfolio_totals()",
    ]


# The statement triggers' transition tables: the rows a statement wrote, as they were before
# (an UPDATE's or DELETE's) and after (an INSERT's or UPDATE's).
_BEFORE, _AFTER = "old_products", "new_products"


def _delta(tables: tuple[tuple[str, str], ...], *, changed_only: bool = False) -> str:
    """Per portfolio, what the rows of the transition tables move each total by: summed over
    a table's active rows, added ("+") or taken away ("-"). With `changed_only`, portfolios
    whose totals end where they began are left out (nothing to write)."""
    rows = " UNION ALL ".join(
        "SELECT r.portfolio_id, r.team_id, "  # noqa: S608
        + ", ".join(
            f"{'-' if sign == '-' else ''}{term} AS {name}"
            for name, term in zip(_TOTALS, _terms("r", "NUMERIC"), strict=True)
        )
        + f" FROM {table} AS r WHERE r.archived_at IS NULL"
        for table, sign in tables
    )
    sums = ", ".join(f"SUM({name}) AS {name}" for name in _TOTALS)
    having = " OR ".join(f"SUM({name}) <> 0" for name in _TOTALS)
    return (
        f"SELECT portfolio_id, MIN(team_id) AS team_id, {sums} FROM ({rows}) AS moved "  # noqa: S608
        f"GROUP BY portfolio_id{f' HAVING {having}' if changed_only else ''}"
    )


def _apply(delta: str) -> str:
    """One UPDATE moving each portfolio's row (if it has one) by its delta."""
    moves = ", ".join(f"{name} = t.{name} + d.{name}" for name in _TOTALS)
    return (
        f"UPDATE portfolio_totals AS t SET {moves} FROM ({delta}) AS d "  # noqa: S608
        "WHERE t.portfolio_id = d.portfolio_id;"
    )


def _postgresql_statement_triggers() -> list[str]:
    """One trigger per operation (transition tables allow one event each, and no column list
    on UPDATE), each writing a portfolio's row once per statement, however many rows.

    What they leave is what the row trigger left, total for total (from true totals): an
    INSERT adds its active rows (creating a portfolio's first row, ON CONFLICT), a DELETE
    takes its away, an UPDATE takes away the rows' old versions and adds their new ones
    (a portfolio whose totals it leaves as they were is not written). An UPDATE fires
    the trigger whatever its columns: one that changed no watched column of any row (a
    re-key, a name) returns after one look at the two tables, writing nothing.
    """
    added = _delta(((_AFTER, "+"),))
    upsert = ", ".join(f"{name} = portfolio_totals.{name} + EXCLUDED.{name}" for name in _TOTALS)
    insert = (
        "CREATE OR REPLACE FUNCTION folio_portfolio_totals_added() RETURNS trigger "  # noqa: S608
        f"LANGUAGE plpgsql AS $$ BEGIN INSERT INTO portfolio_totals ({COLUMNS}) "
        f"SELECT {COLUMNS} FROM ({added}) AS d ORDER BY portfolio_id "
        f"ON CONFLICT (portfolio_id) DO UPDATE SET {upsert}; RETURN NULL; END $$"
    )
    watched = [name.strip() for name in _WATCHED.split(",")]
    differ = (
        f"({', '.join(f'n.{c}' for c in watched)}) IS DISTINCT FROM "
        f"({', '.join(f'o.{c}' for c in watched)})"
    )
    update = (
        "CREATE OR REPLACE FUNCTION folio_portfolio_totals_changed() RETURNS trigger "  # noqa: S608
        f"LANGUAGE plpgsql AS $$ BEGIN IF NOT EXISTS (SELECT 1 FROM {_AFTER} AS n "
        f"FULL JOIN {_BEFORE} AS o ON o.id = n.id "
        f"WHERE n.id IS NULL OR o.id IS NULL OR {differ}) THEN RETURN NULL; END IF; "
        f"INSERT INTO portfolio_totals ({COLUMNS}) SELECT portfolio_id, MIN(team_id), "
        f"0, 0, 0, 0, 0 FROM {_AFTER} WHERE archived_at IS NULL GROUP BY portfolio_id "
        "ORDER BY portfolio_id ON CONFLICT (portfolio_id) DO NOTHING; "
        f"{_apply(_delta(((_AFTER, '+'), (_BEFORE, '-')), changed_only=True))} "
        "RETURN NULL; END $$"
    )
    delete = (
        "CREATE OR REPLACE FUNCTION folio_portfolio_totals_removed() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {_apply(_delta(((_BEFORE, '-'),)))} "
        "RETURN NULL; END $$"
    )
    return [
        insert,
        update,
        delete,
        f"CREATE TRIGGER products_totals_insert AFTER INSERT ON products REFERENCING NEW "
        f"TABLE AS {_AFTER} FOR EACH STATEMENT EXECUTE FUNCTION folio_portfolio_totals_added()",
        f"CREATE TRIGGER products_totals_update AFTER UPDATE ON products REFERENCING OLD "
        f"TABLE AS {_BEFORE} NEW TABLE AS {_AFTER} FOR EACH STATEMENT "
        "EXECUTE FUNCTION folio_portfolio_totals_changed()",
        f"CREATE TRIGGER products_totals_delete AFTER DELETE ON products REFERENCING OLD "
        f"TABLE AS {_BEFORE} FOR EACH STATEMENT EXECUTE FUNCTION folio_portfolio_totals_removed()",
    ]


_OPS = ("insert", "update", "delete")
_ROW_FUNCTIONS: tuple[str, ...] = ("folio_portfolio_totals",)
_STATEMENT_FUNCTIONS: tuple[str, ...] = (
    "folio_portfolio_totals_added",
    "folio_portfolio_totals_changed",
    "folio_portfolio_totals_removed",
)


def _postgresql_triggers(statement_level: bool) -> list[str]:
    """Whichever triggers were there dropped, then the ones asked for (never both kinds)."""
    if statement_level:
        created, unused = _postgresql_statement_triggers(), _ROW_FUNCTIONS
    else:
        created, unused = _postgresql_row_triggers(), _STATEMENT_FUNCTIONS
    return [
        "DROP TRIGGER IF EXISTS products_totals ON products",
        *(f"DROP TRIGGER IF EXISTS products_totals_{name} ON products" for name in _OPS),
        *created,
        *(f"DROP FUNCTION IF EXISTS {function}()" for function in unused),
    ]


def create_triggers(connection: Connection, *, statement_level: bool = True) -> None:
    """Create (or replace) the triggers that keep `portfolio_totals` true.

    On PostgreSQL, `statement_level=False` creates migrations 0008-0010's row trigger
    instead (0011's downgrade); either replaces whichever were there. SQLite's triggers are
    row triggers either way.
    """
    dialect = connection.dialect.name
    if dialect == "sqlite":
        statements = _sqlite_triggers()
    elif dialect == "postgresql":
        statements = _postgresql_triggers(statement_level)
    else:
        statements = []
    for statement in statements:
        connection.exec_driver_sql(statement)


@event.listens_for(Base.metadata, "after_create")
def _after_create(_metadata: Any, connection: Connection, **_kw: Any) -> None:
    # NPV's n/a count has triggers of its own; that module imports this one. The products'
    # alignment keys have theirs too (on the objective links and objectives).
    from domain.models.alignment import create_alignment_triggers
    from domain.models.cashflow_totals import create_cashflow_triggers

    create_triggers(connection)
    create_cashflow_triggers(connection)
    create_alignment_triggers(connection)
