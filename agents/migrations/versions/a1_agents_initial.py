"""agents: escalations, escalation messages, agent accounts, audit, conversation events

Revision ID: agents_0001
Revises:
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "agents_0001"
down_revision = None
branch_labels = ("agents",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "agents_escalations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("tried", sa.JSON(), nullable=False),
        sa.Column("diagnosis", sa.JSON(), nullable=True),
        sa.Column("caller_number_masked", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_by_id", sa.Integer(), sa.ForeignKey("agents_accounts.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(64), nullable=True),
        sa.Column("recording_url", sa.String(500), nullable=True),
    )
    for col in ("channel", "conversation_id", "reason", "status", "created_at"):
        op.create_index(f"ix_agents_escalations_{col}", "agents_escalations", [col])
    op.create_table(
        "agents_escalation_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("escalation_id", sa.String(32), sa.ForeignKey("agents_escalations.id"), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("sender", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("redacted", sa.JSON(), nullable=False),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("agents_accounts.id"), nullable=True),
        sa.Column("client_message_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("escalation_id", "client_message_id", name="uq_agents_message_client_id"),
    )
    op.create_index("ix_agents_escalation_messages_escalation_id", "agents_escalation_messages", ["escalation_id"])
    op.create_table(
        "agents_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("agents_accounts.id"), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("escalation_id", sa.String(32), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    for col in ("at", "action", "escalation_id"):
        op.create_index(f"ix_agents_audit_{col}", "agents_audit", [col])
    op.create_table(
        "agents_conversation_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("conversation_id", "kind", "detail", name="uq_agents_conversation_event"),
    )
    op.create_index("ix_agents_conversation_events_conversation_id", "agents_conversation_events", ["conversation_id"])
    op.create_index("ix_agents_conversation_events_at", "agents_conversation_events", ["at"])


def downgrade() -> None:
    op.drop_table("agents_conversation_events")
    op.drop_table("agents_audit")
    op.drop_table("agents_escalation_messages")
    op.drop_table("agents_escalations")
    op.drop_table("agents_accounts")
