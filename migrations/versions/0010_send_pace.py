"""send pace: each workspace's next free chat.postMessage slot, shared by every runner

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00

Adds `send_pace` (domain.models.pace): one row per workspace, created on its first send, so
runners in separate processes or hosts keep together under Slack's per-workspace rate
(domain.services.digests.pace). Nothing to backfill.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_pace",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("next_at_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["workspaces.team_id"], name=op.f("fk_send_pace_team_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_send_pace")),
    )


def downgrade() -> None:
    op.drop_table("send_pace")
