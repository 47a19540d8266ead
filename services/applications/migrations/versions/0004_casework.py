"""Casework: who has a case, units and their caseloads, break-glass grants, several payments
per case, internal notes, and the local view of visits (from the appointments service).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from kit.relations import create_visit_view

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("assignee_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("granted_amount_ore", sa.BigInteger(), nullable=True))
        batch.create_index("ix_applications_assignee_id", ["assignee_id"])
    op.create_index("ix_applications_queue", "applications", ["submitted_at", "id"])
    op.create_table(
        "units",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "unit_members",
        sa.Column("unit_id", sa.String(100), sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("staff_id", sa.String(200), primary_key=True, index=True),
    )
    op.create_table(
        "caseloads",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("unit_id", sa.String(100), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("type_id", sa.String(100), nullable=True),
        sa.Column("citizen_id", sa.String(100), nullable=True),
    )
    op.create_index("ix_caseloads_unit_id", "caseloads", ["unit_id"])
    op.create_table(
        "break_glass",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("staff_id", sa.String(200), nullable=False),
        sa.Column(
            "application_id", sa.String(36), sa.ForeignKey("applications.id"), nullable=False
        ),
        sa.Column("citizen_id", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_break_glass_staff", "break_glass", ["staff_id", "application_id"])
    op.create_table(
        "payments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "application_id", sa.String(36), sa.ForeignKey("applications.id"), nullable=False
        ),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("period", sa.String(7), nullable=True),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_payments_application_id", "payments", ["application_id"])
    op.create_table(
        "case_notes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "application_id", sa.String(36), sa.ForeignKey("applications.id"), nullable=False
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_by", sa.String(200), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_notes_application_id", "case_notes", ["application_id"])
    create_visit_view(op)


def downgrade() -> None:
    for table in ("visit_view", "case_notes", "payments", "break_glass", "caseloads"):
        op.drop_table(table)
    op.drop_table("unit_members")
    op.drop_table("units")
    op.drop_index("ix_applications_queue", "applications")
    with op.batch_alter_table("applications") as batch:
        batch.drop_index("ix_applications_assignee_id")
        batch.drop_column("granted_amount_ore")
        batch.drop_column("assignee_id")
