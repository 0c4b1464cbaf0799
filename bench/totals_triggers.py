"""Benchmark of the `portfolio_totals` triggers on PostgreSQL: bulk writes into one portfolio.

Run from the repository root: `python -m bench.totals_triggers [--quick]`. Starts a throwaway
PostgreSQL server (tests/support/postgres.py; or FOLIO_TEST_POSTGRES_URL), and for 2,000,
8,000 and 32,000 products (`--quick`: 2,000 and 8,000), under migrations 0008-0010's row
trigger and under 0011's statement triggers, times in one transaction each:

- insert, three ways into one portfolio: `executemany`, one Core `insert(Product)` with every
  product's parameters (as the CSV importer and the seeds do; psycopg 3 sends one INSERT
  per row, so a statement trigger fires per row too); `batched`, the same with RETURNING
  (SQLAlchemy's "insertmanyvalues": 1,000 rows per INSERT); `one statement`, a single
  INSERT ... SELECT (keys left 0: only the totals are looked at);
then, after `executemany`:

- archive: one UPDATE archiving every other product;
- rekey: one UPDATE per product of a column the totals don't watch (`npv_key`), the cost of
  a statement trigger that has nothing to do;
- delete: one DELETE of every product.

After each, the kept totals are compared with a recount. Figures only; no pass/fail.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, bindparam, insert, text, update

from domain.models import Base, Product
from domain.models.totals import create_triggers, rebuild_totals
from domain.store import make_engine
from tests.support.postgres import start_postgres

NOW = datetime(2027, 1, 1, tzinfo=UTC)
SIZES = (2_000, 8_000, 32_000)
TOTALS = "products, unvalued, investment_cents, return_cents, irregular"


def products(size: int) -> list[dict[str, object]]:
    return [
        {
            "team_id": "T1",
            "portfolio_id": 1,
            "key": f"P{n:06d}",
            "name": f"Product {n}",
            "investment": Decimal(n % 997) + Decimal("0.25"),
            "expected_return": Decimal(3 * n % 1009),
            "confidence": Decimal("0.5"),
            "cashflows": [] if n % 5 == 0 else ["-10", "20"],
            "next_item_number": 1,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for n in range(size)
    ]


ONE_STATEMENT = (
    "INSERT INTO products (team_id, portfolio_id, key, name, category, stage, health, "
    "investment, expected_return, confidence, cashflows, roi_key, risk_key, npv_key, "
    "next_item_number, created_at, updated_at) SELECT 'T1', 1, 'P' || n, 'Product ' || n, "
    "'General', 'ideation', 'on track', n % 997 + 0.25, 3 * n % 1009, 0.5, CAST(CASE WHEN "
    "n % 5 = 0 THEN '[]' ELSE '[\"-10\", \"20\"]' END AS json), 0, 0, 0, 1, now(), now() "
    "FROM generate_series(0, :size - 1) AS n"
)


def totals(conn: Connection) -> list[object]:
    rows = conn.execute(text(f"SELECT {TOTALS} FROM portfolio_totals ORDER BY 1")).all()  # noqa: S608
    return [row for row in rows if any(row)]  # a portfolio's row stays, at 0, once emptied


def recounted(conn: Connection) -> bool:
    """The kept totals equal a recount (made in a savepoint the caller rolls back)."""
    kept = totals(conn)
    rebuild_totals(conn)
    return kept == totals(conn)


def timed(conn: Connection, write: Callable[[Connection], object]) -> tuple[float, bool]:
    start = time.perf_counter()
    write(conn)
    took = time.perf_counter() - start
    savepoint = conn.begin_nested()
    exact = recounted(conn)
    savepoint.rollback()
    return took, exact


def run(url: str, size: int, statement_level: bool, inserting: str) -> list[str]:
    engine = make_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        Base.metadata.create_all(conn)
        create_triggers(conn, statement_level=statement_level)
        conn.execute(text("INSERT INTO workspaces (team_id, created_at) VALUES ('T1', now())"))
        conn.execute(
            text(
                "INSERT INTO portfolios (team_id, name, currency, discount_rate, is_default, "
                "ranking_measure, weights, created_at) "
                "VALUES ('T1', 'P', 'USD', 0.08, true, 'risk', '{}', now())"
            )
        )
    rows = products(size)
    c = Product.__table__.c
    inserts: dict[str, Callable[[Connection], object]] = {
        "executemany": lambda conn: conn.execute(insert(Product), rows),
        "batched": lambda conn: conn.execute(insert(Product).returning(Product.id), rows).all(),
        "one statement": lambda conn: conn.execute(text(ONE_STATEMENT), {"size": size}),
    }
    steps: dict[str, Callable[[Connection], object]] = {
        "insert": inserts[inserting],
    }
    if inserting == "executemany":  # then the other bulk writes, on the rows it inserted
        steps |= {
            "archive": lambda conn: conn.execute(
                update(Product).where(c.id % 2 == 0).values(archived_at=NOW)
            ),
            "rekey": lambda conn: conn.execute(
                update(Product).where(c.id == bindparam("row_id")).values(npv_key=bindparam("k")),
                [{"row_id": n + 1, "k": n} for n in range(size)],
            ),
            "delete": lambda conn: conn.execute(text("DELETE FROM products")),
        }
    figures = []
    for name, write in steps.items():
        with engine.begin() as conn:
            took, exact = timed(conn, write)
        figures.append(f"{name} {took:7.3f} s{'' if exact else ' (NOT EXACT)'}")
    engine.dispose()
    return figures


def main(argv: list[str]) -> None:
    sizes = SIZES[:2] if "--quick" in argv else SIZES
    server = start_postgres(Path(tempfile.mkdtemp(prefix="folio-bench-pg-")))
    if server is None:
        sys.exit("no PostgreSQL server binaries on this machine")
    try:
        for size in sizes:
            for inserting in ("executemany", "batched", "one statement"):
                for statement_level in (False, True):
                    kind = "statement" if statement_level else "row"
                    figures = run(server.url, size, statement_level, inserting)
                    print(
                        f"{size:>7,} products, {kind:>9} triggers, {inserting:>13}: "
                        + " | ".join(figures),
                        flush=True,
                    )
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
