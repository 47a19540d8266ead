"""The gateway end to end: browser login at a real OpenID provider (the mock `make run` uses),
the session, CSRF, access through to a service, the audit trail, rate limits and attacks."""

from __future__ import annotations

import base64
import json
import time

import pytest

from gateway.sessions import COOKIE
from services.applications.handlers import on_appointment_event
from tests.builders import make_visit_event
from tests.harness.clock import mid_window
from tests.harness.gateway_stack import ANNA, BENT, CARL, build_stack
from tests.harness.gateway_stack import create_mock_idp as mock_provider


def test_a_citizen_logs_in_and_applies_through_the_gateway(stack):
    anna = stack.browser()
    stack.login(anna, ANNA)
    cookie = next(c for c in anna.cookies if c.name == COOKIE)
    assert cookie.has_nonstandard_attr("HttpOnly")
    me = anna.get(f"{stack.gateway}/auth/session").json()
    assert me["kind"] == "citizen" and me["subject"] == ANNA and me["name"] == "Anna Andersen"
    assert "cpr" not in json.dumps(me).lower()  # the browser never sees the CPR number

    created = anna.post(
        f"{stack.gateway}/api/applications",
        json={"type": "enkeltudgifter"},
        headers=stack.csrf(anna),
    )
    assert created.status_code == 201, created.text
    assert created.json()["citizen_id"] == ANNA and created.json()["channel"] == "portal"
    assert "X-Data-Subjects" not in created.headers  # internal, stripped by the gateway
    mine = anna.get(f"{stack.gateway}/api/applications").json()
    assert [a["id"] for a in mine] == [created.json()["id"]]


