"""The gateway's signing key for the internal tokens it forwards to the services.

Browsers never see these tokens: the gateway turns a session (or a machine's validated access
token) into a token that lives 60 seconds, carries the caller's identity in one shape whatever
the identity provider, and is signed with this key. Services verify it against
/.well-known/jwks.json. The key is kept in var/ so restarts keep it; rotate by deleting it.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

INTERNAL_TOKEN_TTL_S = 60


class InternalTokenMinter:
    def __init__(self, key_path: Path, issuer: str, audience: str = "selvbetjening") -> None:
        self.issuer = issuer
        self.audience = audience
        self.key = self._load_or_create(key_path)
        self._cache: dict[str, tuple[str, int]] = {}

    @staticmethod
    def _load_or_create(path: Path) -> RSAKey:
        if path.exists():
            return RSAKey.import_key(json.loads(path.read_text()))
        path.parent.mkdir(parents=True, exist_ok=True)
        key = RSAKey.generate_key(2048, parameters={"kid": uuid.uuid4().hex[:12]}, private=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(key.as_dict(private=True)))
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # the first process to create it wins; others load it
        except FileExistsError:
            tmp.unlink()
            return RSAKey.import_key(json.loads(path.read_text()))
        tmp.unlink()
        return key

    def jwks(self) -> dict[str, Any]:
        return dict(KeySet([self.key]).as_dict(private=False))

    def mint(self, claims: dict[str, Any], audience: str | None = None) -> str:
        """A token for these claims; one minted in the last half of its life is reused, so
        a burst of requests from one caller costs one signature, not one each."""
        audience = audience or self.audience
        key = audience + json.dumps(claims, sort_keys=True)
        cached = self._cache.get(key)
        now = int(time.time())
        if cached and cached[1] - now > INTERNAL_TOKEN_TTL_S // 2:
            return cached[0]
        token = self._mint(claims, now, audience)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (token, now + INTERNAL_TOKEN_TTL_S)
        return token

    def _mint(self, claims: dict[str, Any], now: int, audience: str) -> str:
        body = {
            "iss": self.issuer,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + INTERNAL_TOKEN_TTL_S,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, body, self.key)
