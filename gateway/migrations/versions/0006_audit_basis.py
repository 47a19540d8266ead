"""The audit trail records on what basis staff reached a citizen's data (kit.policy), and a
break-glass's stated reason, so the citizen sees it and the auditor can find it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("basis", sa.String(30), nullable=True))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch.create_index("ix_audit_log_basis", ["basis"])


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_basis")
        batch.drop_column("reason")
        batch.drop_column("basis")
