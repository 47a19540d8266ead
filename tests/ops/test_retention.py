"""Retention (docs/RETENTION.md): each rule deletes only what is older than its period, by
the clock it is given, on both databases; the scheduled job counts what it deleted."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from gateway.store import audit_log, login_transactions, rate_windows, sessions
from kit.db import make_engine
from kit.inbox import inbox_table
from kit.migrate import upgrade
from kit.outbox import outbox_table
from kit.retention import RETENTION_DELETED, apply_rules, retention_job, rules_for
from services.consents.store import consent_expiries, consent_withdrawals, consents

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
YEAR = timedelta(days=365)


def ago(delta: timedelta) -> datetime:
    return NOW - delta


class OneRound(threading.Event):
    """A stop signal that stops the job after its first round."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def gateway_db(database_url):
    upgrade("gateway", database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def consents_db(database_url):
    upgrade("consents", database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def add_messaging(conn, handled: list[timedelta], published: list[timedelta | None]) -> None:
    for age in handled:
        conn.execute(
            insert(inbox_table).values(
                consumer="c", event_id=str(uuid.uuid4()), event_type="t", handled_at=ago(age)
            )
        )
    for age in published:
        conn.execute(
            insert(outbox_table).values(
                event_id=str(uuid.uuid4()),
                event_type="t",
                topic="gateway",
                key="k",
                payload=b"{}",
                created_at=ago(age or 100 * DAY),
                published_at=ago(age) if age is not None else None,
                attempts=0,
            )
        )


def add_session(conn, last_seen: timedelta, ended: timedelta | None = None) -> None:
    conn.execute(
        insert(sessions).values(
            id_hash=uuid.uuid4().hex,
            subject="s",
            kind="citizen",
            channel="portal",
            claims={},
            tokens="x",
            csrf_token="x",
            created_at=ago(last_seen + DAY),
            last_seen_at=ago(last_seen),
            ended_at=ago(ended) if ended is not None else None,
        )
    )


def add_audit(conn, age: timedelta) -> None:
    conn.execute(
        insert(audit_log).values(
            at=ago(age),
            citizen_id="c",
            actor_id="a",
            actor_type="staff",
            channel="portal",
            action="read",
            resource="/api/x",
            status=200,
        )
    )


def add_login(conn, age: timedelta) -> None:
    conn.execute(
        insert(login_transactions).values(
            state=uuid.uuid4().hex,
            nonce="n",
            code_verifier="v",
            channel="portal",
            browser_hash="b",
            created_at=ago(age),
        )
    )


def add_rate_window(conn, ended: timedelta) -> None:
    conn.execute(
        insert(rate_windows).values(
            key=uuid.uuid4().hex, period_s=60, window_no=1, hits=3, ends_at=ago(ended)
        )
    )


def test_each_gateway_rule_deletes_only_what_is_older_than_its_period(gateway_db):
    with gateway_db.begin() as conn:
        add_messaging(conn, handled=[31 * DAY, 29 * DAY], published=[8 * DAY, 6 * DAY, None])
        for age in (6 * YEAR, 4 * YEAR):
            add_audit(conn, age)
        add_session(conn, last_seen=2 * DAY)  # abandoned, never logged out
        add_session(conn, last_seen=3 * DAY, ended=2 * DAY)  # logged out two days ago
        add_session(conn, last_seen=timedelta(hours=3), ended=timedelta(hours=2))
        add_session(conn, last_seen=timedelta(minutes=1))  # in use
        for age in (timedelta(hours=2), timedelta(minutes=5)):
            add_login(conn, age)
        for age in (timedelta(hours=2), timedelta(minutes=5)):
            add_rate_window(conn, age)

    deleted = apply_rules(gateway_db, "gateway", rules_for("gateway"), NOW)

    assert deleted == {
        "inbox": 1,
        "outbox_sent": 1,
        "audit_trail": 1,
        "sessions": 2,
        "login_transactions": 1,
        "rate_windows": 1,
    }
    assert count(gateway_db, inbox_table) == 1
    # The unsent event stays however old it is: it has not reached anyone yet.
    with gateway_db.connect() as conn:
        left = conn.execute(select(outbox_table.c.published_at)).scalars().all()
    assert len(left) == 2 and sum(p is None for p in left) == 1
    assert count(gateway_db, audit_log) == 1
    assert count(gateway_db, sessions) == 2
    assert count(gateway_db, login_transactions) == 1
    # A second round on the same day finds nothing more.
    assert not any(apply_rules(gateway_db, "gateway", rules_for("gateway"), NOW).values())


def test_the_scheduled_job_follows_its_clock_and_counts_what_it_deleted(gateway_db):
    with gateway_db.begin() as conn:
        add_audit(conn, 4 * YEAR)
    clock = [NOW]
    job = retention_job(gateway_db, "gateway", clock=lambda: clock[0])
    before = RETENTION_DELETED.labels("gateway", "audit_trail")._value.get()

    job(OneRound())
    assert count(gateway_db, audit_log) == 1  # four years old: kept

    clock[0] = NOW + 1 * YEAR + 2 * DAY  # five years and a day later it is due
    job(OneRound())
    assert count(gateway_db, audit_log) == 0
    assert RETENTION_DELETED.labels("gateway", "audit_trail")._value.get() == before + 1


def test_a_rules_period_can_be_set_by_the_operator(gateway_db, monkeypatch):
    with gateway_db.begin() as conn:
        add_messaging(conn, handled=[10 * DAY], published=[])
    assert apply_rules(gateway_db, "gateway", rules_for("gateway"), NOW)["inbox"] == 0
    monkeypatch.setenv("SB_RETENTION_INBOX_DAYS", "9")
    assert apply_rules(gateway_db, "gateway", rules_for("gateway"), NOW)["inbox"] == 1


def add_consent(conn, expires: datetime, withdrawn: datetime | None = None) -> str:
    consent_id = str(uuid.uuid4())
    citizen = str(uuid.uuid4())
    conn.execute(
        insert(consents).values(
            id=consent_id,
            citizen_id=citizen,
            purpose="home_care_assessment",
            data_categories=["health"],
            sources=["hospital"],
            recipients=["kommunen"],
            legal_basis="samtykke",
            text_version="2",
            language="da",
            channel="portal",
            given_at=expires - 2 * YEAR,
            expires_at=expires,
            given_by=citizen,
            recorded_at=expires - 2 * YEAR,
            recorded_by=citizen,
        )
    )
    if withdrawn is not None:
        conn.execute(
            insert(consent_withdrawals).values(
                id=str(uuid.uuid4()),
                consent_id=consent_id,
                citizen_id=citizen,
                purpose="home_care_assessment",
                withdrawn_at=withdrawn,
                withdrawn_by=citizen,
            )
        )
    elif expires < NOW:
        conn.execute(
            insert(consent_expiries).values(
                consent_id=consent_id,
                citizen_id=citizen,
                expired_at=expires,
                in_force=True,
                recorded_at=expires,
            )
        )
    return consent_id


def test_a_consents_history_goes_five_years_after_it_ended_not_before(consents_db):
    with consents_db.begin() as conn:
        expired_long_ago = add_consent(conn, expires=ago(6 * YEAR))
        withdrawn_long_ago = add_consent(conn, expires=NOW + YEAR, withdrawn=ago(6 * YEAR))
        expired_recently = add_consent(conn, expires=ago(4 * YEAR))
        withdrawn_recently = add_consent(
            conn, expires=ago(6 * YEAR) + 3 * YEAR, withdrawn=ago(4 * YEAR)
        )
        in_force = add_consent(conn, expires=NOW + YEAR)

    deleted = apply_rules(consents_db, "consents", rules_for("consents"), NOW)

    assert deleted["consent_history"] == 2
    with consents_db.connect() as conn:
        left = set(conn.execute(select(consents.c.id)).scalars())
    assert left == {expired_recently, withdrawn_recently, in_force}
    assert expired_long_ago not in left and withdrawn_long_ago not in left
    assert count(consents_db, consent_withdrawals) == 1
    assert count(consents_db, consent_expiries) == 1
