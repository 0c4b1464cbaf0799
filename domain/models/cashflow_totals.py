"""`portfolio_totals.no_cashflows`, NPV's n/a count, kept by triggers of its own (migration 0009).

An active product counts when its cash flows are no (or an empty) JSON array. The triggers
watch the cash flows, the portfolio and the archived date; `domain.models.totals` keeps
the other totals of the same row.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from domain.models.totals import COLUMNS, sqlite_ensure_totals

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
    def move(row: str, sign: str) -> str:
        return (
            "UPDATE portfolio_totals SET no_cashflows = no_cashflows "  # noqa: S608
            f"{sign} {_counted(row, 'sqlite')} WHERE portfolio_id = {row}.portfolio_id;"
        )

    old, new = _counted("OLD", "sqlite"), _counted("NEW", "sqlite")
    new_row = sqlite_ensure_totals("NEW")  # the portfolio's row, before NEW moves it
    return [
        "CREATE TRIGGER IF NOT EXISTS products_cashflow_totals_insert AFTER INSERT ON products "
        f"WHEN {new} = 1 BEGIN {new_row} {move('NEW', '+')} END",
        "CREATE TRIGGER IF NOT EXISTS products_cashflow_totals_update AFTER UPDATE OF "
        f"{_FLOWS_WATCHED} ON products WHEN {old} <> {new} OR ({new} = 1 AND "
        "OLD.portfolio_id <> NEW.portfolio_id) "
        f"BEGIN {move('OLD', '-')} {new_row} {move('NEW', '+')} END",
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
        f"INSERT INTO portfolio_totals ({COLUMNS}) SELECT DISTINCT portfolio_id, team_id, "
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
        f"IF {counted['NEW']} = 1 THEN INSERT INTO portfolio_totals ({COLUMNS}) "
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
