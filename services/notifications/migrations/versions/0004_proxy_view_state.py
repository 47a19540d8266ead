"""The local view of proxies has the shape every service shares (kit.proxies): a state
(active, revoked, expired) instead of a flag, and an index on the agent.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proxy_view") as batch:
        batch.add_column(sa.Column("state", sa.String(20), nullable=False, server_default="active"))
    op.execute("UPDATE proxy_view SET state = 'revoked' WHERE ended")
    with op.batch_alter_table("proxy_view") as batch:
        batch.drop_column("ended")
    op.create_index("ix_proxy_view_agent_id", "proxy_view", ["agent_id"])


def downgrade() -> None:
    op.drop_index("ix_proxy_view_agent_id", table_name="proxy_view")
    with op.batch_alter_table("proxy_view") as batch:
        batch.add_column(sa.Column("ended", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("UPDATE proxy_view SET ended = (state <> 'active')")
    with op.batch_alter_table("proxy_view") as batch:
        batch.drop_column("state")
