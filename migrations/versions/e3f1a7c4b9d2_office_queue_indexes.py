"""office queue indexes for a million proposals: the ready and running-clock queues' partial
indexes, most recently changed first within a state, and accounts by role (the staff lists)

Revision ID: e3f1a7c4b9d2
Revises: e4c2a9b7d1f3
Create Date: 2026-12-02 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e3f1a7c4b9d2'
down_revision = "e4c2a9b7d1f3"
branch_labels = None
depends_on = None

READY = sa.text("state = 'in_review' AND reviewed_at IS NOT NULL")
CLOCK_RUNNING = sa.text("state IN ('submitted', 'in_review', 'in_deliberation')")


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_state_updated_at_id', ['state', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_proposal_ready_submitted_at_id', ['submitted_at', 'id'], unique=False, postgresql_where=READY, sqlite_where=READY)
        batch_op.create_index('ix_proposal_ready_updated_at_id', ['updated_at', 'id'], unique=False, postgresql_where=READY, sqlite_where=READY)
        batch_op.create_index('ix_proposal_clock_submitted_at_id', ['submitted_at', 'id'], unique=False, postgresql_where=CLOCK_RUNNING, sqlite_where=CLOCK_RUNNING)
        batch_op.create_index('ix_proposal_clock_updated_at_id', ['updated_at', 'id'], unique=False, postgresql_include=['state', 'submitted_at', 'clock_started_at', 'reviewed_at'], postgresql_where=CLOCK_RUNNING, sqlite_where=CLOCK_RUNNING)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_role'), ['role'], unique=False)


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_role'))
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_clock_updated_at_id')
        batch_op.drop_index('ix_proposal_clock_submitted_at_id')
        batch_op.drop_index('ix_proposal_ready_updated_at_id')
        batch_op.drop_index('ix_proposal_ready_submitted_at_id')
        batch_op.drop_index('ix_proposal_state_updated_at_id')
