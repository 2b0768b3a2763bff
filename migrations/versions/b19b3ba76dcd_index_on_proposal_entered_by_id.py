"""index on proposal.entered_by_id

A person's own proposals (/my/proposals) include those they entered for others; an official or
agency member of staff can have thousands, and without an index the lookup read the whole table.

Revision ID: b19b3ba76dcd
Revises: e3a7c1d9b4f2
Create Date: 2026-12-02 20:23:58.697343

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b19b3ba76dcd'
down_revision = 'e3a7c1d9b4f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_entered_by_id'), ['entered_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_entered_by_id'))
