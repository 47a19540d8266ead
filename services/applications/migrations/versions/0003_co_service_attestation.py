"""Co-service: the name of the staff member who started a draft, and who attested that the
citizen confirmed a submission made on their behalf (and when the citizen confirmed it).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("created_by_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("attested_by", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("citizen_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("citizen_confirmed_at")
        batch.drop_column("attested_by")
        batch.drop_column("created_by_name")
