"""Rate-limit counters shared by every gateway process, so a caller's limit holds whichever
replica answers (gateway.ratelimit.SharedWindows).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_windows",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("period_s", sa.Integer(), nullable=False),
        sa.Column("window_no", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", "period_s", "window_no", name="pk_rate_windows"),
    )
    op.create_index("ix_rate_windows_ends_at", "rate_windows", ["ends_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_windows_ends_at", "rate_windows")
    op.drop_table("rate_windows")
