"""Finding 7: no personal data in URLs. Whatever the platform sends a browser to (login,
callback, logout, the API's Location headers), and whatever the page's JavaScript receives
from /auth, carries no CPR-shaped value and no token; logout ends the provider's session from
the gateway, so the ID token never reaches the browser."""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin

import pytest

from tests.harness.gateway_stack import ANNA, build_stack

# A CPR number standing on its own: not ten digits inside a UUID's or a hash's hex run.
CPR = re.compile(r"(?<![0-9A-Za-z-])\d{6}-?\d{4}(?![0-9A-Za-z-])")
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.?[\w-]*")


def assert_clean(text: str | None, where: str) -> None:
    if not text:
        return
    text = unquote(text)
    assert not CPR.search(text), f"CPR-shaped value in {where}: {text[:200]}"
    assert not JWT.search(text), f"token in {where}: {text[:200]}"


@pytest.fixture
def stack(tmp_path, monkeypatch):
    from gateway.mock_idp import create_app as create_mock_idp

    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path / "var"))
    yield from build_stack(tmp_path, lambda _url: create_mock_idp(), {})


def test_no_url_or_auth_answer_carries_a_cpr_number_or_a_token(stack):
    browser = stack.browser()
    produced: list[tuple[str, str]] = []  # (where, url) of every URL the gateway hands out
    start = browser.get(f"{stack.gateway}/auth/login?next=/mine", allow_redirects=False)
    produced.append(("login redirect", start.headers["Location"]))
    picked = browser.post(start.headers["Location"], data={"sub": ANNA}, allow_redirects=False)
    done = browser.get(
        urljoin(start.headers["Location"], picked.headers["Location"]), allow_redirects=False
    )
    produced.append(("callback redirect", done.headers["Location"]))
    session = browser.get(f"{stack.gateway}/auth/session")
    assert_clean(session.text, "/auth/session")
    csrf = {"X-CSRF-Token": session.json()["csrf_token"]}
    created = browser.post(
        f"{stack.gateway}/api/applications", json={"type": "enkeltudgifter"}, headers=csrf
    )
    assert created.status_code == 201
    produced.append(("create Location", created.headers.get("Location", "")))
    assert_clean(browser.get(f"{stack.gateway}/api/applications").text, "my applications")
    out = browser.post(f"{stack.gateway}/auth/logout", headers=csrf)
    assert out.status_code == 200 and out.json()["logged_out"] is True
    assert_clean(out.text, "/auth/logout")
    produced.append(("provider logout", out.json().get("provider_logout_url") or ""))
    for where, url in produced:
        assert_clean(url, where)
    assert browser.get(f"{stack.gateway}/auth/session").status_code == 401
