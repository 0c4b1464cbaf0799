"""ranking measures: stored ROI and risk sort keys per product; history indexes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:30:00

Adds `products.roi_key` and `products.risk_key` (domain.ranking.keys), backfilled from each
product's inputs as the database holds them, indexed per portfolio so a ranking's top N is
an index walk; `portfolio_totals` (count and money of each portfolio's active products,
kept by triggers on `products`, backfilled); and indexes on what the read model filters and
orders history by (the latest metric, the latest updates, a card's feedback, an item's
updates).

A later migration that rebuilds `products` in SQLite batch mode drops its triggers: it must
call `create_triggers` again afterwards.

The totals triggers are those of this revision: on PostgreSQL a row trigger
(`statement_level=False`), replaced by statement triggers in 0011.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models
from domain.models.totals import create_triggers, rebuild_totals
from domain.ranking.keys import measure_keys

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5_000


def upgrade() -> None:
    op.create_table(
        "portfolio_totals",
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("products", sa.BigInteger(), nullable=False),
        sa.Column("unvalued", sa.BigInteger(), nullable=False),
        sa.Column("investment_cents", domain.models.totals.CENTS, nullable=False),
        sa.Column("return_cents", domain.models.totals.CENTS, nullable=False),
        sa.Column("irregular", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_portfolio_totals_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portfolio_id", name=op.f("pk_portfolio_totals")),
    )
    with op.batch_alter_table("portfolio_totals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portfolio_totals_team_id"), ["team_id"], unique=False)
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("roi_key", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("risk_key", sa.BigInteger(), nullable=True))
    _backfill()
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.alter_column("roi_key", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("risk_key", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_index(
            "ix_products_portfolio_roi", ["portfolio_id", "roi_key", "key"], unique=False
        )
        batch_op.create_index(
            "ix_products_portfolio_risk", ["portfolio_id", "risk_key", "key"], unique=False
        )
    with op.batch_alter_table("metric_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_snapshots_product_name")
        batch_op.create_index(
            "ix_metric_snapshots_product_name",
            ["product_id", "name", "recorded_at", "id"],
            unique=False,
        )
    with op.batch_alter_table("updates", schema=None) as batch_op:
        batch_op.drop_index("ix_updates_product_created")
        batch_op.create_index(
            "ix_updates_product_created", ["product_id", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_updates_item_created", ["item_id", "created_at"], unique=False)
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feedback_product_created", ["product_id", "created_at", "id"], unique=False
        )
    with op.batch_alter_table("roadmap_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_roadmap_items_product_status", ["product_id", "status"], unique=False
        )
    # After the batch operations: SQLite's batch mode rebuilds `products`, dropping triggers.
    bind = op.get_bind()
    create_triggers(bind, statement_level=False)  # 0011 replaces them on PostgreSQL
    rebuild_totals(bind)


def _backfill() -> None:
    """Every product's keys, from the values the database holds (read back as Decimal)."""
    products = sa.table(
        "products",
        sa.column("id", sa.Integer()),
        sa.column("investment", sa.Numeric(18, 2)),
        sa.column("expected_return", sa.Numeric(18, 2)),
        sa.column("confidence", sa.Numeric(7, 4)),
        sa.column("roi_key", sa.BigInteger()),
        sa.column("risk_key", sa.BigInteger()),
    )
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(
                products.c.id,
                products.c.investment,
                products.c.expected_return,
                products.c.confidence,
            )
            .where(products.c.id > last)
            .order_by(products.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        keys = []
        for row_id, investment, back, confidence in rows:
            roi, risk = measure_keys(investment, back, confidence)
            keys.append({"row_id": row_id, "roi": roi, "risk": risk})
        bind.execute(
            products.update()
            .where(products.c.id == sa.bindparam("row_id"))
            .values(roi_key=sa.bindparam("roi"), risk_key=sa.bindparam("risk")),
            keys,
        )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("roadmap_items", schema=None) as batch_op:
        batch_op.drop_index("ix_roadmap_items_product_status")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS products_totals ON products")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS folio_portfolio_totals()")
    else:
        for name in ("insert", "update", "delete"):
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS products_totals_{name}")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_product_created")
    with op.batch_alter_table("updates", schema=None) as batch_op:
        batch_op.drop_index("ix_updates_item_created")
        batch_op.drop_index("ix_updates_product_created")
        batch_op.create_index(
            "ix_updates_product_created", ["product_id", "created_at"], unique=False
        )
    with op.batch_alter_table("metric_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_snapshots_product_name")
        batch_op.create_index(
            "ix_metric_snapshots_product_name", ["product_id", "name", "recorded_at"], unique=False
        )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_portfolio_risk")
        batch_op.drop_index("ix_products_portfolio_roi")
        batch_op.drop_column("risk_key")
        batch_op.drop_column("roi_key")
    with op.batch_alter_table("portfolio_totals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portfolio_totals_team_id"))
    op.drop_table("portfolio_totals")
