"""A caseworker's queue at a million cases: the cases of the types her units handle are found
by an index on the type, in queue order, instead of by reading the whole table.

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
    op.create_index("ix_applications_type_queue", "applications", ["type_id", "submitted_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_applications_type_queue", table_name="applications")
