"""Staff relations to citizens (kit.relations): the visits and case assignments other
services announce, so staff read what a citizen was told only through one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from alembic import op

from kit.relations import create_assignment_view, create_visit_view

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_visit_view(op)
    create_assignment_view(op)


def downgrade() -> None:
    op.drop_table("assignment_view")
    op.drop_table("visit_view")
