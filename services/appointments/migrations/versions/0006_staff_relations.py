"""Staff relations to citizens (kit.policy): who plans each service, the case assignments the
applications service announces, and break-glass grants (kit.break_glass).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from kit.break_glass import TABLE, create_grants_table
from kit.relations import create_assignment_view

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking_rules") as batch:
        batch.add_column(sa.Column("scheduler_ids", sa.JSON, nullable=False, server_default="[]"))
    create_assignment_view(op)
    create_grants_table(op)


def downgrade() -> None:
    op.drop_table(TABLE)
    op.drop_table("assignment_view")
    with op.batch_alter_table("booking_rules") as batch:
        batch.drop_column("scheduler_ids")
