"""The consent and proxy rules, without I/O: lawfulness, the later-fact rule, checks, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.consents.domain import (
    ACTIVE,
    EXPIRED,
    SUPERSEDED,
    WITHDRAWN,
    ConsentExpiry,
    ConsentHistory,
    ConsentNotActive,
    InvalidConsent,
    Question,
)
from services.consents.proxies import (
    GUARDIANSHIP,
    InvalidProxy,
    NoAuthority,
    ProxyExpiry,
    ProxyRecord,
    Revocation,
    authority,
)
from tests.consents.builders import T0, make_consent, make_proxy, make_withdrawal

HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"data_categories": ()}, "consent.blanket_data"),
        ({"data_categories": ("alle",)}, "consent.blanket_data"),
        ({"sources": (), "recipients": ()}, "consent.blanket_sources"),
        ({"sources": ("*",)}, "consent.blanket_sources"),
        ({"purpose": "anything"}, "consent.unknown_purpose"),
        ({"data_categories": ("income",)}, "consent.not_in_text"),
        ({"recipients": ("insurance_company",)}, "consent.not_in_text"),
        ({"text_version": "9"}, "consent.unknown_text_version"),
        ({"expires_at": T0 - HOUR}, "consent.invalid_expiry"),
        ({"channel": "tablet"}, "consent.device_required"),
        ({"channel": "oral"}, "consent.note_required"),
        ({"given_at": T0 - HOUR, "channel": "portal"}, "consent.given_at_not_allowed"),
        ({"given_at": T0 + HOUR}, "consent.given_in_future"),
    ],
)
def test_an_unlawful_consent_is_refused_with_a_stable_code(overrides, code):
    with pytest.raises(InvalidConsent) as refused:
        make_consent(**overrides)
    assert refused.value.code == code


def test_a_consent_without_expiry_lasts_as_long_as_its_purpose_says():
    consent = make_consent()
    assert consent.expires_at == T0 + timedelta(days=365)


def test_a_device_clock_slightly_ahead_is_tolerated():
    assert make_consent(given_at=T0 + timedelta(minutes=2)).given_at > T0


def test_an_offline_consent_older_than_a_withdrawal_is_superseded_on_arrival():
    online = make_consent(now=T0)
    withdrawal = make_withdrawal(online, T0 + 2 * HOUR)
    history = ConsentHistory([online], [withdrawal])
    late = make_consent(now=T0 + 3 * HOUR, given_at=T0 + HOUR, case_ref=online.case_ref)
    arrival = history.arrival(late, T0 + 3 * HOUR)
    assert not arrival.in_force
    assert arrival.superseded_by == withdrawal.decision
    after = ConsentHistory([online, late], [withdrawal])
    assert after.status(late, T0 + 3 * HOUR).state == SUPERSEDED
    assert after.status(online, T0 + 3 * HOUR).state == WITHDRAWN


def test_an_offline_consent_given_after_the_withdrawal_wins():
    online = make_consent(now=T0)
    withdrawal = make_withdrawal(online, T0 + HOUR)
    late = make_consent(now=T0 + 3 * HOUR, given_at=T0 + 2 * HOUR, case_ref=online.case_ref)
    arrival = ConsentHistory([online], [withdrawal]).arrival(late, T0 + 3 * HOUR)
    assert arrival.in_force and arrival.supersedes is None


def test_a_newer_consent_replaces_the_one_in_force_and_an_older_one_does_not():
    first = make_consent(now=T0)
    newer = make_consent(now=T0 + HOUR, data_categories=("health",), case_ref=first.case_ref)
    history = ConsentHistory([first])
    assert history.arrival(newer, T0 + HOUR).supersedes == first
    older = make_consent(now=T0 + HOUR, given_at=T0 - HOUR, case_ref=first.case_ref)
    assert history.arrival(older, T0 + HOUR).superseded_by == first.decision


def test_at_equal_times_the_withdrawal_wins():
    online = make_consent(now=T0)
    withdrawal = make_withdrawal(online, T0 + HOUR)
    tie = make_consent(now=T0 + 2 * HOUR, given_at=T0 + HOUR, case_ref=online.case_ref)
    assert not ConsentHistory([online], [withdrawal]).arrival(tie, T0 + 2 * HOUR).in_force


def test_decisions_about_another_case_do_not_interfere():
    online = make_consent(now=T0, case_ref="case-a")
    withdrawal = make_withdrawal(online, T0 + 2 * HOUR)
    other = make_consent(now=T0 + 3 * HOUR, given_at=T0 + HOUR, case_ref="case-b")
    assert ConsentHistory([online], [withdrawal]).arrival(other, T0 + 3 * HOUR).in_force


def test_only_a_consent_in_force_can_be_withdrawn():
    consent = make_consent()
    history = ConsentHistory([consent], [make_withdrawal(consent, T0 + HOUR)])
    with pytest.raises(ConsentNotActive):
        history.withdraw(consent.id, withdrawal_id="w", withdrawn_by="x", now=T0 + 2 * HOUR)


def test_a_check_is_answered_from_the_state_now():
    consent = make_consent(expires_at=T0 + 10 * HOUR)
    history = ConsentHistory([consent])
    question = Question(
        consent.citizen_id,
        consent.purpose,
        ("health",),
        consent.case_ref,
        source="general_practitioner",
    )
    answer = history.answer(question, T0 + HOUR)
    assert answer.allowed and answer.consent == consent
    assert history.answer(question, T0 + 10 * HOUR).reason == EXPIRED
    withdrawn = ConsentHistory([consent], [make_withdrawal(consent, T0 + 2 * HOUR)])
    assert withdrawn.answer(question, T0 + 3 * HOUR).reason == WITHDRAWN


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"data_categories": ("health", "functional_ability")}, "data_not_covered"),
        ({"source": "hospital"}, "source_not_covered"),
        ({"case_ref": "another-case"}, "no_consent"),
        ({"purpose": "assistive_devices_application"}, "no_consent"),
    ],
)
def test_a_check_outside_what_the_consent_names_is_refused(change, reason):
    consent = make_consent()
    question = Question(
        **{
            "citizen_id": consent.citizen_id,
            "purpose": consent.purpose,
            "data_categories": ("health",),
            "case_ref": consent.case_ref,
            **change,
        }
    )
    answer = ConsentHistory([consent]).answer(question, T0 + HOUR)
    assert (answer.allowed, answer.reason) == (False, reason)


def test_due_for_expiry_skips_withdrawn_and_already_expired_and_flags_superseded():
    expiring = make_consent(case_ref="a", expires_at=T0 + HOUR)
    withdrawn = make_consent(case_ref="b", expires_at=T0 + HOUR)
    expired = make_consent(case_ref="c", expires_at=T0 + HOUR)
    replaced = make_consent(case_ref="d", expires_at=T0 + HOUR)
    newer = make_consent(now=T0 + timedelta(minutes=1), case_ref="d")
    history = ConsentHistory(
        [expiring, withdrawn, expired, replaced, newer],
        [make_withdrawal(withdrawn, T0 + timedelta(minutes=5))],
        [ConsentExpiry(expired.id, T0 + HOUR)],
    )
    due = history.due_for_expiry(T0 + 2 * HOUR)
    assert {(c.id, in_force) for c, in_force in due} == {(expiring.id, True), (replaced.id, False)}
    assert history.status(newer, T0 + 2 * HOUR).state == ACTIVE


def test_a_proxy_gives_authority_only_in_its_scope_and_period():
    proxy = make_proxy(valid_until=T0 + HOUR)
    records = [ProxyRecord(proxy)]
    assert authority(records, "agent-1", "citizen-1", "consents.give", T0) == proxy
    with pytest.raises(NoAuthority) as outside:
        authority(records, "agent-1", "citizen-1", "applications.write", T0)
    assert outside.value.code == "proxy.no_authority"
    with pytest.raises(NoAuthority) as expired:
        authority(records, "agent-1", "citizen-1", "consents.give", T0 + HOUR)
    assert expired.value.code == "proxy.authority_expired"
    with pytest.raises(NoAuthority):
        authority(
            [ProxyRecord(proxy, Revocation(proxy.id, T0, "citizen-1"))],
            "agent-1",
            "citizen-1",
            "consents.give",
            T0,
        )
    with pytest.raises(NoAuthority):
        authority(
            [ProxyRecord(proxy, expiry=ProxyExpiry(proxy.id, T0))],
            "agent-1",
            "citizen-1",
            "consents.give",
            T0,
        )


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"agent_id": "citizen-1"}, "proxy.self_grant"),
        ({"scopes": ("everything",)}, "proxy.invalid_scopes"),
        ({"scopes": ()}, "proxy.invalid_scopes"),
        ({"valid_until": None}, "proxy.end_required"),
        ({"valid_until": T0 - HOUR}, "proxy.invalid_period"),
        ({"kind": GUARDIANSHIP, "court_reference": " "}, "proxy.court_reference_required"),
    ],
)
def test_an_invalid_proxy_is_refused_with_a_stable_code(overrides, code):
    with pytest.raises(InvalidProxy) as refused:
        make_proxy(**overrides)
    assert refused.value.code == code


def test_a_guardianship_may_be_open_ended():
    proxy = make_proxy(kind=GUARDIANSHIP, valid_until=None, court_reference="BS-123/2026")
    assert ProxyRecord(proxy).status(T0 + timedelta(days=5000)) == "active"
