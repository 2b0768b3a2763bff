"""the repeal register's index: announced proposals by repeal number

The register pages by repeal number among announced proposals. The unique index on repeal_no
also holds the million NULLs of the proposals not announced (sorted last), and a page whose
filters match fewer rows than it shows walked through all of them (1 s at a million). Sector
and type are included (PostgreSQL) so the filtered totals are counted from the index alone.

Revision ID: e4c2a9b7d1f3
Revises: 4b7e2c9d1a53
Create Date: 2026-12-02 15:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = "e4c2a9b7d1f3"
down_revision = "4b7e2c9d1a53"
branch_labels = None
depends_on = None


def upgrade():
    announced = sa.text("state = 'announced'")
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_announced_repeal_no', ['repeal_no'], unique=False, postgresql_where=announced, postgresql_include=['sector_code', 'regulation_type_code'], sqlite_where=announced)


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_announced_repeal_no')
