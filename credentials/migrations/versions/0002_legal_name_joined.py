"""legal names run together (written and reversed order), for recognising S6

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

from credentials.domain.names import joined_name_keys

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_name_joined", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("legal_name_joined_rev", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_accounts_legal_name_joined"), ["legal_name_joined"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_legal_name_joined_rev"), ["legal_name_joined_rev"], unique=False)
    conn = op.get_bind()
    accounts = sa.table("accounts", sa.column("id", sa.Integer), sa.column("legal_name", sa.String),
                        sa.column("legal_name_joined", sa.String), sa.column("legal_name_joined_rev", sa.String))
    for account_id, legal_name in conn.execute(sa.select(accounts.c.id, accounts.c.legal_name)).all():
        joined, reversed_ = joined_name_keys(legal_name)
        conn.execute(accounts.update().where(accounts.c.id == account_id)
                     .values(legal_name_joined=joined, legal_name_joined_rev=reversed_))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_legal_name_joined_rev"))
        batch_op.drop_index(batch_op.f("ix_accounts_legal_name_joined"))
        batch_op.drop_column("legal_name_joined_rev")
        batch_op.drop_column("legal_name_joined")
