"""Staff relations to citizens (kit.relations): the visits and case assignments other
services announce, so staff reach a citizen's consents only through one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op

from kit.relations import create_assignment_view, create_visit_view

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_visit_view(op)
    create_assignment_view(op)


def downgrade() -> None:
    op.drop_table("assignment_view")
    op.drop_table("visit_view")
