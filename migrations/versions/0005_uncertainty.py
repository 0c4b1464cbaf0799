"""decisions under uncertainty: named scenarios and recorded outcomes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
