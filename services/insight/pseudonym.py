"""Keyed pseudonyms: the same id gives the same pseudonym within one export, and nothing that
leads back to the person without the export's key (HMAC-SHA256, RFC 2104)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_key() -> str:
    return secrets.token_hex(32)


class Pseudonymiser:
    def __init__(self, key_hex: str) -> None:
        self._key = bytes.fromhex(key_hex)

    def __call__(self, kind: str, value: str) -> str:
        digest = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kind[:3]}-{digest[:20]}"
