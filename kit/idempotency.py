"""Idempotency-Key: a retried request (a tablet on bad wifi) gets the first answer again.

A use case claims (caller, key) in its own transaction (see the services' stores), so two
simultaneous retries do the work once; the request's hash tells a retry from a reuse.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kit.auth import Principal
from kit.errors import Problem


class IdempotencyKeyReused(Problem):
    status = 422
    code = "request.idempotency_key_reused"
    title_da = "Idempotency-Key er brugt til en anden forespørgsel"
    title_en = "The Idempotency-Key was used for a different request"


@dataclass(frozen=True)
class Idempotency:
    caller: str
    key: str
    request_hash: str

    @classmethod
    def of(
        cls, principal: Principal, key: str | None, operation: str, body: bytes
    ) -> Idempotency | None:
        if not key:
            return None
        if len(key) > 200:
            raise Problem(
                detail_en="Idempotency-Key is longer than 200 characters",
                code="request.idempotency_key_invalid",
                status=422,
                field="Idempotency-Key",
            )
        digest = hashlib.sha256(operation.encode() + b"\0" + body).hexdigest()
        # The caller's kind is part of it: a person and a client never share keys.
        return cls(f"{principal.kind}:{principal.subject}", key, digest)
