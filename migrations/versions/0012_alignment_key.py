"""alignment key: each product's summed objective weights, stored and kept by triggers

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 07:30:00

Adds `products.alignment_key` (the summed weight of a product's linked objectives × 10^4,
0 without links) and its index per portfolio, so the weighted score reads a product's
alignment and its bounds as it reads the other stored keys instead of grouping every link
on every ranking. It is filled from the links in one UPDATE, then kept by triggers on
`product_objectives`, `objectives` and `products` (domain.models.alignment).

The column comes with its default, so SQLite adds it in place (ALTER TABLE ADD COLUMN, no
batch rebuild): the triggers already on `products` stay. The downgrade drops the triggers,
the index and the column, in place on both databases, so the other triggers stay too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.models.alignment import (
    create_alignment_triggers,
    drop_alignment_triggers,
    fill_alignment_keys,
)

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column(
        "products",
        sa.Column("alignment_key", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_index(
        "ix_products_portfolio_alignment",
        "products",
        ["portfolio_id", "alignment_key", "key"],
        unique=False,
    )
    fill_alignment_keys(bind)
    create_alignment_triggers(bind)


def downgrade() -> None:
    bind = op.get_bind()
    drop_alignment_triggers(bind)
    op.drop_index("ix_products_portfolio_alignment", table_name="products")
    # In place on SQLite too (3.35's ALTER TABLE DROP COLUMN): a batch rebuild would copy
    # `products` and drop every trigger on it.
    op.drop_column("products", "alignment_key")
