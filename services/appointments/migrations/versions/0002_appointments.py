"""Booking rules, appointments with their history, the staff time they hold, reminders,
idempotency keys and the local view of proxies; the constraints that stop double booking.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(36)
PERSON = sa.String(64)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "booking_rules",
        sa.Column("service_id", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("opening_hours", sa.JSON, nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("buffer_minutes", sa.Integer, nullable=False),
        sa.Column("horizon_days", sa.Integer, nullable=False),
        sa.Column("citizen_cutoff_hours", sa.Integer, nullable=False),
        sa.Column("staff_ids", sa.JSON, nullable=False),
        sa.Column("self_bookable", sa.Boolean, nullable=False),
        sa.Column("tasks", sa.JSON, nullable=False),
        sa.Column("location", sa.String(300), nullable=True),
        sa.Column("reminder_minutes_before", sa.Integer, nullable=True),
        _time("updated_at"),
        sa.Column("updated_by", PERSON, nullable=False),
        sa.PrimaryKeyConstraint("service_id", name="pk_booking_rules"),
    )
    op.create_table(
        "appointments",
        sa.Column("id", ID, nullable=False),
        sa.Column("citizen_id", PERSON, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("service_id", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        _time("starts_at"),
        _time("ends_at"),
        sa.Column("buffer_minutes", sa.Integer, nullable=False),
        sa.Column("staff_ids", sa.JSON, nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("location", sa.String(300), nullable=True),
        sa.Column("tasks", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("video_room", sa.String(64), nullable=True),
        sa.Column("cutoff_hours", sa.Integer, nullable=False),
        _time("created_at"),
        sa.Column("created_by", PERSON, nullable=False),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_appointments"),
    )
    op.create_index("ix_appointments_citizen_id", "appointments", ["citizen_id"])
    op.create_table(
        "appointment_staff",
        sa.Column("appointment_id", ID, nullable=False),
        sa.Column("staff_id", PERSON, nullable=False),
        _time("starts_at"),
        _time("blocked_until"),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("appointment_id", "staff_id", name="pk_appointment_staff"),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name="fk_appointment_staff_appointment_id_appointments",
        ),
    )
    # Second line on both databases: one active start per staff member.
    op.create_index(
        "uq_appointment_staff_staff_start",
        "appointment_staff",
        ["staff_id", "starts_at"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # First line on PostgreSQL: no two active holds of one staff member overlap in time,
        # however many transactions insert at once. btree_gist is a trusted extension
        # (PostgreSQL 13+): the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE appointment_staff ADD CONSTRAINT ex_appointment_staff_no_overlap "
            "EXCLUDE USING gist (staff_id WITH =, "
            "tstzrange(starts_at, blocked_until, '[)') WITH &&) WHERE (active)"
        )
    op.create_table(
        "appointment_history",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("appointment_id", ID, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _time("starts_at"),
        _time("ends_at"),
        sa.Column("staff_ids", sa.JSON, nullable=False),
        _time("at"),
        sa.Column("by", PERSON, nullable=False),
        sa.Column("by_kind", sa.String(20), nullable=False),
        sa.Column("on_behalf_of", PERSON, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_appointment_history"),
    )
    op.create_index(
        "ix_appointment_history_appointment_id", "appointment_history", ["appointment_id"]
    )
    op.create_table(
        "reminders",
        sa.Column("id", ID, nullable=False),
        sa.Column("appointment_id", ID, nullable=False),
        _time("starts_at"),
        _time("due_at"),
        sa.Column("status", sa.String(20), nullable=False),
        _time("sent_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        # One reminder per appointment and start, ever: a second can never be planned.
        sa.UniqueConstraint("appointment_id", "starts_at", name="uq_reminders_appointment_id"),
    )
    op.create_index("ix_reminders_due_at", "reminders", ["due_at"])
    op.create_table(
        "idempotency_keys",
        sa.Column("caller", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("caller", "key", name="pk_idempotency_keys"),
    )
    op.create_table(
        "proxy_view",
        sa.Column("proxy_id", sa.String(100), nullable=False),
        sa.Column("citizen_id", PERSON, nullable=False),
        sa.Column("agent_id", PERSON, nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        _time("valid_from"),
        _time("valid_until", nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("proxy_id", name="pk_proxy_view"),
    )
    op.create_index("ix_proxy_view_citizen_id", "proxy_view", ["citizen_id"])
    op.create_index("ix_proxy_view_agent_id", "proxy_view", ["agent_id"])


def downgrade() -> None:
    op.drop_table("proxy_view")
    op.drop_table("idempotency_keys")
    op.drop_table("reminders")
    op.drop_table("appointment_history")
    op.drop_table("appointment_staff")
    op.drop_table("appointments")
    op.drop_table("booking_rules")
