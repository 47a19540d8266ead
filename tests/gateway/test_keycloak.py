"""The gateway against a real, independent OpenID provider: Keycloak 26 (infra/keycloak.sh),
with the realm in infra/keycloak/: login, claims, refresh, logout and client credentials."""

from __future__ import annotations

import html
import os
import re
import time
from urllib.parse import urljoin

import pytest
import requests
from requests.cookies import RequestsCookieJar

from tests.conftest import _missing
from tests.harness.gateway_stack import build_stack

pytestmark = pytest.mark.keycloak

ANNA = "5f0d3b8e-6a5c-4e55-9b1a-2c1e0a7d0001"


class LoopbackCookieJar(RequestsCookieJar):
    """Keycloak marks its cookies Secure even on http://; browsers send them to loopback,
    Python's cookie jar does not. This jar behaves like the browser here."""

    def set_cookie(self, cookie, *args, **kwargs):
        if cookie.domain.lstrip(".") in ("127.0.0.1", "localhost", "127.0.0.1.local"):
            cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


def browser() -> requests.Session:
    session = requests.Session()
    session.cookies = LoopbackCookieJar()
    return session


@pytest.fixture(scope="session")
def keycloak() -> str:
    issuer = os.environ.get("SB_TEST_KEYCLOAK_ISSUER", "")
    if not issuer:
        _missing("Keycloak (SB_TEST_KEYCLOAK_ISSUER)")
    return issuer


@pytest.fixture
def stack(tmp_path, monkeypatch, keycloak):
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path / "var"))
    yield from build_stack(
        tmp_path,
        None,
        {"client_id": "selvbetjening-gateway", "client_secret": "gateway-secret"},
        external_idp=keycloak,
    )


def login(
    stack, session: requests.Session, username: str, password: str = "test", channel: str = "portal"
) -> requests.Response:
    start = session.get(f"{stack.gateway}/auth/login?channel={channel}", allow_redirects=False)
    page = session.get(start.headers["Location"])
    form = re.search(r'<form\b[^>]*\bid="kc-form-login"[^>]*\baction="([^"]+)"', page.text)
    assert form, page.text[:500]
    answer = session.post(
        html.unescape(form.group(1)),
        allow_redirects=False,
        data={"username": username, "password": password, "credentialId": ""},
    )
    assert answer.status_code == 302, answer.text[:300]
    callback = urljoin(page.url, answer.headers["Location"])
    assert callback.startswith(stack.gateway + "/auth/callback")
    return session.get(callback, allow_redirects=False)


def csrf(stack, session) -> dict[str, str]:
    return {"X-CSRF-Token": session.get(f"{stack.gateway}/auth/session").json()["csrf_token"]}


def test_a_citizen_logs_in_at_keycloak_with_nemlogin_claims_and_applies(stack):
    anna = browser()
    assert login(stack, anna, "borger-anna").status_code == 302
    me = anna.get(f"{stack.gateway}/auth/session").json()
    assert me["kind"] == "citizen" and me["subject"] == ANNA
    assert me["assurance"] == "Substantial"
    created = anna.post(
        f"{stack.gateway}/api/applications",
        json={"type": "hjaelpemidler"},
        headers=csrf(stack, anna),
    )
    assert created.status_code == 201, created.text
    assert created.json()["citizen_id"] == ANNA


def test_a_wrong_password_does_not_log_in(stack):
    session = browser()
    start = session.get(f"{stack.gateway}/auth/login", allow_redirects=False)
    page = session.get(start.headers["Location"])
    action = re.search(r'id="kc-form-login"[^>]*\baction="([^"]+)"', page.text).group(1)
    answer = session.post(
        html.unescape(action),
        allow_redirects=False,
        data={"username": "borger-anna", "password": "wrong"},
    )
    assert answer.status_code == 200 and "kc-form-login" in answer.text
    assert session.get(f"{stack.gateway}/auth/session").status_code == 401


def test_low_assurance_at_keycloak_is_refused_for_applying(stack):
    bent = browser()
    login(stack, bent, "borger-bent")
    refused = bent.post(
        f"{stack.gateway}/api/applications",
        json={"type": "hjaelpemidler"},
        headers=csrf(stack, bent),
    )
    assert refused.status_code == 403 and refused.json()["code"] == "auth.assurance_too_low"


