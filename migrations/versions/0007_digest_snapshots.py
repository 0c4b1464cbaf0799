"""digest snapshots: what a digest showed, stored once per portfolio and state

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("taken_at", domain.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_digest_snapshots_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["workspaces.team_id"], name=op.f("fk_digest_snapshots_team_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_snapshots")),
    )
    with op.batch_alter_table("digest_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            "ix_digest_snapshots_portfolio_kind",
            ["portfolio_id", "kind", "fingerprint"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_digest_snapshots_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("digest_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_snapshots_team_id"))
        batch_op.drop_index("ix_digest_snapshots_portfolio_kind")

    op.drop_table("digest_snapshots")
