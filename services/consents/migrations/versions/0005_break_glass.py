"""Break-glass grants (kit.break_glass): staff read a citizen's consents outside their
relations only with a stated reason, for a short while.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from alembic import op

from kit.break_glass import TABLE, create_grants_table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_grants_table(op)


def downgrade() -> None:
    op.drop_table(TABLE)
