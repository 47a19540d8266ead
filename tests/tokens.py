"""A test token issuer: real RSA keys and signed JWTs shaped like the gateway's internal
tokens, so services verify tokens for real."""

from __future__ import annotations

import time
import uuid
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from kit.auth import INTERNAL_CLAIMS, TokenVerifier
from kit.keys import StaticKeys

ISSUER = "https://idp.test.local/realms/selvbetjening"
AUDIENCE = "selvbetjening"
CLAIMS = INTERNAL_CLAIMS


class TokenIssuer:
    def __init__(self, issuer: str = ISSUER, audience: str = AUDIENCE) -> None:
        self.issuer = issuer
        self.audience = audience
        self.key = RSAKey.generate_key(2048, parameters={"kid": uuid.uuid4().hex[:8]}, private=True)

    @property
    def jwks(self) -> dict[str, Any]:
        return KeySet([self.key]).as_dict(private=False)

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.issuer, self.audience, StaticKeys(self.jwks))

    def token(self, subject: str | None = None, *, expires_in: int = 300, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject or str(uuid.uuid4()),
            "iat": now,
            "nbf": now,
            "exp": now + expires_in,
        }
        body.update(claims)
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, body, self.key)

    def citizen(
        self, person_id: str, cpr: str, assurance: str = "Substantial", **claims: Any
    ) -> str:
        return self.token(person_id, **{CLAIMS.cpr: cpr, CLAIMS.assurance: assurance, **claims})

    def staff(self, staff_id: str, roles: list[str], **claims: Any) -> str:
        return self.token(staff_id, **{CLAIMS.roles: roles, **claims})

    def machine(self, client_id: str, scopes: list[str], **claims: Any) -> str:
        return self.token(client_id, scope=" ".join(scopes), azp=client_id, **claims)
