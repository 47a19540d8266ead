"""The audit trail is read a page at a time, newest first, per citizen: one index that serves
both the filter and the order, so a page costs the same at a million rows as at a thousand.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_citizen_id_id", "audit_log", ["citizen_id", "id"])
    op.drop_index("ix_audit_log_citizen_id", table_name="audit_log")


def downgrade() -> None:
    op.create_index("ix_audit_log_citizen_id", "audit_log", ["citizen_id"])
    op.drop_index("ix_audit_log_citizen_id_id", table_name="audit_log")
