"""two-factor login (TOTP secret, recovery codes), the append-only personal data access log,
and when a proposal's personal data was destroyed

Revision ID: c4e7a2d9f310
Revises: bb737668efbf
Create Date: 2026-12-02 07:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e7a2d9f310'
down_revision = 'bb737668efbf'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enrolled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('totp_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('totp_failed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal_data_destroyed_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_recovery_code_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)

    op.create_table('personal_data_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_key', sa.String(length=100), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_personal_data_access_actor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_data_access'))
    )
    with op.batch_alter_table('personal_data_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_data_access_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_personal_data_access_object', ['object_type', 'object_key'], unique=False)
        batch_op.create_index('ix_personal_data_access_occurred_at', ['occurred_at'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION personal_data_access_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION 'personal_data_access is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER personal_data_access_append_only BEFORE UPDATE OR DELETE"
            " ON personal_data_access FOR EACH ROW EXECUTE FUNCTION personal_data_access_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER personal_data_access_no_{action.lower()} BEFORE {action}"
                " ON personal_data_access BEGIN SELECT RAISE(ABORT, 'personal_data_access is append-only'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS personal_data_access_append_only ON personal_data_access")
        op.execute("DROP FUNCTION IF EXISTS personal_data_access_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS personal_data_access_no_update")
        op.execute("DROP TRIGGER IF EXISTS personal_data_access_no_delete")
    with op.batch_alter_table('personal_data_access', schema=None) as batch_op:
        batch_op.drop_index('ix_personal_data_access_occurred_at')
        batch_op.drop_index('ix_personal_data_access_object')
        batch_op.drop_index(batch_op.f('ix_personal_data_access_actor_id'))
    op.drop_table('personal_data_access')
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('personal_data_destroyed_at')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_failed_at')
        batch_op.drop_column('totp_failures')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enrolled_at')
        batch_op.drop_column('totp_secret')
