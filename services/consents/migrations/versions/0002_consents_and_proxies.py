"""Consents, withdrawals, expiries, proxies and checks: append-only tables of facts.

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

ID = sa.String(36)
PERSON = sa.String(64)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "citizen_locks",
        sa.Column("citizen_id", PERSON, nullable=False),
        sa.PrimaryKeyConstraint("citizen_id", name="pk_citizen_locks"),
    )
    op.create_table(
        "consents",
        sa.Column("id", ID, nullable=False),
        sa.Column("citizen_id", PERSON, nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("case_ref", sa.String(200), nullable=True),
        sa.Column("data_categories", sa.JSON, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("text_version", sa.String(20), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        _time("given_at"),
        _time("expires_at"),
        sa.Column("given_by", PERSON, nullable=False),
        _time("recorded_at"),
        sa.Column("recorded_by", PERSON, nullable=False),
        sa.Column("attested_by", PERSON, nullable=True),
        sa.Column("device_id", sa.String(100), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_consents"),
    )
    op.create_index("ix_consents_citizen_id", "consents", ["citizen_id"])
    op.create_index("ix_consents_expires_at", "consents", ["expires_at"])
    op.create_table(
        "consent_withdrawals",
        sa.Column("id", ID, nullable=False),
        sa.Column("consent_id", ID, nullable=False),
        sa.Column("citizen_id", PERSON, nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("case_ref", sa.String(200), nullable=True),
        _time("withdrawn_at"),
        sa.Column("withdrawn_by", PERSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consent_withdrawals"),
        sa.UniqueConstraint("consent_id", name="uq_consent_withdrawals_consent_id"),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consents.id"], name="fk_consent_withdrawals_consent_id_consents"
        ),
    )
    op.create_index("ix_consent_withdrawals_citizen_id", "consent_withdrawals", ["citizen_id"])
    op.create_table(
        "consent_expiries",
        sa.Column("consent_id", ID, nullable=False),
        sa.Column("citizen_id", PERSON, nullable=False),
        _time("expired_at"),
        sa.Column("in_force", sa.Boolean, nullable=False),
        _time("recorded_at"),
        sa.PrimaryKeyConstraint("consent_id", name="pk_consent_expiries"),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consents.id"], name="fk_consent_expiries_consent_id_consents"
        ),
    )
    op.create_index("ix_consent_expiries_citizen_id", "consent_expiries", ["citizen_id"])
    op.create_table(
        "proxies",
        sa.Column("id", ID, nullable=False),
        sa.Column("citizen_id", PERSON, nullable=False),
        sa.Column("agent_id", PERSON, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        _time("valid_from"),
        _time("valid_until", nullable=True),
        sa.Column("court_reference", sa.String(200), nullable=True),
        sa.Column("granted_by", PERSON, nullable=False),
        _time("granted_at"),
        sa.PrimaryKeyConstraint("id", name="pk_proxies"),
    )
    op.create_index("ix_proxies_citizen_id", "proxies", ["citizen_id"])
    op.create_index("ix_proxies_agent_id", "proxies", ["agent_id"])
    op.create_index("ix_proxies_valid_until", "proxies", ["valid_until"])
    op.create_table(
        "proxy_revocations",
        sa.Column("proxy_id", ID, nullable=False),
        _time("revoked_at"),
        sa.Column("revoked_by", PERSON, nullable=False),
        sa.PrimaryKeyConstraint("proxy_id", name="pk_proxy_revocations"),
        sa.ForeignKeyConstraint(
            ["proxy_id"], ["proxies.id"], name="fk_proxy_revocations_proxy_id_proxies"
        ),
    )
    op.create_table(
        "proxy_expiries",
        sa.Column("proxy_id", ID, nullable=False),
        _time("expired_at"),
        _time("recorded_at"),
        sa.PrimaryKeyConstraint("proxy_id", name="pk_proxy_expiries"),
        sa.ForeignKeyConstraint(
            ["proxy_id"], ["proxies.id"], name="fk_proxy_expiries_proxy_id_proxies"
        ),
    )
    op.create_table(
        "consent_checks",
        sa.Column("id", ID, nullable=False),
        sa.Column("citizen_id", PERSON, nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("case_ref", sa.String(200), nullable=True),
        sa.Column("data_categories", sa.JSON, nullable=False),
        sa.Column("asked_by", sa.String(200), nullable=False),
        sa.Column("allowed", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(50), nullable=False),
        sa.Column("consent_id", ID, nullable=True),
        _time("checked_at"),
        sa.PrimaryKeyConstraint("id", name="pk_consent_checks"),
    )
    op.create_index("ix_consent_checks_citizen_id", "consent_checks", ["citizen_id"])


def downgrade() -> None:
    for table in (
        "consent_checks",
        "proxy_expiries",
        "proxy_revocations",
        "proxies",
        "consent_expiries",
        "consent_withdrawals",
        "consents",
        "citizen_locks",
    ):
        op.drop_table(table)
