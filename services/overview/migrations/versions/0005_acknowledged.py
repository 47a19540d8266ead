"""What the index acknowledged storing, per record: its version and the digest of the payload,
so a resync after our own outage can skip what the index already holds as it is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "overview_acknowledged",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("record_id", sa.String(100), nullable=False),
        sa.Column("case_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "record_id", name="pk_overview_acknowledged"),
    )
    op.create_index("ix_overview_acknowledged_case_id", "overview_acknowledged", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_overview_acknowledged_case_id", "overview_acknowledged")
    op.drop_table("overview_acknowledged")
