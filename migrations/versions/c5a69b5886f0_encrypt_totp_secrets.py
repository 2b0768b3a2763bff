"""authenticator (TOTP) secrets encrypted at rest: the column widened to hold a Fernet token and
the secrets already stored encrypted with the application's SECRET_ENCRYPTION_KEYS

Revision ID: c5a69b5886f0
Revises: c4e7a2d9f310
Create Date: 2026-12-02 11:40:00

"""
from alembic import op
import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from flask import current_app


revision = 'c5a69b5886f0'
down_revision = 'c4e7a2d9f310'
branch_labels = None
depends_on = None

USERS = sa.table('user_account', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))


def _box():
    # The keys of the application running the migration (``flask db upgrade``).
    return current_app.extensions['regrepeal.secret_box']


def _stored(connection):
    return connection.execute(
        sa.select(USERS.c.id, USERS.c.totp_secret).where(USERS.c.totp_secret.is_not(None))
    ).all()


def _is_encrypted(box, value):
    try:
        box.decrypt(value.encode())
    except InvalidToken:
        return False
    return True


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column(
            'totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=255),
            existing_nullable=True,
        )
    connection = op.get_bind()
    box = _box()
    for user_id, value in _stored(connection):
        if not _is_encrypted(box, value):
            connection.execute(
                USERS.update().where(USERS.c.id == user_id).values(
                    totp_secret=box.encrypt(value.encode()).decode()
                )
            )


def downgrade():
    connection = op.get_bind()
    box = _box()
    for user_id, value in _stored(connection):
        if _is_encrypted(box, value):
            connection.execute(
                USERS.update().where(USERS.c.id == user_id).values(
                    totp_secret=box.decrypt(value.encode()).decode()
                )
            )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column(
            'totp_secret', existing_type=sa.String(length=255), type_=sa.String(length=64),
            existing_nullable=True,
        )
