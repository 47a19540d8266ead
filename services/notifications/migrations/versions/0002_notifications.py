"""Messages with their status history, templates, contacts, and the local views.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("digital_post_exempt", sa.Boolean, nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("channels", sa.JSON, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_contacts"),
    )
    op.create_table(
        "template_versions",
        sa.Column("template_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("texts", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("template_id", "version", name="pk_template_versions"),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("trigger_event_id", sa.String(100), nullable=False),
        sa.Column("trigger_type", sa.String(200), nullable=False),
        sa.Column("rule_id", sa.String(100), nullable=False),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.Column("recipient_id", sa.String(64), nullable=False),
        sa.Column("recipient_role", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("fallback_channels", sa.JSON, nullable=False),
        sa.Column("fallback_of", sa.String(36), nullable=True),
        sa.Column("template_id", sa.String(100), nullable=False),
        sa.Column("template_version", sa.Integer, nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("provider", sa.String(50), nullable=False),
        sa.Column("provider_ref", sa.String(200), nullable=True),
        sa.Column("reason", sa.String(100), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.UniqueConstraint(
            "trigger_event_id",
            "recipient_id",
            "channel",
            name="uq_messages_trigger_recipient_channel",
        ),
    )
    op.create_index("ix_messages_citizen_id", "messages", ["citizen_id"])
    op.create_index("ix_messages_recipient_id", "messages", ["recipient_id"])
    op.create_index("ix_messages_next_attempt_at", "messages", ["next_attempt_at"])
    op.create_index("ix_messages_provider_ref", "messages", ["provider_ref"])
    op.create_table(
        "message_status",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            nullable=False,
            autoincrement=True,
        ),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_message_status"),
    )
    op.create_index("ix_message_status_message_id", "message_status", ["message_id"])
    op.create_table(
        "proxy_view",
        sa.Column("proxy_id", sa.String(36), nullable=False),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_until", TS, nullable=True),
        sa.Column("ended", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("proxy_id", name="pk_proxy_view"),
    )
    op.create_index("ix_proxy_view_citizen_id", "proxy_view", ["citizen_id"])
    op.create_table(
        "consent_view",
        sa.Column("consent_id", sa.String(36), nullable=False),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("ended", sa.Boolean, nullable=False),
        sa.Column("reminded", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("consent_id", name="pk_consent_view"),
    )
    op.create_index("ix_consent_view_expires_at", "consent_view", ["expires_at"])
    op.create_table(
        "case_view",
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(255), nullable=True),
        sa.Column("case_number", sa.String(50), nullable=True),
        sa.Column("caseworker_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("application_id", name="pk_case_view"),
    )


def downgrade() -> None:
    op.drop_table("case_view")
    op.drop_index("ix_consent_view_expires_at", "consent_view")
    op.drop_table("consent_view")
    op.drop_index("ix_proxy_view_citizen_id", "proxy_view")
    op.drop_table("proxy_view")
    op.drop_index("ix_message_status_message_id", "message_status")
    op.drop_table("message_status")
    for name in ("provider_ref", "next_attempt_at", "recipient_id", "citizen_id"):
        op.drop_index(f"ix_messages_{name}", "messages")
    op.drop_table("messages")
    op.drop_table("template_versions")
    op.drop_table("contacts")
