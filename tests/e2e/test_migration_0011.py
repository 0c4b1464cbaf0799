"""Migration 0011: PostgreSQL's totals triggers become statement triggers; totals stay exact.

Up from an empty database and from one at 0010 (products written under 0008's row trigger),
the triggers on `products` are exactly 0011's (never both kinds: nothing counted twice);
down to 0010 they are exactly the row trigger again. On SQLite there is nothing to change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, insert, text

from domain.models import Product
from domain.store import make_engine
from tests.conftest import Database
from tests.e2e.test_migrations import alembic, empty
from tests.integration.test_portfolio_totals import NOW, assert_true, copy_rows, new_team, rows

STATEMENT = {
    "triggers": [
        ("products_totals_delete", "statement"),
        ("products_totals_insert", "statement"),
        ("products_totals_update", "statement"),
    ],
    "functions": [
        "folio_portfolio_totals_added",
        "folio_portfolio_totals_changed",
        "folio_portfolio_totals_removed",
    ],
}
ROW = {"triggers": [("products_totals", "row")], "functions": ["folio_portfolio_totals"]}
SQLITE = {
    "triggers": [
        ("products_totals_delete", "row"),
        ("products_totals_insert", "row"),
        ("products_totals_update", "row"),
    ],
    "functions": [],
}


def totals_triggers(engine: Engine) -> dict[str, list[Any]]:
    """The `portfolio_totals` triggers on `products` (FOR EACH row or statement), functions."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = conn.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND name LIKE 'products_totals%' ORDER BY name"
                )
            ).scalars()
            return {"triggers": [(name, "row") for name in names], "functions": []}
        triggers = conn.execute(
            text(
                "SELECT tgname, CASE WHEN tgtype & 1 = 1 THEN 'row' ELSE 'statement' END "
                "FROM pg_trigger WHERE tgrelid = 'products'::regclass AND NOT tgisinternal "
                "AND tgname LIKE 'products_totals%' ORDER BY tgname"
            )
        ).all()
        functions = conn.execute(
            text(
                "SELECT proname FROM pg_proc WHERE proname LIKE 'folio_portfolio_totals%' "
                "ORDER BY proname"
            )
        ).scalars()
        return {"triggers": [tuple(t) for t in triggers], "functions": list(functions)}


def writes(conn: Connection, team: str, ids: list[int]) -> None:
    """Insert, update, archive, move, delete and bulk-insert products; exact after each."""
    a, b, c = ids
    amounts = [(Decimal(n % 5) + Decimal("0.10"), Decimal(n % 4)) for n in range(12)]
    conn.execute(insert(Product), rows(team, a, amounts[:1]))
    assert_true(conn, ids, "insert one")
    conn.execute(insert(Product), rows(team, a, amounts))
    conn.execute(insert(Product).returning(Product.id), rows(team, b, amounts)).all()
    copy_rows(conn, b, c)
    assert_true(conn, ids, "bulk insert")
    first = "(SELECT MIN(id) FROM products WHERE portfolio_id = :p)"
    conn.execute(text(f"UPDATE products SET investment = 7.77 WHERE id = {first}"), {"p": a})  # noqa: S608
    assert_true(conn, ids, "update one")
    conn.execute(
        text("UPDATE products SET archived_at = :now WHERE portfolio_id = :p AND id % 2 = 0"),
        {"now": NOW, "p": a},
    )
    assert_true(conn, ids, "archive")
    conn.execute(
        text("UPDATE products SET portfolio_id = :to WHERE portfolio_id = :p AND id % 3 = 0"),
        {"to": c, "p": a},
    )
    assert_true(conn, ids, "move portfolio")
    conn.execute(text("DELETE FROM products WHERE portfolio_id = :p AND id % 2 = 1"), {"p": b})
    conn.execute(text(f"DELETE FROM products WHERE id = {first}"), {"p": c})  # noqa: S608
    assert_true(conn, ids, "delete")


def test_a_fresh_upgrade_ends_with_the_statement_triggers_only(database: Database) -> None:
    empty(database.url)
    upgrade = alembic(database.url, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    engine = make_engine(database.url)
    postgresql = engine.dialect.name == "postgresql"
    assert totals_triggers(engine) == (STATEMENT if postgresql else SQLITE)
    with engine.begin() as conn:
        team, ids = new_team(conn)
        writes(conn, team, ids)
    engine.dispose()


def test_upgrade_from_0010_keeps_the_totals_exact_then_down_and_up_again(
    database: Database,
) -> None:
    empty(database.url)
    assert alembic(database.url, "upgrade", "0010").returncode == 0
    engine = make_engine(database.url)
    postgresql = engine.dialect.name == "postgresql"
    assert totals_triggers(engine) == (ROW if postgresql else SQLITE)
    with engine.begin() as conn:  # products written under 0008's row trigger
        team, ids = new_team(conn)
        writes(conn, team, ids)
    upgrade = alembic(database.url, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    assert totals_triggers(engine) == (STATEMENT if postgresql else SQLITE)
    with engine.begin() as conn:
        assert_true(conn, ids, "upgraded")
        writes(conn, team, ids)
    down = alembic(database.url, "downgrade", "0010")
    assert down.returncode == 0, down.stderr
    assert totals_triggers(engine) == (ROW if postgresql else SQLITE)
    with engine.begin() as conn:
        assert_true(conn, ids, "downgraded")
        writes(conn, team, ids)
    engine.dispose()
    up = alembic(database.url, "upgrade", "head")
    assert up.returncode == 0, up.stderr
    engine = make_engine(database.url)
    assert totals_triggers(engine) == (STATEMENT if postgresql else SQLITE)
    with engine.begin() as conn:
        assert_true(conn, ids, "upgraded again")
    engine.dispose()
