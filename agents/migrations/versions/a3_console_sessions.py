"""agents: server-side console sessions and the login throttle

Revision ID: agents_0003_console_sessions
Revises: agents_0001
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "agents_0003_console_sessions"
down_revision = "agents_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents_console_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("agents_accounts.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(32), nullable=True),
    )
    op.create_index("ix_agents_console_sessions_agent_id", "agents_console_sessions", ["agent_id"])
    op.create_index("ix_agents_console_sessions_expires_at", "agents_console_sessions", ["expires_at"])
    op.create_table(
        "agents_login_throttle",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("agents_login_throttle")
    op.drop_table("agents_console_sessions")
