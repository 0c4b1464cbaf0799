"""Upgrading a database with products keeps everything that refers to them.

SQLite's batch mode rebuilds `products` (copy, drop, rename); with foreign keys on, the
DROP deleted every row referring to a product through ON DELETE CASCADE. Migrations run
with them off, and refuse to finish with a dangling reference.
"""

from __future__ import annotations

from sqlalchemy import text

from domain.store import make_engine
from tests.conftest import Database
from tests.e2e.test_migrations import alembic, empty

NOW = "2027-01-01 00:00:00"
CHILDREN = {
    "product_objectives": "INSERT INTO product_objectives (product_id, objective_id, team_id) "
    "VALUES (1, 1, 'T1')",
    "roadmap_items": "INSERT INTO roadmap_items (id, team_id, product_id, number, title, status, "
    "progress, created_at, updated_at) VALUES (1, 'T1', 1, 1, 'Wallets', 'testing', 80, :now, "
    ":now)",
    "updates": "INSERT INTO updates (team_id, product_id, item_id, kind, author_id, text, "
    "changes, created_at) VALUES ('T1', 1, 1, 'status', 'U1', 'CHK-1: testing', '{}', :now)",
    "feedback": "INSERT INTO feedback (team_id, product_id, author_id, text, created_at) "
    "VALUES ('T1', 1, 'U1', 'Love it', :now)",
    "metric_snapshots": "INSERT INTO metric_snapshots (team_id, product_id, name, value, "
    "recorded_at) VALUES ('T1', 1, 'mau', 1200, :now)",
}


def test_upgrading_keeps_the_rows_that_refer_to_products(database: Database) -> None:
    empty(database.url)
    assert alembic(database.url, "upgrade", "0007").returncode == 0
    engine = make_engine(database.url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO workspaces (team_id, created_at) VALUES ('T1', :now)"), {"now": NOW}
        )
        conn.execute(
            text(
                "INSERT INTO portfolios (id, team_id, name, currency, discount_rate, is_default, "
                "ranking_measure, weights, created_at) VALUES (1, 'T1', 'P', 'USD', 0.08, true, "
                "'roi', '{}', :now)"
            ),
            {"now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO products (id, team_id, portfolio_id, key, name, category, stage, "
                "health, investment, expected_return, confidence, cashflows, next_item_number, "
                "created_at, updated_at) VALUES (1, 'T1', 1, 'CHK', 'Checkout', 'Growth', "
                "'testing', 'on track', 100, 250, 0.5, '[]', 2, :now, :now)"
            ),
            {"now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO objectives (id, team_id, key, title, weight, created_at) "
                "VALUES (1, 'T1', 'GROW', 'Grow', 2, :now)"
            ),
            {"now": NOW},
        )
        for insert in CHILDREN.values():
            conn.execute(text(insert), {"now": NOW})
    upgrade = alembic(database.url, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    with engine.begin() as conn:
        counts = {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
            for table in ("products", *CHILDREN)
        }
        alignment = conn.execute(text("SELECT alignment_key FROM products")).scalar()
    engine.dispose()
    assert counts == {table: 1 for table in ("products", *CHILDREN)}
    assert alignment == 20_000  # the kept link's objective weight, 2, in 10^-4
