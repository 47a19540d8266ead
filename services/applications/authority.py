"""Confirming a proxy's authority with the consents service before a write made under it.

The applications service knows proxies from the consents service's events (a local view).
Reads may use that view; a write under a proxy is confirmed with the consents service itself,
so a revocation bites at once, whatever the consumer's lag (docs/decisions/0013-proxy-writes-confirmed.md). The
consents service never calls this service, so the call cannot close a wait cycle; it has a
short time-out, and when it fails the write is refused (fail closed).
"""

from __future__ import annotations

import abc
import logging
import os

import requests

from kit.auth import current_token
from kit.errors import Problem

log = logging.getLogger(__name__)


class ProxyNotConfirmed(Problem):
    status = 403
    code = "application.proxy_not_confirmed"
    title_da = "Din fuldmagt gælder ikke længere"
    title_en = "Your power of attorney is no longer valid"


class AuthorityUnavailable(Problem):
    status = 503
    code = "application.authority_unavailable"
    title_da = "Vi kan ikke bekræfte din fuldmagt lige nu. Prøv igen om lidt"
    title_en = "We cannot confirm your power of attorney right now. Try again shortly"


class ProxyAuthority(abc.ABC):
    @abc.abstractmethod
    def confirm(self, citizen_id: str, scope: str) -> None:
        """Return if the caller may act for `citizen_id` with `scope` now; raise otherwise."""


class LocalViewOnly(ProxyAuthority):
    """Trust the event-fed view alone: for tests of other rules and for a service run
    without a consents service (SB_UPSTREAM_CONSENTS unset). Never in a deployment."""

    def confirm(self, citizen_id: str, scope: str) -> None:
        return None


class ConsentsAuthority(ProxyAuthority):
    """Ask the consents service's /internal/proxy-authority, with the caller's own token."""

    def __init__(self, base_url: str, timeout_s: float = 2.0) -> None:
        self.url = base_url.rstrip("/") + "/internal/proxy-authority"
        self.timeout_s = timeout_s

    def confirm(self, citizen_id: str, scope: str) -> None:
        try:
            response = requests.get(
                self.url,
                params={"citizen_id": citizen_id, "scope": scope},
                headers={"Authorization": f"Bearer {current_token()}"},
                timeout=self.timeout_s,
            )
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("proxy authority unavailable: %s", type(exc).__name__)
            raise AuthorityUnavailable() from None
        if answer.get("authorised") is not True:
            raise ProxyNotConfirmed(extra={"reason": answer.get("code")})


def authority_from_env() -> ProxyAuthority:
    url = os.environ.get("SB_UPSTREAM_CONSENTS", "")
    if not url:
        log.warning("SB_UPSTREAM_CONSENTS unset: proxy writes trust the local view alone")
        return LocalViewOnly()
    return ConsentsAuthority(url)
