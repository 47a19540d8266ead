"""The gateway's retention rules (docs/RETENTION.md): audit trail, sessions, login
transactions. Run by the gateway's worker (kit.retention)."""

from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import func

from gateway.store import audit_log, login_transactions, rate_windows, sessions
from kit.retention import table_rule

RULES = (
    table_rule(
        "audit_trail",
        audit_log,
        audit_log.c.at,
        # Five years: a citizen may ask who looked at their data, and a complaint or a
        # criminal case about misuse may come years later (the limitation period).
        timedelta(days=int(os.environ.get("SB_AUDIT_RETENTION_DAYS", 5 * 365 + 1))),
        "every read, write and refusal of personal data",
    ),
    table_rule(
        "sessions",
        sessions,
        # A session is over when ended, or once idle for longer than the idle limit (30 min).
        func.coalesce(sessions.c.ended_at, sessions.c.last_seen_at),
        timedelta(days=1),
        "browser sessions (encrypted tokens): a day after their last use or logout",
    ),
    table_rule(
        "login_transactions",
        login_transactions,
        login_transactions.c.created_at,
        timedelta(hours=1),
        "state, nonce and PKCE verifier of a login: a login takes minutes",
    ),
    table_rule(
        "rate_windows",
        rate_windows,
        rate_windows.c.ends_at,
        timedelta(hours=1),
        "rate-limit counters per caller: useless once their window is over",
    ),
)
