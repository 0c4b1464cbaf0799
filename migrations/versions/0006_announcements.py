"""announcements: where proposals were announced, to update them once decided

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("proposal_ids", sa.JSON(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("posted_at", domain.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", domain.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_announcements_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["workspaces.team_id"], name=op.f("fk_announcements_team_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_announcements_product_settled", ["product_id", "settled_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_announcements_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcements_team_id"))
        batch_op.drop_index("ix_announcements_product_settled")

    op.drop_table("announcements")
