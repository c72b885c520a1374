"""agents: one head again after the agents' phone PIN and the console sessions (both grew from agents_0001)

Revision ID: agents_0004_merge
Revises: agents_0002_phone_pin, agents_0003_console_sessions
Create Date: 2026-12-01
"""
revision = "agents_0004_merge"
down_revision = ("agents_0002_phone_pin", "agents_0003_console_sessions")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the two revisions touch different tables."""


def downgrade() -> None:
    """Nothing to change."""
