"""agents: the idempotency key of an agent's reply (send_key), one message per key and case

Revision ID: agents_0008_send_key
Revises: agents_0007_routing
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "agents_0008_send_key"
down_revision = "agents_0007_routing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: the rows written before this revision, and callers that send no key, have none.
    # A unique index, not a table constraint: SQLite adds it without rebuilding the messages table.
    op.add_column("agents_escalation_messages", sa.Column("send_key", sa.String(64), nullable=True))
    op.create_index("uq_agents_message_send_key", "agents_escalation_messages", ["escalation_id", "send_key"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("uq_agents_message_send_key", "agents_escalation_messages")
    with op.batch_alter_table("agents_escalation_messages") as batch:
        batch.drop_column("send_key")
