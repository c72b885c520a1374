"""agents: routing — the languages and channels an agent takes, and the offers of waiting cases

Revision ID: agents_0007_routing
Revises: agents_0006_presence
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "agents_0007_routing"
down_revision = "agents_0006_presence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents_accounts") as batch:
        batch.add_column(sa.Column("languages", sa.String(32), nullable=False, server_default="hu,en"))
        batch.add_column(sa.Column("channels", sa.String(32), nullable=False, server_default="chat,phone"))
    op.create_table(
        "agents_offers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("escalation_id", sa.String(32), sa.ForeignKey("agents_escalations.id"), nullable=False),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("agents_accounts.id"), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(12), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_agents_offers_escalation_id", "agents_offers", ["escalation_id"])
    op.create_index("uq_agents_offers_live_case", "agents_offers", ["escalation_id"], unique=True,
                    sqlite_where=sa.text("answer IS NULL"), postgresql_where=sa.text("answer IS NULL"))
    op.create_index("uq_agents_offers_live_agent", "agents_offers", ["agent_id"], unique=True,
                    sqlite_where=sa.text("answer IS NULL"), postgresql_where=sa.text("answer IS NULL"))


def downgrade() -> None:
    op.drop_index("uq_agents_offers_live_agent", "agents_offers")
    op.drop_index("uq_agents_offers_live_case", "agents_offers")
    op.drop_index("ix_agents_offers_escalation_id", "agents_offers")
    op.drop_table("agents_offers")
    with op.batch_alter_table("agents_accounts") as batch:
        batch.drop_column("channels")
        batch.drop_column("languages")
