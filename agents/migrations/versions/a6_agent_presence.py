"""agents: the status an agent sets (available / busy / away) and since when

Revision ID: agents_0006_presence
Revises: agents_0005_csat
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "agents_0006_presence"
down_revision = "agents_0005_csat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents_accounts") as batch:
        batch.add_column(sa.Column("presence", sa.String(12), nullable=False, server_default="away"))
        batch.add_column(sa.Column("presence_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents_accounts") as batch:
        batch.drop_column("presence_at")
        batch.drop_column("presence")
