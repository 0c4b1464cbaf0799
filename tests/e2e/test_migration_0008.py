"""Migration 0008 on a database with products: keys backfilled, totals counted, triggers on."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from domain.models import Portfolio
from domain.queries import kept_totals
from domain.ranking.keys import NO_VALUE, measure_keys
from domain.store import Store, make_engine
from tests.conftest import Database
from tests.e2e.test_migrations import alembic, empty


def test_upgrade_backfills_keys_and_totals_then_triggers_keep_them(database: Database) -> None:
    empty(database.url)
    assert alembic(database.url, "upgrade", "0007").returncode == 0
    engine = make_engine(database.url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO workspaces (team_id, created_at) VALUES ('T1', :now)"),
            {"now": "2027-01-01"},
        )
        conn.execute(
            text(
                "INSERT INTO portfolios (team_id, name, currency, discount_rate, is_default, "
                "ranking_measure, weights, created_at) VALUES ('T1', 'P', 'USD', 0.08, true, "
                "'risk', '{}', '2027-01-01')"
            )
        )
        for key, investment, back, archived in (
            ("AAA", "100.00", "250.00", None),
            ("BBB", "0.00", "10.00", None),
            ("CCC", "3.00", "4.00", None),
            ("OLD", "1.00", "9.00", "2027-01-02"),
        ):
            conn.execute(
                text(
                    "INSERT INTO products (team_id, portfolio_id, key, name, category, stage, "
                    "health, investment, expected_return, confidence, cashflows, "
                    "next_item_number, created_at, updated_at, archived_at) VALUES ('T1', 1, "
                    ":key, :key, 'General', 'ideation', 'on track', :investment, :back, 0.5, "
                    "'[]', 1, '2027-01-01', '2027-01-01', :archived)"
                ),
                {
                    "key": key,
                    "investment": float(investment),
                    "back": float(back),
                    "archived": archived,
                },
            )
    upgrade = alembic(database.url, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT key, investment, expected_return, confidence, roi_key, risk_key "
                "FROM products"
            )
        ).all()
        for key, investment, back, confidence, roi_key, risk_key in rows:
            expected = measure_keys(
                Decimal(str(investment)), Decimal(str(back)), Decimal(str(confidence))
            )
            assert (roi_key, risk_key) == expected, key
        assert dict((r[0], r[4]) for r in rows)["BBB"] == NO_VALUE
    store = Store(engine)
    with store.read("T1") as tenant:
        portfolio = tenant.get(Portfolio, 1)
        assert portfolio is not None
        totals = kept_totals(tenant, portfolio)
    assert totals is not None
    assert (totals.count, totals.unavailable) == (3, 1)
    assert (totals.investment, totals.expected_return) == (Decimal("103.00"), Decimal("264.00"))
    with engine.begin() as conn:  # the triggers work on the migrated table
        conn.execute(text("UPDATE products SET archived_at = NULL WHERE key = 'OLD'"))
    with store.read("T1") as tenant:
        portfolio = tenant.get(Portfolio, 1)
        assert portfolio is not None
        totals = kept_totals(tenant, portfolio)
    assert totals is not None
    assert (totals.count, totals.investment) == (4, Decimal("104.00"))
    engine.dispose()
