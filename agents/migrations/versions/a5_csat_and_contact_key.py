"""agents: satisfaction ratings (one per conversation) and the keyed contact digest of a conversation event

Revision ID: agents_0005_csat
Revises: agents_0004_merge
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "agents_0005_csat"
down_revision = "agents_0004_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents_csat",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_key", sa.String(140), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("escalation_id", sa.String(32), nullable=True),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("agents_accounts.id"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("conversation_key", name="uq_agents_csat_conversation_key"),
    )
    op.create_index("ix_agents_csat_conversation_id", "agents_csat", ["conversation_id"])
    op.create_index("ix_agents_csat_at", "agents_csat", ["at"])
    with op.batch_alter_table("agents_conversation_events") as batch:
        batch.add_column(sa.Column("contact_key", sa.String(64), nullable=True))
    op.create_index("ix_agents_conversation_events_contact_key", "agents_conversation_events", ["contact_key"])


def downgrade() -> None:
    op.drop_index("ix_agents_conversation_events_contact_key", "agents_conversation_events")
    with op.batch_alter_table("agents_conversation_events") as batch:
        batch.drop_column("contact_key")
    op.drop_table("agents_csat")
