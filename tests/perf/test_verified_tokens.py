"""A service verifies a token's signature once and remembers it until the token expires, with
no way for another token to ride on a remembered one; JSON bodies by orjson are the bytes the
standard library wrote."""

from __future__ import annotations

import base64
import decimal
import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from kit import auth
from kit.web import ServiceFlask
from tests.tokens import TokenIssuer


class CountingVerifier(auth.TokenVerifier):
    checked = 0

    def verify_claims(self, token):
        self.checked += 1
        return super().verify_claims(token)


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer()


def _verifier(issuer: TokenIssuer) -> CountingVerifier:
    return CountingVerifier(issuer.issuer, issuer.audience, auth.StaticKeys(issuer.jwks))


def test_a_token_seen_before_is_not_verified_again_until_it_expires(issuer):
    verifier = _verifier(issuer)
    token = issuer.citizen("anna", "0101801234")
    first = verifier.verify(token)
    assert verifier.verify(token) == first
    assert verifier.checked == 1


def test_a_remembered_token_is_verified_again_once_it_has_expired(issuer):
    now = [1_000.0]
    verifier = _verifier(issuer)
    verifier._verified = auth.VerifiedTokens(clock=lambda: now[0])
    token = issuer.citizen("anna", "0101801234")
    exp = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["exp"]
    verifier.verify(token)
    now[0] = exp - 1
    verifier.verify(token)
    assert verifier.checked == 1
    now[0] = exp
    verifier.verify(token)
    assert verifier.checked == 2


def test_other_claims_under_a_remembered_signature_are_refused(issuer):
    verifier = _verifier(issuer)
    token = issuer.citizen("anna", "0101801234")
    verifier.verify(token)
    header, _, signature = token.split(".")
    forged_claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    forged_claims["sub"] = "someone-else"
    payload = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=").decode()
    with pytest.raises(auth.Unauthenticated):
        verifier.verify(f"{header}.{payload}.{signature}")


def test_a_refused_token_is_refused_every_time(issuer):
    verifier = _verifier(issuer)
    stranger = TokenIssuer().citizen("anna", "0101801234")  # signed by another key
    for _ in range(2):
        with pytest.raises(auth.Unauthenticated):
            verifier.verify(stranger)
    assert verifier.checked == 2


def test_the_memory_of_tokens_is_bounded():
    held = auth.VerifiedTokens(max_tokens=3, clock=lambda: 0.0)
    principal = auth.Principal(subject="x", kind="citizen", channel="portal")
    for n in range(10):
        held.put(f"t{n}", principal, 60)
    assert len(held._held) <= 3
    assert held.get("t9") == principal


@pytest.mark.parametrize(
    "value",
    [
        {"at": datetime(2026, 1, 1, tzinfo=UTC), "day": date(2026, 1, 2)},
        {"at": datetime(2026, 3, 29, 1, 2, 3, 456, tzinfo=timezone(timedelta(hours=2)))},
        {"naive": datetime(2026, 1, 1, 12, 0)},
        {"id": uuid.UUID(int=7), 1: "int key", "amount": decimal.Decimal("1.50")},
        {"text": "Ansøgning om hjælpemidler \u2028 </script>", "n": 1.0, "t": (1, 2)},
        {"big": 2**70},
        [],
    ],
)
def test_json_bodies_are_the_bytes_the_standard_library_wrote(value):
    app = ServiceFlask("test")
    with app.app_context():
        body = app.json.response(value).get_data()
        assert body == app.json.dumps(value, separators=(",", ":")).encode() + b"\n"
