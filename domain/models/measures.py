"""Keeping products' stored sort keys true: derived from their inputs on every write.

ORM flushes set the keys in `before_insert`/`before_update` (every changed product, whichever
service changed it); a Core INSERT (the CSV importer's bulk insert) gets them from the
columns' defaults, computed from the row's own parameters. The NPV key also depends on the
portfolio's discount rate, read as the database holds it (share-locked on PostgreSQL, so a
concurrent rate change waits for this transaction or this one for it), and an ORM change of
a portfolio's rate re-keys its products in the same transaction, a chunk at a time
(`rekey_portfolio`). A Core UPDATE of investment, expected return, confidence, cash flows, a
product's portfolio or a portfolio's discount rate would bypass all of this: there is none,
and there must be none.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    bindparam,
    column,
    event,
    inspect,
    select,
    table,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session
from sqlalchemy.orm.attributes import flag_modified

from domain.models.base import FRACTION, Base
from domain.ranking.keys import npv_key, stored_keys

# Whole cents: a 64-bit integer on SQLite (its sums are exact), numeric on PostgreSQL.
CENTS = BigInteger().with_variant(Numeric(38, 0), "postgresql")

INPUTS = ("investment", "expected_return", "confidence")
REKEY_CHUNK = 5_000  # products re-keyed per SELECT and per UPDATE batch

_RATES = "folio_discount_rates"  # session.info: portfolio id -> stored rate, for one flush
_PORTFOLIOS = table("portfolios", column("id", Integer), column("discount_rate", FRACTION))
_STATEMENT_RATES: WeakKeyDictionary[Any, dict[Any, Decimal | None]] = WeakKeyDictionary()


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


def stored_rate(connection: Connection, portfolio_id: int | None) -> Decimal | None:
    """A portfolio's discount rate as the database holds it (None: no such portfolio).

    On PostgreSQL the row is share-locked until commit: a transaction changing the rate
    (and re-keying the products) waits for this one, or this one waits and reads its rate.
    """
    if portfolio_id is None:
        return None
    query = select(_PORTFOLIOS.c.discount_rate).where(_PORTFOLIOS.c.id == portfolio_id)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    rate: Decimal | None = connection.execute(query).scalar()
    return rate


def npv_key_default(context: Any) -> int:
    """The NPV key of a row inserted with Core: its cash flows at its portfolio's rate."""
    values = context.get_current_parameters()
    rates = _STATEMENT_RATES.setdefault(context, {})  # one lookup per portfolio per statement
    portfolio_id = values.get("portfolio_id")
    if portfolio_id not in rates:
        rates[portfolio_id] = stored_rate(context.connection, portfolio_id)
    return npv_key(values.get("cashflows"), rates[portfolio_id])


def _rate_of(connection: Connection, product: Any) -> Decimal | None:
    """The product's portfolio's stored rate, read once per portfolio per flush."""
    session = object_session(product)
    rates: dict[Any, Decimal | None] = session.info.setdefault(_RATES, {}) if session else {}
    if product.portfolio_id not in rates:
        rates[product.portfolio_id] = stored_rate(connection, product.portfolio_id)
    return rates[product.portfolio_id]


def _refresh(_mapper: Any, connection: Connection, product: Any) -> None:
    sqlite = connection.dialect.name == "sqlite"
    product.roi_key, product.risk_key = stored_keys(
        {name: getattr(product, name) for name in INPUTS}, sqlite=sqlite
    )
    product.npv_key = npv_key(product.cashflows, _rate_of(connection, product))


def _refresh_update(mapper: Any, connection: Connection, product: Any) -> None:
    _refresh(mapper, connection, product)
    # Written even when it equals the key loaded: a re-key may have moved the row since.
    flag_modified(product, "npv_key")


def _forget_rates(session: Session, *_args: Any) -> None:
    session.info.pop(_RATES, None)


def watch_measures(model: type[Any]) -> None:
    """Derive the model's sort keys from its inputs whenever the ORM writes a row."""
    event.listen(model, "before_insert", _refresh)
    event.listen(model, "before_update", _refresh_update)


