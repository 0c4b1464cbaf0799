"""Migration 0009 on a database with products: NPV keys backfilled, then kept; and back down."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import inspect, text

from domain import finance
from domain.models import Portfolio
from domain.queries import kept_totals
from domain.ranking.keys import NO_VALUE, order_key
from domain.store import Store, make_engine
from tests.conftest import Database
from tests.e2e.test_migrations import alembic, empty

PRODUCTS = (  # key, portfolio, cash flows, archived
    ("AAA", 1, '["-100", "60", "70"]', None),
    ("BBB", 1, "[]", None),
    ("CCC", 2, '["-100", "60", "70"]', None),
    ("OLD", 2, '["5"]', "2027-01-02"),
)


def seed_at_0008(url: str) -> None:
    """Two portfolios (8 % and 25 %) and their products, written as 0008 left the schema."""
    empty(url)
    assert alembic(url, "upgrade", "0008").returncode == 0
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO workspaces (team_id, created_at) VALUES ('T1', :now)"),
            {"now": "2027-01-01"},
        )
        for name, rate, default in (("P", 0.08, True), ("Q", 0.25, False)):
            conn.execute(
                text(
                    "INSERT INTO portfolios (team_id, name, currency, discount_rate, is_default, "
                    "ranking_measure, weights, created_at) VALUES ('T1', :name, 'USD', :rate, "
                    ":default, 'risk', '{}', '2027-01-01')"
                ),
                {"name": name, "rate": rate, "default": default},
            )
        for key, portfolio, flows, archived in PRODUCTS:
            conn.execute(
                text(
                    "INSERT INTO products (team_id, portfolio_id, key, name, category, stage, "
                    "health, investment, expected_return, confidence, cashflows, roi_key, "
                    "risk_key, next_item_number, created_at, updated_at, archived_at) VALUES "
                    "('T1', :portfolio, :key, :key, 'General', 'ideation', 'on track', 10, 20, "
                    "0.5, :flows, -10000, -0, 1, '2027-01-01', '2027-01-01', :archived)"
                ),
                {"key": key, "portfolio": portfolio, "flows": flows, "archived": archived},
            )
    engine.dispose()


def test_upgrade_backfills_npv_keys_at_each_portfolios_rate(database: Database) -> None:
    seed_at_0008(database.url)
    upgrade = alembic(database.url, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    engine = make_engine(database.url)
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT p.key, p.cashflows, f.discount_rate, p.npv_key FROM products p "
                "JOIN portfolios f ON f.id = p.portfolio_id ORDER BY p.key"
            )
        ).all()
    keys = {}
    for key, stored, rate, npv_key in rows:
        flows = stored if isinstance(stored, list) else json.loads(stored)  # SQLite: text
        cashflows = tuple(Decimal(c) for c in flows)
        rate = Decimal(str(rate)).quantize(Decimal("0.0001"))
        value = finance.npv(rate, cashflows) if cashflows else None
        assert npv_key == order_key(value, "npv"), key
        keys[key] = npv_key
    assert keys == {"AAA": -1557, "BBB": NO_VALUE, "CCC": 720, "OLD": -500}
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("products")}
    assert "ix_products_portfolio_npv" in indexes
    store = Store(engine)
    assert npv_unavailable(store) == {1: 1, 2: 0}  # BBB has no cash flows; OLD is archived
    with engine.begin() as conn:  # 0008's totals triggers survived SQLite's table rebuild
        conn.execute(text("UPDATE products SET archived_at = NULL WHERE key = 'OLD'"))
        conn.execute(text("UPDATE products SET cashflows = '[]' WHERE key = 'CCC'"))
        conn.execute(text("UPDATE products SET cashflows = '[\"1\"]' WHERE key = 'BBB'"))
    with store.read("T1") as tenant:
        portfolio = tenant.get(Portfolio, 2)
        assert portfolio is not None
        totals = kept_totals(tenant, portfolio)
    assert totals is not None
    assert (totals.count, totals.investment) == (2, Decimal("20.00"))
    assert npv_unavailable(store) == {1: 0, 2: 1}  # and 0009's own keep NPV's n/a count
    engine.dispose()


def npv_unavailable(store: Store) -> dict[int, int]:
    """Each portfolio's kept count of active products without cash flows."""
    counts = {}
    with store.read("T1") as tenant:
        for portfolio_id in (1, 2):
            portfolio = tenant.get(Portfolio, portfolio_id)
            assert portfolio is not None
            totals = kept_totals(tenant, portfolio, "npv")
            assert totals is not None
            counts[portfolio_id] = totals.unavailable
    return counts


def test_downgrade_to_0008_and_up_again(database: Database) -> None:
    seed_at_0008(database.url)
    assert alembic(database.url, "upgrade", "head").returncode == 0
    down = alembic(database.url, "downgrade", "0008")
    assert down.returncode == 0, down.stderr
    engine = make_engine(database.url)
    assert "npv_key" not in {c["name"] for c in inspect(engine).get_columns("products")}
    assert "no_cashflows" not in {
        c["name"] for c in inspect(engine).get_columns("portfolio_totals")
    }
    with engine.begin() as conn:  # the triggers are back after the rebuild
        conn.execute(text("UPDATE products SET investment = 30 WHERE key = 'AAA'"))
        invested = conn.execute(
            text("SELECT investment_cents FROM portfolio_totals WHERE portfolio_id = 1")
        ).scalar()
    assert invested is not None and int(invested) == 4000
    engine.dispose()
    up = alembic(database.url, "upgrade", "head")
    assert up.returncode == 0, up.stderr
