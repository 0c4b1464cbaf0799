"""Migration 0012 on a database with objectives and links: alignment keys filled, then kept
by their triggers; down to 0011 the column, index and triggers go and nothing else does."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, inspect, text

from domain.store import make_engine
from tests.conftest import Database
from tests.e2e.test_migration_0011 import SQLITE, STATEMENT, totals_triggers
from tests.e2e.test_migrations import alembic, empty

PRODUCTS = (("AAA", None), ("BBB", None), ("CCC", "2027-01-02"), ("DDD", None))  # archived
OBJECTIVES = (("G", "1"), ("H", "0.3333"), ("Z", "0.5"))
LINKS = (("AAA", "G"), ("AAA", "H"), ("BBB", "H"), ("CCC", "G"), ("CCC", "Z"))
FILLED = {"AAA": 13_333, "BBB": 3_333, "CCC": 15_000, "DDD": 0}


def seed_at_0011(url: str) -> None:
    """A portfolio, its products, objectives and links, written as 0011 left the schema."""
    empty(url)
    assert alembic(url, "upgrade", "0011").returncode == 0
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO workspaces (team_id, created_at) VALUES ('T1', :now)"),
            {"now": "2027-01-01"},
        )
        conn.execute(
            text(
                "INSERT INTO portfolios (team_id, name, currency, discount_rate, is_default, "
                "ranking_measure, weights, created_at) VALUES ('T1', 'P', 'USD', 0.08, "
                "true, 'risk', '{}', '2027-01-01')"
            )
        )
        for key, archived in PRODUCTS:
            conn.execute(
                text(
                    "INSERT INTO products (team_id, portfolio_id, key, name, category, stage, "
                    "health, investment, expected_return, confidence, cashflows, roi_key, "
                    "risk_key, npv_key, next_item_number, created_at, updated_at, archived_at) "
                    "VALUES ('T1', 1, :key, :key, 'General', 'ideation', 'on track', 10, 20, "
                    "0.5, '[]', -10000, -0, 0, 1, '2027-01-01', '2027-01-01', :archived)"
                ),
                {"key": key, "archived": archived},
            )
        for key, weight in OBJECTIVES:
            conn.execute(
                text(
                    "INSERT INTO objectives (team_id, key, title, weight, created_at) "
                    "VALUES ('T1', :key, :key, :weight, '2027-01-01')"
                ),
                {"key": key, "weight": weight},
            )
        for product, objective in LINKS:
            link(conn, product, objective)
    engine.dispose()


def link(conn: Connection, product: str, objective: str) -> None:
    conn.execute(
        text(
            "INSERT INTO product_objectives (product_id, objective_id, team_id) SELECT p.id, "
            "o.id, 'T1' FROM products p, objectives o WHERE p.key = :p AND o.key = :o"
        ),
        {"p": product, "o": objective},
    )


def keys(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT key, alignment_key FROM products")).all())


def alignment_triggers(engine: Engine) -> list[str]:
    """The names of the alignment triggers (and, on PostgreSQL, their functions)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            found = (
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%alignment%'"
            )
        else:
            found = (
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE "
                "'%alignment%' UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE "
                "'folio_alignment%'"
            )
        return sorted(conn.execute(text(found)).scalars())


def test_upgrade_fills_the_keys_from_the_links_then_keeps_them_and_down_and_up_again(
    database: Database,
) -> None:
    seed_at_0011(database.url)
    engine = make_engine(database.url)
    postgresql = engine.dialect.name == "postgresql"
    upgrade = alembic(database.url, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    assert keys(engine) == FILLED  # the archived product's too
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("products")}
    assert "ix_products_portfolio_alignment" in indexes
    assert len(alignment_triggers(engine)) == (12 if postgresql else 6)
    assert totals_triggers(engine) == (STATEMENT if postgresql else SQLITE)  # untouched
    with engine.begin() as conn:  # kept from here on: a link, a cascading objective DELETE
        link(conn, "DDD", "Z")
        conn.execute(text("DELETE FROM objectives WHERE key = 'H'"))
    assert keys(engine) == {"AAA": 10_000, "BBB": 0, "CCC": 15_000, "DDD": 5_000}

    down = alembic(database.url, "downgrade", "0011")
    assert down.returncode == 0, down.stderr
    engine.dispose()
    engine = make_engine(database.url)
    columns = {c["name"] for c in inspect(engine).get_columns("products")}
    assert "alignment_key" not in columns
    assert alignment_triggers(engine) == []
    assert totals_triggers(engine) == (STATEMENT if postgresql else SQLITE)
    with engine.begin() as conn:  # the links stay; linking works without the column
        link(conn, "BBB", "G")
        count = conn.execute(text("SELECT COUNT(*) FROM product_objectives")).scalar_one()
    assert count == 5

    up = alembic(database.url, "upgrade", "head")
    assert up.returncode == 0, up.stderr
    engine.dispose()
    engine = make_engine(database.url)
    assert keys(engine) == {"AAA": 10_000, "BBB": 10_000, "CCC": 15_000, "DDD": 5_000}
    engine.dispose()
