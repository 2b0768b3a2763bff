"""search terms kept beside the proposals: a rebuild of the search index reuses them instead
of analysing every text again (a cache, re-derivable; filled by the index job and rebuilds)

Revision ID: e3a7c1d9b4f2
Revises: e3f1a7c4b9d2
Create Date: 2026-12-02 15:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = "e3a7c1d9b4f2"
down_revision = "e3f1a7c4b9d2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_terms',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('analyser', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=32), nullable=False),
    sa.Column('title_terms', sa.Text(), nullable=False),
    sa.Column('body_terms', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_search_terms_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', name=op.f('pk_search_terms'))
    )


def downgrade():
    op.drop_table('search_terms')
