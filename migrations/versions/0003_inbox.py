"""event inbox: Slack events recorded before the ack, processed exactly once

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