def test_staff_get_their_roles_from_keycloak(stack):
    dorte = browser()
    login(stack, dorte, "sagsbehandler-dorte", channel="tablet")
    me = dorte.get(f"{stack.gateway}/auth/session").json()
    assert me["kind"] == "staff" and me["roles"] == ["caseworker"]
    assert me["channel"] == "tablet"


def _expire_provider_token(stack, session_cookie: str) -> dict:
    """Make the gateway believe the provider's access token has expired."""
    from gateway import store

    sessions = stack.app.extensions["sessions"]
    with stack.engine.begin() as conn:
        row = store.get_session(conn, store.hash_session_id(session_cookie))
        tokens = sessions.box.open(row["tokens"])
        tokens["expires_at"] = 0
        store.touch_session(conn, row["id_hash"], tokens=sessions.box.seal(tokens))
    return tokens


def _admin_token(keycloak: str) -> str:
    base = keycloak.split("/realms/")[0]
    return requests.post(
        f"{base}/realms/master/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": "admin",
            "password": "admin",
        },
        timeout=10,
    ).json()["access_token"]


def test_the_gateway_refreshes_at_keycloak_and_a_logout_there_ends_the_session(stack, keycloak):
    anna = browser()
    login(stack, anna, "borger-anna")
    cookie = anna.cookies.get("sb_session")
    before = _expire_provider_token(stack, cookie)
    assert anna.get(f"{stack.gateway}/api/applications").status_code == 200
    from gateway import store

    with stack.engine.connect() as conn:
        row = store.get_session(conn, store.hash_session_id(cookie))
    after = stack.app.extensions["sessions"].box.open(row["tokens"])
    assert after["access_token"] != before["access_token"]  # refreshed at Keycloak
    assert after["expires_at"] > time.time()

    # An administrator logs Anna out at the provider; the next refresh fails here.
    base = keycloak.split("/realms/")[0]
    headers = {"Authorization": f"Bearer {_admin_token(keycloak)}"}
    user = requests.get(
        f"{base}/admin/realms/selvbetjening/users?username=borger-anna", headers=headers, timeout=10
    ).json()[0]
    requests.post(
        f"{base}/admin/realms/selvbetjening/users/{user['id']}/logout", headers=headers, timeout=10
    ).raise_for_status()
    _expire_provider_token(stack, cookie)
    ended = anna.get(f"{stack.gateway}/api/applications")
    assert ended.status_code == 401 and ended.json()["code"] == "auth.session_expired"


def test_logout_ends_the_session_at_keycloak_too(stack):
    anna = browser()
    login(stack, anna, "borger-anna")
    out = anna.post(f"{stack.gateway}/auth/logout", headers=csrf(stack, anna)).json()
    # The gateway ended Keycloak's session itself: the browser is sent nowhere with a token.
    assert out == {"logged_out": True, "provider_logout_url": None}
    # No single sign-on left at Keycloak: logging in again asks for the password.
    start = anna.get(f"{stack.gateway}/auth/login", allow_redirects=False)
    page = anna.get(start.headers["Location"], allow_redirects=False)
    assert page.status_code == 200 and "kc-form-login" in page.text


def test_a_case_system_uses_client_credentials_from_keycloak(stack, keycloak):
    token = requests.post(
        f"{keycloak}/protocol/openid-connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "fagsystem",
            "client_secret": "fagsystem-secret",
        },
        timeout=10,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    listed = requests.get(
        f"{stack.gateway}/api/applications?citizen_id={ANNA}", headers=headers, timeout=10
    )
    assert listed.status_code == 200, listed.text
    moved = requests.post(
        f"{stack.gateway}/api/applications/no-such-case/case-actions",
        json={"action": "start_review"},
        headers=headers,
        timeout=10,
    )
    assert moved.status_code == 404 and moved.json()["code"] == "application.not_found"
    # The gateway's own login client cannot be used as a machine (wrong audience/kind).
    wrong = requests.get(
        f"{stack.gateway}/api/applications?citizen_id={ANNA}",
        headers={"Authorization": "Bearer " + token[:-4] + "AAAA"},
        timeout=10,
    )
    assert wrong.status_code == 401
