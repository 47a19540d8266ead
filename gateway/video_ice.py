"""NAT traversal for video visits: the STUN/TURN servers a browser is given, with TURN
credentials minted per participant for coturn's use-auth-secret scheme."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any


def turn_credentials(secret: str, ttl_s: int, now: float, user: str) -> tuple[str, str]:
    """The TURN REST API scheme coturn checks with use-auth-secret: the username is
    "<expiry>:<id>" and the password base64(HMAC-SHA1(secret, username)). No personal data in
    the username: coturn logs it."""
    username = f"{int(now) + ttl_s}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


@dataclass(frozen=True)
class IceConfig:
    """STUN/TURN servers for the browsers; TURN credentials are minted per participant."""

    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str = field(default="", repr=False)
    ttl_s: int = 3600
    policy: str = "all"  # "relay": media only through TURN (hides the citizen's address)

    @classmethod
    def from_env(cls) -> IceConfig:
        def urls(name: str) -> tuple[str, ...]:
            return tuple(u.strip() for u in os.environ.get(name, "").split(",") if u.strip())

        return cls(
            stun_urls=urls("SB_STUN_URLS"),
            turn_urls=urls("SB_TURN_URLS"),
            turn_secret=os.environ.get("SB_TURN_SECRET", ""),
            ttl_s=int(os.environ.get("SB_TURN_TTL_S", "3600")),
            policy=os.environ.get("SB_VIDEO_ICE_POLICY", "all"),
        )

    def for_participant(self, now: float | None = None) -> dict[str, Any]:
        servers: list[dict[str, Any]] = []
        if self.stun_urls:
            servers.append({"urls": list(self.stun_urls)})
        if self.turn_urls and self.turn_secret:
            username, credential = turn_credentials(
                self.turn_secret,
                self.ttl_s,
                time.time() if now is None else now,
                secrets.token_hex(8),
            )
            servers.append(
                {"urls": list(self.turn_urls), "username": username, "credential": credential}
            )
        return {"iceServers": servers, "iceTransportPolicy": self.policy}
