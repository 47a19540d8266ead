"""When a recipient read a letter in the portal's inbox.

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
    op.create_table(
        "inbox_reads",
        sa.Column("trigger_event_id", sa.String(100), nullable=False),
        sa.Column("recipient_id", sa.String(64), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("trigger_event_id", "recipient_id", name="pk_inbox_reads"),
    )


def downgrade() -> None:
    op.drop_table("inbox_reads")
