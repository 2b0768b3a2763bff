"""the chair's backlog: decided repeals and relaxations in no announcement, by id

The announcement forms page through the decisions awaiting an announcement in id order,
filtered by sector or a title word. The primary key stepped over every other proposal to find
them (a word matching none read the whole table); this partial index holds only the backlog.

Revision ID: c7e2b5a9d4f1
Revises: a6d3f8c2e915
Create Date: 2026-12-03 05:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = "c7e2b5a9d4f1"
down_revision = "a6d3f8c2e915"
branch_labels = None
depends_on = None


def upgrade():
    awaiting = sa.text("state = 'decided' AND outcome IN ('repeal', 'relax') AND announcement_id IS NULL")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index("ix_proposal_awaiting_announcement_id", ["id"], unique=False, postgresql_where=awaiting, sqlite_where=awaiting)


def downgrade():
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_awaiting_announcement_id")
