"""ivr: the phone line's own limit counters (withheld numbers, agent PIN misses)

Revision ID: ivr_0002
Revises: ivr_0001
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "ivr_0002"
down_revision = "ivr_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ivr_limits",
        sa.Column("key", sa.String(96), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ivr_limits")
