"""statement totals: PostgreSQL's portfolio_totals triggers fire once per statement

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 23:30:00

Replaces 0008's row trigger on `products` (one UPDATE of the portfolio's totals row per
product written: a bulk INSERT of N products into one portfolio took time quadratic in N)
with one statement trigger per INSERT, UPDATE and DELETE, over transition tables
(domain.models.totals). The totals they keep are the same, so nothing is recounted.
SQLite's row triggers stay as they are: nothing to do there, either way.

The downgrade puts back the row trigger. Either direction replaces whichever triggers
are there, so the totals are never counted twice.
"""

from collections.abc import Sequence

from alembic import op

from domain.models.totals import create_triggers

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        create_triggers(bind, statement_level=True)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        create_triggers(bind, statement_level=False)
