"""agents: the agent's phone PIN (argon2id hash), its misses and its lock

Revision ID: agents_0002_phone_pin
Revises: agents_0001
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "agents_0002_phone_pin"
down_revision = "agents_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents_accounts") as batch:
        batch.add_column(sa.Column("phone_pin_hash", sa.String(256), nullable=True))
        batch.add_column(sa.Column("phone_pin_misses", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("phone_pin_locked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents_accounts") as batch:
        batch.drop_column("phone_pin_locked_until")
        batch.drop_column("phone_pin_misses")
        batch.drop_column("phone_pin_hash")
