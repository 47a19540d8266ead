"""The names on a power of attorney: the agent's as the grantor gave it, and the grantor's.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proxies") as batch:
        batch.add_column(sa.Column("agent_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("citizen_name", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("proxies") as batch:
        batch.drop_column("citizen_name")
        batch.drop_column("agent_name")
