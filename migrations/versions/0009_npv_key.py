"""npv key: stored NPV sort key per product, at its portfolio's discount rate

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 23:30:00

Adds `products.npv_key` (domain.ranking.keys.npv_key), backfilled from each product's cash
flows and its portfolio's discount rate as the database holds them, a chunk of products at
a time, and indexed per portfolio so an NPV ranking's top N is an index walk, as ROI's and
risk's are; and `portfolio_totals.no_cashflows` (NPV's n/a count for the header), kept by
triggers of its own on `products`, backfilled.

SQLite's batch mode rebuilds `products` (NOT NULL), dropping the totals triggers of 0008:
they are created again afterwards, in both directions: 0008's, a row trigger on PostgreSQL
(`statement_level=False`; 0011 makes them statement triggers).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.models.cashflow_totals import (
    create_cashflow_triggers,
    drop_cashflow_triggers,
    recount_cashflows,
)
from domain.models.totals import create_triggers
from domain.ranking.keys import npv_key

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5_000


def upgrade() -> None:
    with op.batch_alter_table("portfolio_totals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("no_cashflows", sa.BigInteger(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("npv_key", sa.BigInteger(), nullable=True))
    _backfill()
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.alter_column("npv_key", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_index(
            "ix_products_portfolio_npv", ["portfolio_id", "npv_key", "key"], unique=False
        )
    # After the batch operations: SQLite's batch mode rebuilds `products`, dropping triggers.
    bind = op.get_bind()
    create_triggers(bind, statement_level=False)
    create_cashflow_triggers(bind)
    recount_cashflows(bind)


def _backfill() -> None:
    """Every product's NPV key, from the cash flows and rate the database holds."""
    products = sa.table(
        "products",
        sa.column("id", sa.Integer()),
        sa.column("portfolio_id", sa.Integer()),
        sa.column("cashflows", sa.JSON()),
        sa.column("npv_key", sa.BigInteger()),
    )
    portfolios = sa.table(
        "portfolios",
        sa.column("id", sa.Integer()),
        sa.column("discount_rate", sa.Numeric(7, 4)),
    )
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(products.c.id, products.c.cashflows, portfolios.c.discount_rate)
            .join(portfolios, portfolios.c.id == products.c.portfolio_id)
            .where(products.c.id > last)
            .order_by(products.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        keys = [{"row_id": row_id, "npv": npv_key(flows, rate)} for row_id, flows, rate in rows]
        bind.execute(
            products.update()
            .where(products.c.id == sa.bindparam("row_id"))
            .values(npv_key=sa.bindparam("npv")),
            keys,
        )
        last = rows[-1][0]


def downgrade() -> None:
    bind = op.get_bind()
    drop_cashflow_triggers(bind)
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_portfolio_npv")
        batch_op.drop_column("npv_key")
    with op.batch_alter_table("portfolio_totals", schema=None) as batch_op:
        batch_op.drop_column("no_cashflows")
    create_triggers(bind, statement_level=False)