def rekey_portfolio(connection: Connection, products: Table, portfolio_id: int) -> int:
    """Recompute the NPV key of every product of a portfolio (its rate changed); how many moved.

    A chunk of products at a time, walking `ix_products_portfolio_roi` by (ROI key, product
    key), an order the re-key leaves alone: each SELECT binds the portfolio and where the
    last chunk ended, each UPDATE one product's id and key per row of an executemany.
    """
    rate = stored_rate(connection, portfolio_id)
    c = products.c
    after: tuple[int, str] | None = None
    moved = 0
    while True:
        where = [c.portfolio_id == portfolio_id]
        if after is not None:
            where.append(tuple_(c.roi_key, c.key) > tuple_(*after))
        rows = connection.execute(
            select(c.id, c.cashflows, c.npv_key, c.roi_key, c.key)
            .where(*where)
            .order_by(c.roi_key, c.key)
            .limit(REKEY_CHUNK)
        ).all()
        if not rows:
            return moved
        keys = [
            {"row_id": row_id, "npv": key}
            for row_id, flows, old, _roi, _key in rows
            if (key := npv_key(flows, rate)) != old
        ]
        if keys:
            connection.execute(
                update(products)
                .where(c.id == bindparam("row_id"))
                .values(npv_key=bindparam("npv")),
                keys,
            )
            moved += len(keys)
        after = (rows[-1][3], rows[-1][4])


def watch_discount_rate(portfolio_model: type[Any], product_model: type[Any]) -> None:
    """Re-key a portfolio's products in the flush that changes its discount rate."""
    products: Table = product_model.__table__

    def rekey(_mapper: Any, connection: Connection, portfolio: Any) -> None:
        if not inspect(portfolio).attrs.discount_rate.history.has_changes():
            return
        session = object_session(portfolio)
        if session is not None:
            session.info.get(_RATES, {}).pop(portfolio.id, None)
        rekey_portfolio(connection, products, portfolio.id)

    event.listen(portfolio_model, "after_update", rekey)


event.listen(Session, "before_flush", _forget_rates)
event.listen(Session, "after_flush", _forget_rates)


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
    """Recount every portfolio's totals from its products (a migration's backfill).

    From migration 0009 on, `recount_cashflows` must follow: this leaves `no_cashflows` 0.
    """
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


# NPV's n/a: an active product whose cash flows are no (or an empty) JSON array.
_FLOWS_WATCHED = "portfolio_id, archived_at, cashflows"
_NO_FLOWS = {
    "sqlite": "(CASE WHEN json_array_length({row}.cashflows) = 0 THEN 1 ELSE 0 END)",
    "postgresql": "(CASE WHEN json_typeof({row}.cashflows) <> 'array' THEN 1 "
    "WHEN json_array_length({row}.cashflows) = 0 THEN 1 ELSE 0 END)",
}


_OPS = ("insert", "update", "delete")
_CASHFLOW_FUNCTIONS = (
    "folio_cashflow_totals_added",
    "folio_cashflow_totals_removed",
    "folio_cashflow_totals",
)


def _no_flows(row: str, dialect: str) -> str:
    return _NO_FLOWS[dialect].format(row=row)


def recount_cashflows(connection: Connection) -> None:
    """Recount every portfolio's products without cash flows (a migration's backfill)."""
    term = _no_flows("products", connection.dialect.name)
    connection.exec_driver_sql(
        f"UPDATE portfolio_totals SET no_cashflows = (SELECT COALESCE(SUM({term}), 0) "  # noqa: S608
        "FROM products WHERE products.portfolio_id = portfolio_totals.portfolio_id "
        "AND products.archived_at IS NULL)"
    )


def _counted(row: str, dialect: str) -> str:
    """1 when the row is an active product without cash flows, else 0."""
    return f"(CASE WHEN {row}.archived_at IS NULL THEN {_no_flows(row, dialect)} ELSE 0 END)"


# Only a row that is (or was) an active product without cash flows moves the count: a
# portfolio's products with cash flows cost these triggers nothing but the check.


def _sqlite_cashflow_triggers() -> list[str]:
    def ensure(row: str) -> str:
        return (
            f"INSERT OR IGNORE INTO portfolio_totals ({_COLUMNS}) SELECT {row}.portfolio_id, "
            f"{row}.team_id, 0, 0, 0, 0, 0 WHERE {row}.archived_at IS NULL;"
        )

    def move(row: str, sign: str) -> str:
        return (
            "UPDATE portfolio_totals SET no_cashflows = no_cashflows "  # noqa: S608
            f"{sign} {_counted(row, 'sqlite')} WHERE portfolio_id = {row}.portfolio_id;"
        )

    old, new = _counted("OLD", "sqlite"), _counted("NEW", "sqlite")
    return [
        "CREATE TRIGGER IF NOT EXISTS products_cashflow_totals_insert AFTER INSERT ON products "
        f"WHEN {new} = 1 BEGIN {ensure('NEW')} {move('NEW', '+')} END",
        "CREATE TRIGGER IF NOT EXISTS products_cashflow_totals_update AFTER UPDATE OF "
        f"{_FLOWS_WATCHED} ON products WHEN {old} <> {new} OR ({new} = 1 AND "
        "OLD.portfolio_id <> NEW.portfolio_id) "
        f"BEGIN {move('OLD', '-')} {ensure('NEW')} {move('NEW', '+')} END",
        "CREATE TRIGGER IF NOT EXISTS products_cashflow_totals_delete AFTER DELETE ON products "
        f"WHEN {old} = 1 BEGIN {move('OLD', '-')} END",
    ]


