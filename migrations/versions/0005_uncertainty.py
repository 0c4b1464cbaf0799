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
    op.create_table('scenarios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('portfolio_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portfolio_id'], ['portfolios.id'], name=op.f('fk_scenarios_portfolio_id_portfolios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_scenarios_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenarios')),
    sa.UniqueConstraint('portfolio_id', 'slug', name=op.f('uq_scenarios_portfolio_id_slug'))
    )
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scenarios_team_id'), ['team_id'], unique=False)

    op.create_table('outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('realised', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('confidence', sa.Numeric(precision=7, scale=4), nullable=False),
    sa.Column('expected_return', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('investment', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('owner_id', sa.String(length=32), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('recorded_by', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_outcomes_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_outcomes_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcomes')),
    sa.UniqueConstraint('product_id', name=op.f('uq_outcomes_product_id'))
    )
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcomes_team_id'), ['team_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcomes_team_id'))

    op.drop_table('outcomes')
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scenarios_team_id'))

    op.drop_table('scenarios')