def test_a_citizen_below_the_required_assurance_is_told_to_log_in_with_mitid(stack):
    bent = stack.browser()
    stack.login(bent, BENT)
    refused = bent.post(
        f"{stack.gateway}/api/applications",
        json={"type": "enkeltudgifter"},
        headers=stack.csrf(bent),
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "auth.assurance_too_low"
    assert "MitID" in refused.json()["detail"]


def test_citizen_a_asking_for_citizen_bs_application_by_id_gets_nothing(stack):
    anna, carl, bent = stack.browser(), stack.browser(), stack.browser()
    stack.login(anna, ANNA)
    stack.login(carl, CARL)
    stack.login(bent, BENT)
    app_id = anna.post(
        f"{stack.gateway}/api/applications",
        json={"type": "enkeltudgifter"},
        headers=stack.csrf(anna),
    ).json()["id"]
    for path in ("", "/checks", "/history", "/documents"):
        response = carl.get(f"{stack.gateway}/api/applications/{app_id}{path}")
        assert response.status_code == 404, path
    assert carl.get(f"{stack.gateway}/api/applications?citizen_id={ANNA}").status_code == 404
    # Case data is read at the assurance level it is written with.
    low = bent.get(f"{stack.gateway}/api/applications/{app_id}")
    assert low.status_code == 403 and low.json()["code"] == "auth.assurance_too_low"


def test_a_login_callback_made_in_another_browser_logs_nobody_in(stack):
    attacker, victim = stack.browser(), stack.browser()
    start = attacker.get(f"{stack.gateway}/auth/login", allow_redirects=False)
    authorize = start.headers["Location"]
    picked = attacker.post(authorize, data={"sub": BENT}, allow_redirects=False)
    callback = picked.headers["Location"]  # the attacker's own, unused callback link
    lured = victim.get(
        callback if callback.startswith("http") else stack.gateway + callback, allow_redirects=False
    )
    assert lured.status_code == 401
    assert lured.json()["code"] == "auth.login_not_from_this_browser"
    assert victim.get(f"{stack.gateway}/auth/session").status_code == 401


def test_paths_outside_the_service_api_cannot_be_reached_through_the_gateway(stack):
    anna = stack.browser()
    stack.login(anna, ANNA)
    for path in (
        "/api/applications/..%2f..%2fmetrics",
        "/api/applications/%2e%2e/readyz",
        "/api/applications/x/..%2F..%2F..%2Fhealthz",
    ):
        response = anna.get(stack.gateway + path)
        assert response.status_code == 404, path
        assert "sb_http_requests_total" not in response.text


def test_a_change_without_the_csrf_token_or_from_another_origin_is_refused(stack):
    anna = stack.browser()
    stack.login(anna, ANNA)
    url = f"{stack.gateway}/api/applications"
    missing = anna.post(url, json={"type": "enkeltudgifter"})
    assert missing.status_code == 403 and missing.json()["code"] == "auth.csrf_failed"
    forged = anna.post(
        url,
        json={"type": "enkeltudgifter"},
        headers={**stack.csrf(anna), "Origin": "https://evil.example"},
    )
    assert forged.status_code == 403 and forged.json()["code"] == "auth.csrf_failed"
    assert anna.get(url).json() == []  # nothing was created


def test_a_replayed_login_callback_is_refused(stack):
    first = stack.browser()
    callback = stack.login(first, ANNA)
    attacker = stack.browser()
    replay = attacker.get(callback, allow_redirects=False)
    assert replay.status_code == 401 and replay.json()["code"] == "auth.invalid_state"
    assert attacker.get(f"{stack.gateway}/auth/session").status_code == 401
    forged = attacker.get(
        f"{stack.gateway}/auth/callback?state=made-up&code=x", allow_redirects=False
    )
    assert forged.json()["code"] == "auth.invalid_state"


def test_logout_ends_the_session_here_and_at_the_provider(stack):
    anna = stack.browser()
    stack.login(anna, ANNA)
    headers = stack.csrf(anna)
    assert anna.post(f"{stack.gateway}/auth/logout").status_code == 403  # CSRF applies too
    out = anna.post(f"{stack.gateway}/auth/logout", headers=headers).json()
    assert out["logged_out"] is True
    # The provider's session is ended by the gateway itself: no ID token for the browser.
    assert out["provider_logout_url"] is None
    assert anna.get(f"{stack.gateway}/auth/session").status_code == 401
    assert anna.get(f"{stack.gateway}/api/applications").status_code == 401


def test_a_stolen_cookie_value_is_useless_after_logout(stack):
    anna = stack.browser()
    stack.login(anna, ANNA)
    stolen = anna.cookies.get(COOKIE)
    anna.post(f"{stack.gateway}/auth/logout", headers=stack.csrf(anna))
    thief = stack.browser()
    thief.cookies.set(COOKIE, stolen)
    assert thief.get(f"{stack.gateway}/api/applications").status_code == 401


def test_the_audit_trail_shows_the_citizen_who_looked_at_their_data(stack):
    anna, dorte, frida = stack.browser(), stack.browser(), stack.browser()
    stack.login(anna, ANNA)
    stack.login(dorte, "sagsbehandler-dorte", channel="tablet")
    stack.login(frida, "auditor-frida")
    app_id = anna.post(
        f"{stack.gateway}/api/applications",
        json={"type": "enkeltudgifter"},
        headers=stack.csrf(anna),
    ).json()["id"]
    # Staff see a citizen through a relation only: Dorte visits Anna today.
    with stack.app.config["APPLICATIONS_ENGINE"].begin() as conn:
        on_appointment_event(conn, make_visit_event("sagsbehandler-dorte", ANNA))
    listed = dorte.get(f"{stack.gateway}/api/applications?citizen_id={ANNA}")
    assert [a["id"] for a in listed.json()] == [app_id]

    log = anna.get(f"{stack.gateway}/api/me/access-log").json()
    assert [(e["actor_id"], e["actor_type"], e["action"], e["channel"]) for e in log] == [
        ("sagsbehandler-dorte", "staff", "read", "tablet")
    ]
    searched = frida.get(f"{stack.gateway}/api/audit?citizen_id={ANNA}").json()
    assert {(e["actor_id"], e["action"]) for e in searched} >= {
        (ANNA, "write"),
        ("sagsbehandler-dorte", "read"),
    }
    refused = dorte.get(f"{stack.gateway}/api/audit?citizen_id={ANNA}")
    assert refused.status_code == 403 and refused.json()["code"] == "auth.missing_role"
    # The auditor's search is itself audited.
    assert ("auditor-frida", "read") in {
        (e["actor_id"], e["action"]) for e in anna.get(f"{stack.gateway}/api/me/access-log").json()
    }


def test_pages_carry_security_headers(stack):
    browser = stack.browser()
    page = browser.get(f"{stack.gateway}/")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "max-age=" in page.headers["Strict-Transport-Security"]


@pytest.fixture
def tight_stack(tmp_path, monkeypatch):
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path / "var"))
    yield from build_stack(
        tmp_path,
        lambda _url: mock_provider(),
        {"rate_limit_citizen": "3/minute", "session_idle_s": 2},
    )