def _postgresql_cashflow_triggers() -> list[str]:
    """Statement triggers for INSERT and DELETE (one UPDATE of a portfolio's totals per
    statement, however many rows: PostgreSQL chains every version of a row updated in one
    transaction), a row trigger, only for a row whose count changes, for UPDATE."""
    counted = {table: _counted(table, "postgresql") for table in ("OLD", "NEW", "changed")}

    def move(sign: str) -> str:
        return (
            f"UPDATE portfolio_totals AS t SET no_cashflows = t.no_cashflows {sign} d.n "  # noqa: S608
            "FROM (SELECT portfolio_id, COUNT(*) AS n FROM changed "
            f"WHERE {counted['changed']} = 1 GROUP BY portfolio_id) AS d "
            "WHERE t.portfolio_id = d.portfolio_id;"
        )

    added = (
        "CREATE OR REPLACE FUNCTION folio_cashflow_totals_added() RETURNS trigger "  # noqa: S608
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO portfolio_totals ({_COLUMNS}) SELECT DISTINCT portfolio_id, team_id, "
        f"0, 0, 0, 0, 0 FROM changed WHERE {counted['changed']} = 1 "
        f"ON CONFLICT (portfolio_id) DO NOTHING; {move('+')} RETURN NULL; END $$"
    )
    removed = (
        "CREATE OR REPLACE FUNCTION folio_cashflow_totals_removed() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {move('-')} RETURN NULL; END $$"
    )
    row = (
        "CREATE OR REPLACE FUNCTION folio_cashflow_totals() RETURNS trigger "  # noqa: S608
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"IF {counted['OLD']} = 1 THEN UPDATE portfolio_totals "
        "SET no_cashflows = no_cashflows - 1 WHERE portfolio_id = OLD.portfolio_id; END IF; "
        f"IF {counted['NEW']} = 1 THEN INSERT INTO portfolio_totals ({_COLUMNS}) "
        "VALUES (NEW.portfolio_id, NEW.team_id, 0, 0, 0, 0, 0) "
        "ON CONFLICT (portfolio_id) DO NOTHING; UPDATE portfolio_totals "
        "SET no_cashflows = no_cashflows + 1 WHERE portfolio_id = NEW.portfolio_id; END IF; "
        "RETURN NULL; END $$"
    )
    moved = (
        f"{counted['OLD']} <> {counted['NEW']} "
        f"OR ({counted['NEW']} = 1 AND OLD.portfolio_id <> NEW.portfolio_id)"
    )
    return [
        added,
        removed,
        row,
        *(f"DROP TRIGGER IF EXISTS products_cashflow_totals_{name} ON products" for name in _OPS),
        "CREATE TRIGGER products_cashflow_totals_insert AFTER INSERT ON products "
        "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
        "EXECUTE FUNCTION folio_cashflow_totals_added()",
        "CREATE TRIGGER products_cashflow_totals_delete AFTER DELETE ON products "
        "REFERENCING OLD TABLE AS changed FOR EACH STATEMENT "
        "EXECUTE FUNCTION folio_cashflow_totals_removed()",
        f"CREATE TRIGGER products_cashflow_totals_update AFTER UPDATE OF {_FLOWS_WATCHED} "
        f"ON products FOR EACH ROW WHEN ({moved}) EXECUTE FUNCTION folio_cashflow_totals()",
    ]


CASHFLOW_TRIGGERS = {
    "sqlite": _sqlite_cashflow_triggers,
    "postgresql": _postgresql_cashflow_triggers,
}


def create_cashflow_triggers(connection: Connection) -> None:
    """Create (or replace) the triggers that keep `portfolio_totals.no_cashflows` true.

    A migration that rebuilds `products` in SQLite batch mode (which drops its triggers)
    calls this after `create_triggers`.
    """
    for statement in CASHFLOW_TRIGGERS.get(connection.dialect.name, list)():
        connection.exec_driver_sql(statement)


def drop_cashflow_triggers(connection: Connection) -> None:
    """Drop the `no_cashflows` triggers (migration 0009's downgrade)."""
    postgresql = connection.dialect.name == "postgresql"
    for name in _OPS:
        on = " ON products" if postgresql else ""
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS products_cashflow_totals_{name}{on}")
    if postgresql:
        for function in _CASHFLOW_FUNCTIONS:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}()")


@event.listens_for(Base.metadata, "after_create")
def _after_create(_metadata: Any, connection: Connection, **_kw: Any) -> None:
    create_triggers(connection)
    create_cashflow_triggers(connection)
