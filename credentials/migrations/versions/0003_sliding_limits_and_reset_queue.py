"""sliding-window counters (rate_limits.hits), the queue of new-code requests, and the account's
fixed-window wrong-code counter dropped (now a sliding counter in rate_limits)

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rate_limits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hits", sa.Text(), nullable=True))
    # the old fixed-window rows cannot be read as logs: start every counter afresh
    op.execute("DELETE FROM rate_limits")
    op.create_table(
        "reset_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("wrong_code_window_start")
        batch_op.drop_column("wrong_code_entries")


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wrong_code_entries", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("wrong_code_window_start", sa.DateTime(), nullable=True))
    op.drop_table("reset_requests")
    op.execute("DELETE FROM rate_limits")
    with op.batch_alter_table("rate_limits", schema=None) as batch_op:
        batch_op.drop_column("hits")
