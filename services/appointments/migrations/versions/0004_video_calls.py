"""Video visits: the calls held (or attempted) per appointment, and finding an appointment by
its join link's room token.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "video_calls",
        sa.Column("call_id", sa.String(36), nullable=False),
        sa.Column("appointment_id", sa.String(36), nullable=False),
        sa.Column("host_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),  # started, ended, not_connected
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer, nullable=True),
        sa.Column("participants", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(30), nullable=True),
        sa.PrimaryKeyConstraint("call_id", name="pk_video_calls"),
    )
    op.create_index("ix_video_calls_appointment_id", "video_calls", ["appointment_id"])
    op.create_index("ix_appointments_video_room", "appointments", ["video_room"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_appointments_video_room", "appointments")
    op.drop_table("video_calls")
