"""valuation governance: proposals and the history of decision inputs

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
