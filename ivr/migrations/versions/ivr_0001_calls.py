"""ivr: calls, answered steps, call-back tickets

Revision ID: ivr_0001
Revises:
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "ivr_0001"
down_revision = None
branch_labels = ("ivr",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ivr_calls",
        sa.Column("call_sid", sa.String(64), primary_key=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("repeat_chunks", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("caller_number_masked", sa.String(32), nullable=True),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("tried", sa.JSON(), nullable=False),
        sa.Column("sealed_username", sa.Text(), nullable=True),
        sa.Column("sealed_email", sa.Text(), nullable=True),
        sa.Column("helped", sa.Boolean(), nullable=False),
        sa.Column("reset_requested", sa.Boolean(), nullable=False),
        sa.Column("assistant_down", sa.Boolean(), nullable=False),
        sa.Column("escalation_id", sa.String(32), nullable=True),
        sa.Column("escalation_reference", sa.String(16), nullable=True),
        sa.Column("escalation_reason", sa.String(64), nullable=True),
        sa.Column("queue", sa.String(32), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agent_call_sid", sa.String(64), nullable=True),
        sa.Column("call_status", sa.String(16), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
    )
    op.create_index("ix_ivr_calls_queue", "ivr_calls", ["queue"])
    op.create_index("ix_ivr_calls_enqueued_at", "ivr_calls", ["enqueued_at"])
    op.create_index("ix_ivr_calls_outcome", "ivr_calls", ["outcome"])
    op.create_index("ix_ivr_calls_started_at", "ivr_calls", ["started_at"])
    op.create_table(
        "ivr_turns",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("step", sa.String(80), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("call_sid", "step", name="uq_ivr_turn_step"),
    )
    op.create_index("ix_ivr_turns_call_sid", "ivr_turns", ["call_sid"])
    op.create_table(
        "ivr_callback_tickets",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_sid", sa.String(64), nullable=False, unique=True),
        sa.Column("escalation_id", sa.String(32), nullable=True),
        sa.Column("escalation_reference", sa.String(16), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("callback_number", sa.String(32), nullable=True),
        sa.Column("caller_number_masked", sa.String(32), nullable=True),
        sa.Column("recording_sid", sa.String(64), nullable=True),
        sa.Column("recording_url", sa.String(500), nullable=True),
        sa.Column("recording_seconds", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ivr_callback_tickets_escalation_id", "ivr_callback_tickets", ["escalation_id"])
    op.create_index("ix_ivr_callback_tickets_status", "ivr_callback_tickets", ["status"])


def downgrade() -> None:
    op.drop_table("ivr_callback_tickets")
    op.drop_table("ivr_turns")
    op.drop_table("ivr_calls")
