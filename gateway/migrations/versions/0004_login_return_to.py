"""Where to send the browser after login (a path on this site only).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_transactions") as batch:
        batch.add_column(sa.Column("return_to", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("login_transactions") as batch:
        batch.drop_column("return_to")