def test_rate_limits_apply_per_citizen(tight_stack):
    anna, other = tight_stack.browser(), tight_stack.browser()
    tight_stack.login(anna, ANNA)
    tight_stack.login(other, "6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0003")
    tight_stack.app.extensions["rate_windows"].clock = mid_window()  # no minute turns over
    statuses = [anna.get(f"{tight_stack.gateway}/api/applications").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = anna.get(f"{tight_stack.gateway}/api/applications")
    assert limited.json()["code"] == "request.rate_limited"
    assert other.get(f"{tight_stack.gateway}/api/applications").status_code == 200


def test_an_idle_session_times_out(tight_stack):
    anna = tight_stack.browser()
    tight_stack.login(anna, ANNA)
    assert anna.get(f"{tight_stack.gateway}/auth/session").status_code == 200
    time.sleep(2.5)
    expired = anna.get(f"{tight_stack.gateway}/auth/session")
    assert expired.status_code == 401


# -- machines -------------------------------------------------------------------------------


def test_a_case_system_with_the_right_scope_moves_a_case(machine_stack):
    stack, issuer = machine_stack.stack, machine_stack.issuer
    token = issuer.machine("fagsystem", ["applications:case"])
    response = _as_machine(
        stack,
        token,
        "POST",
        "/api/applications/unknown-id/case-actions",
        {"action": "start_review"},
    )
    # Authenticated and authorised at the gateway; the service says the case does not exist.
    assert response.status_code == 404 and response.json()["code"] == "application.not_found"
    reader = issuer.machine("statistik", ["applications:read"])
    refused = _as_machine(
        stack,
        reader,
        "POST",
        "/api/applications/unknown-id/case-actions",
        {"action": "start_review"},
    )
    assert refused.status_code == 403 and refused.json()["code"] == "auth.missing_scope"


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = "applications:case applications:read everything"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _unsigned(token: str) -> str:
    _, payload, _ = token.split(".")
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    return f"{header}.{payload}."


@pytest.mark.parametrize(
    "attack",
    [
        "other_audience",
        "tampered",
        "unsigned",
        "expired",
        "other_issuer",
        "foreign_key",
        "garbage",
        "person",
        "login_client",
    ],
)
def test_forged_or_misdirected_machine_tokens_are_refused(machine_stack, attack):
    from tests.tokens import TokenIssuer

    stack, issuer = machine_stack.stack, machine_stack.issuer
    good = issuer.machine("fagsystem", ["applications:case"])
    token = {
        "other_audience": issuer.token(
            "fagsystem", aud="another-api", scope="applications:case", azp="fagsystem"
        ),
        "tampered": _tamper(good),
        "unsigned": _unsigned(good),
        "expired": issuer.token("fagsystem", expires_in=-120, scope="applications:case"),
        "other_issuer": TokenIssuer(issuer=issuer.issuer + "/evil").machine(
            "fagsystem", ["applications:case"]
        ),
        "foreign_key": TokenIssuer(issuer=issuer.issuer).machine(
            "fagsystem", ["applications:case"]
        ),
        "garbage": "not.a.jwt",
        "person": issuer.token(
            "anna", **{"https://data.gov.dk/model/core/eid/cprNumber": "0101801234"}
        ),
        # A staff member's access token from our own login client is not a machine's.
        "login_client": issuer.token(
            "dorte", azp="selvbetjening-gateway", scope="applications:case"
        ),
    }[attack]
    response = _as_machine(stack, token, "GET", "/api/applications?citizen_id=x")
    assert response.status_code == 401, (attack, response.text)
    assert response.json()["code"].startswith("auth.")


def _as_machine(stack, token, method, path, body=None):
    import requests

    return requests.request(
        method,
        f"{stack.gateway}{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_a_relative_acts_through_the_gateway_only_while_the_power_of_attorney_is_valid(stack):
    from datetime import UTC, datetime, timedelta

    from kit.events import Actor, Event, decode_event, encode_event
    from schemas.events.consents import PROXY_GRANTED, PROXY_REVOKED
    from services.applications.handlers import on_consent_event

    anna, carl = stack.browser(), stack.browser()
    stack.login(anna, ANNA)
    stack.login(carl, CARL)
    app_id = anna.post(
        f"{stack.gateway}/api/applications",
        json={"type": "enkeltudgifter"},
        headers=stack.csrf(anna),
    ).json()["id"]
    engine = stack.app.config["APPLICATIONS_ENGINE"]

    def deliver(event_type, **data):
        event = Event(
            type=event_type,
            source="/services/consents",
            subject=ANNA,
            data={"citizen_id": ANNA, "agent_id": CARL, **data},
            actor=Actor(ANNA, "citizen", "portal"),
        )
        with engine.begin() as conn:
            on_consent_event(conn, decode_event(encode_event(event)))

    now = datetime.now(UTC)
    deliver(
        PROXY_GRANTED,
        proxy_id="p-1",
        kind="power_of_attorney",
        scopes=["applications.read"],
        valid_from=(now - timedelta(days=2)).isoformat(),
        valid_until=(now - timedelta(days=1)).isoformat(),
    )  # already expired
    url = f"{stack.gateway}/api/applications/{app_id}"
    assert carl.get(url).status_code == 404
    deliver(
        PROXY_GRANTED,
        proxy_id="p-2",
        kind="power_of_attorney",
        scopes=["applications.read"],
        valid_from=(now - timedelta(days=1)).isoformat(),
        valid_until=(now + timedelta(days=30)).isoformat(),
    )
    assert carl.get(url).status_code == 200
    # Anna sees that her relative looked at her application.
    assert (CARL, "read") in {
        (e["actor_id"], e["action"]) for e in anna.get(f"{stack.gateway}/api/me/access-log").json()
    }
    deliver(PROXY_REVOKED, proxy_id="p-2", revoked_at=now.isoformat(), revoked_by=ANNA)
    assert carl.get(url).status_code == 404


@pytest.mark.parametrize(
    ("asked", "landed"),
    [
        ("/mine-sager/", "/mine-sager/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/auth/logout", "/"),
    ],
)
def test_login_returns_only_to_a_page_on_this_site(stack, asked, landed):
    browser = stack.browser()
    start = browser.get(
        f"{stack.gateway}/auth/login", params={"next": asked}, allow_redirects=False
    )
    picked = browser.post(start.headers["Location"], data={"sub": ANNA}, allow_redirects=False)
    done = browser.get(picked.headers["Location"], allow_redirects=False)
    assert done.status_code == 302 and done.headers["Location"] == landed


def test_a_service_accepts_only_internal_tokens_minted_for_it(stack):
    import requests

    minter = stack.app.extensions["minter"]
    claims = {"sub": ANNA, "kind": "citizen", "loa": "Substantial", "channel": "portal"}
    url = f"{stack.applications}/api/applications"
    own = minter.mint(claims, audience="selvbetjening/applications")
    assert (
        requests.get(url, headers={"Authorization": f"Bearer {own}"}, timeout=10).status_code == 200
    )
    for_consents = minter.mint(claims, audience="selvbetjening/consents")
    refused = requests.get(url, headers={"Authorization": f"Bearer {for_consents}"}, timeout=10)
    assert refused.status_code == 401 and refused.json()["code"] == "auth.token_invalid"
    # And a bare header claiming an identity is nothing without a signature.
    assert requests.get(url, headers={"X-User": ANNA}, timeout=10).status_code == 401
