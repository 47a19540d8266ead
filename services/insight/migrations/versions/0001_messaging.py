"""The inbox (and outbox) of process insight.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from alembic import op

from kit.migrate import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
