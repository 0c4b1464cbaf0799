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
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=24), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=False),
    sa.Column('new_value', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', domain.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_proposals_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_proposals_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index('ix_proposals_product_status', ['product_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_team_id'), ['team_id'], unique=False)

    op.create_table('input_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('portfolio_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=24), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=False),
    sa.Column('new_value', sa.JSON(), nullable=False),
    sa.Column('changed_by', sa.String(length=32), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=False),
    sa.Column('via', sa.String(length=12), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portfolio_id'], ['portfolios.id'], name=op.f('fk_input_changes_portfolio_id_portfolios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_input_changes_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_input_changes_proposal_id_proposals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_input_changes_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_input_changes'))
    )
    with op.batch_alter_table('input_changes', schema=None) as batch_op:
        batch_op.create_index('ix_input_changes_portfolio_at', ['portfolio_id', 'changed_at'], unique=False)
        batch_op.create_index('ix_input_changes_product_at', ['product_id', 'changed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_input_changes_team_id'), ['team_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('input_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_input_changes_team_id'))
        batch_op.drop_index('ix_input_changes_product_at')
        batch_op.drop_index('ix_input_changes_portfolio_at')

    op.drop_table('input_changes')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposals_team_id'))
        batch_op.drop_index('ix_proposals_product_status')

    op.drop_table('proposals')
