"""public figures by SQL: per-proposal stage figures derived from the event trail, the figures
generation counter, and indexes for a million proposals

Revision ID: d8b1f6a3c2e7
Revises: c5a69b5886f0
Create Date: 2026-12-02 11:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd8b1f6a3c2e7'
down_revision = 'c5a69b5886f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proposal_stage_figure',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('intake', 'review', 'deliberation', 'decision', name='stage_figure_stage', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('business_days', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_stage_figure_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'stage', name=op.f('pk_proposal_stage_figure'))
    )
    public = sa.text(
        "state IN ('in_review', 'in_deliberation', 'decided', 'announced', 'merged')"
        " OR (state = 'info_requested' AND stage = 'review')"
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_public_submitted_at_id', ['submitted_at', 'id'], unique=False, postgresql_where=public, sqlite_where=public)
    op.execute("INSERT INTO counter (name, value) VALUES ('figures', 0)")

    # The derived rows of the proposals already there, from their event trails.
    from workflows.figures import rebuild_stage_figures

    rebuild_stage_figures(op.get_bind())


def downgrade():
    op.execute("DELETE FROM counter WHERE name = 'figures'")
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_public_submitted_at_id')
    op.drop_table('proposal_stage_figure')
