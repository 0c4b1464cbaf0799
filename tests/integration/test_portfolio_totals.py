"""The kept `portfolio_totals` equal a recount after bulk writes of many products at once.

On PostgreSQL the totals triggers are statement triggers (migration 0011): a multi-row
INSERT, UPDATE or DELETE moves each portfolio's row once by the sum of its rows'
differences. Here every write is a statement of many rows (Core executemany, multi-row
INSERT, INSERT ... SELECT, UPDATE and DELETE with a WHERE), in one transaction, and after
each one the totals are compared with a recount made here, in Python, from the products.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, insert, select, text

from domain.models import Portfolio, PortfolioTotals, Product, Workspace
from domain.store import make_engine
from tests.conftest import Database

NOW = datetime(2027, 3, 22, 10, 0, tzinfo=UTC)
CENT = Decimal("0.01")
_teams = itertools.count()
_keys = itertools.count()

AMOUNTS = st.sampled_from(
    [
        *(Decimal(v) for v in ("0", "0.01", "1.50", "3", "100", "-50", "1000000.01")),
        Decimal("20000000000000.00"),  # beyond ±10^13: counted as irregular
    ]
)


@dataclass(frozen=True)
class Kept:
    products: int
    unvalued: int
    investment_cents: int
    return_cents: int
    irregular: int
    no_cashflows: int


ZERO = Kept(0, 0, 0, 0, 0, 0)


@pytest.fixture
def engine(database: Database) -> Iterator[Engine]:
    engine = make_engine(database.url)
    yield engine
    engine.dispose()


def new_team(conn: Connection) -> tuple[str, list[int]]:
    """A workspace with three portfolios; their ids."""
    team = f"T0SUMS{next(_teams)}"
    conn.execute(insert(Workspace), [{"team_id": team}])
    ids = [
        conn.execute(
            insert(Portfolio).returning(Portfolio.id),
            [{"team_id": team, "name": name, "is_default": name == "A"}],
        ).scalar_one()
        for name in ("A", "B", "C")
    ]
    return team, ids


def rows(
    team: str, portfolio_id: int, amounts: list[tuple[Decimal, Decimal]]
) -> list[dict[str, Any]]:
    return [
        {
            "team_id": team,
            "portfolio_id": portfolio_id,
            "key": f"K{next(_keys)}",
            "name": "product",
            "investment": investment,
            "expected_return": back,
            "cashflows": [] if n % 3 == 0 else ["-10", "25"],
            "created_at": NOW,
            "updated_at": NOW,
        }
        for n, (investment, back) in enumerate(amounts)
    ]


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def recount(conn: Connection, portfolio_id: int) -> Kept:
    active = conn.execute(
        select(Product.investment, Product.expected_return, Product.cashflows).where(
            Product.portfolio_id == portfolio_id, Product.archived_at.is_(None)
        )
    ).all()

    def odd(amount: Decimal) -> bool:
        return abs(amount) >= Decimal(10) ** 13 or amount != amount.quantize(CENT)

    return Kept(
        products=len(active),
        unvalued=sum(1 for i, _, _ in active if cents(i) == 0),
        investment_cents=sum(cents(i) for i, _, _ in active),
        return_cents=sum(cents(r) for _, r, _ in active),
        irregular=sum(1 for i, r, _ in active if odd(i) or odd(r)),
        no_cashflows=sum(1 for _, _, flows in active if not flows),
    )


def kept(conn: Connection, portfolio_id: int) -> Kept:
    t = PortfolioTotals
    row = conn.execute(
        select(
            t.products, t.unvalued, t.investment_cents, t.return_cents, t.irregular, t.no_cashflows
        ).where(t.portfolio_id == portfolio_id)
    ).first()
    return ZERO if row is None else Kept(*(int(v) for v in row))


def assert_true(conn: Connection, portfolio_ids: list[int], after: str) -> None:
    for portfolio_id in portfolio_ids:
        assert kept(conn, portfolio_id) == recount(conn, portfolio_id), (after, portfolio_id)


def copy_rows(conn: Connection, source: int, target: int) -> None:
    """One INSERT ... SELECT: every product of `source` again, in `target`, under new keys."""
    conn.execute(
        text(
            "INSERT INTO products (team_id, portfolio_id, key, name, category, stage, health, "
            "investment, expected_return, confidence, cashflows, roi_key, risk_key, npv_key, "
            "next_item_number, created_at, updated_at, archived_at) SELECT team_id, :target, "
            "'C' || CAST(id + :base AS VARCHAR(9)), name, category, stage, health, investment, "
            "expected_return, confidence, cashflows, roi_key, risk_key, npv_key, 1, created_at, "
            "updated_at, archived_at FROM products WHERE portfolio_id = :source"
        ),
        {"source": source, "target": target, "base": next(_keys) * 100_000},
    )


def test_multi_row_insert_update_and_delete_keep_the_totals_equal_to_a_recount(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        team, (a, b, c) = new_team(conn)
        ids = [a, b, c]
        amounts = [(Decimal(n % 7) + Decimal("0.25"), Decimal(3 * n % 11)) for n in range(60)]
        conn.execute(insert(Product), rows(team, a, amounts))  # Core executemany
        assert_true(conn, ids, "executemany")
        conn.execute(insert(Product).returning(Product.id), rows(team, b, amounts[:25])).all()
        assert_true(conn, ids, "multi-row INSERT (insertmanyvalues)")
        copy_rows(conn, a, c)
        assert_true(conn, ids, "INSERT ... SELECT")
        archive = "UPDATE products SET archived_at = :now WHERE portfolio_id = :p AND id % 2 = 0"
        conn.execute(text(archive), {"now": NOW, "p": a})
        assert_true(conn, ids, "archive several")
        conn.execute(
            text("UPDATE products SET portfolio_id = :to WHERE portfolio_id = :p AND id % 3 = 0"),
            {"to": b, "p": a},
        )
        assert_true(conn, ids, "move several, archived and active, to another portfolio")
        conn.execute(
            text(
                "UPDATE products SET investment = investment + 1, expected_return = 0, "
                "archived_at = NULL WHERE portfolio_id = :p"
            ),
            {"p": b},
        )
        assert_true(conn, ids, "reprice and unarchive several")
        conn.execute(text("UPDATE products SET name = 'renamed', investment = investment"))
        assert_true(conn, ids, "an UPDATE of every product changing no watched value")
        conn.execute(text("DELETE FROM products WHERE portfolio_id IN (:a, :c)"), {"a": a, "c": c})
        assert_true(conn, ids, "delete several")
    with engine.begin() as conn:
        assert_true(conn, ids, "after commit")
        assert kept(conn, a) == ZERO
        assert kept(conn, b).products == 45


OPS = st.sampled_from(
    (
        *("insert", "insert_many", "copy", "archive", "unarchive"),
        *("move", "reprice", "touch", "flows", "delete"),
    )
)


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            OPS,
            st.integers(0, 2),
            st.integers(0, 2),
            st.lists(st.tuples(AMOUNTS, AMOUNTS), min_size=0, max_size=12),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_any_sequence_of_bulk_writes_keeps_the_totals_true(
    engine: Engine, steps: list[tuple[str, int, int, list[tuple[Decimal, Decimal]]]]
) -> None:
    with engine.begin() as conn:
        team, ids = new_team(conn)
        for op, first, second, amounts in steps:
            p, q = ids[first], ids[second]
            where = {"p": p, "q": q, "now": NOW}
            if op == "insert" and amounts:
                conn.execute(insert(Product), rows(team, p, amounts))
            elif op == "insert_many" and amounts:
                conn.execute(insert(Product).returning(Product.id), rows(team, p, amounts)).all()
            elif op == "copy":
                copy_rows(conn, p, q)
            else:
                statement = {
                    "archive": "UPDATE products SET archived_at = :now "
                    "WHERE portfolio_id = :p AND id % 2 = 0",
                    "unarchive": "UPDATE products SET archived_at = NULL WHERE portfolio_id = :p",
                    "move": "UPDATE products SET portfolio_id = :q "
                    "WHERE portfolio_id = :p AND id % 3 <> 0",
                    "reprice": "UPDATE products SET investment = 0, "
                    "expected_return = expected_return + 1 WHERE portfolio_id = :p",
                    "touch": "UPDATE products SET next_item_number = 2, "
                    "investment = investment WHERE portfolio_id = :p",
                    "flows": "UPDATE products SET cashflows = '[]' WHERE portfolio_id = :p",
                    "delete": "DELETE FROM products WHERE portfolio_id = :p AND id % 2 = 1",
                }.get(op)
                if statement is not None:
                    conn.execute(text(statement), where)
            assert_true(conn, ids, op)


def test_the_totals_are_kept_by_one_trigger_per_operation(engine: Engine) -> None:
    """PostgreSQL: one trigger per operation, each FOR EACH STATEMENT, no row trigger left.
    SQLite has row triggers only: one per operation."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.execute(
                text(
                    "SELECT tgname, tgtype & 1 FROM pg_trigger "
                    "WHERE tgrelid = 'products'::regclass AND NOT tgisinternal "
                    "AND tgname LIKE 'products_totals%' ORDER BY tgname"
                )
            ).all()
            per_row = 0  # tgtype bit 0: FOR EACH ROW
        else:
            rows = conn.execute(
                text(
                    "SELECT name, 1 FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'products' AND name LIKE 'products_totals%' ORDER BY name"
                )
            ).all()
            per_row = 1
    assert [tuple(t) for t in rows] == [
        ("products_totals_delete", per_row),
        ("products_totals_insert", per_row),
        ("products_totals_update", per_row),
    ]
