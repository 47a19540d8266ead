"""Confirming with the consents service a proxy's authority before a write made under it,
and a consent before (and after) data is fetched under it.

The applications service knows proxies and consents from the consents service's events (a
local view). Reads may use that view; a write under a proxy and a fetch under a consent are
confirmed with the consents register itself, so a revocation or a withdrawal bites at once,
whatever the consumer's lag (docs/decisions/0013-proxy-writes-confirmed.md,
0018-consent-fetches-confirmed.md). The consents service never calls this service, so the call
cannot close a wait cycle; it has a short time-out, and when it fails the write or fetch is
refused (fail closed).
"""

from __future__ import annotations

import abc
import json
import logging
import os
from typing import Any
from urllib.parse import urlencode

import urllib3

from kit.auth import current_token
from kit.errors import Problem
from kit.replicas import Replicas

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


class ConsentNotConfirmed(Problem):
    status = 403
    code = "application.consent_not_confirmed"
    title_da = "Samtykket gælder ikke længere, så vi henter ikke oplysningerne"
    title_en = "The consent is no longer in force, so we do not fetch the information"


class ConsentRegisterUnavailable(Problem):
    status = 503
    code = "application.consent_register_unavailable"
    title_da = "Vi kan ikke bekræfte samtykket lige nu, så intet er hentet. Prøv igen om lidt"
    title_en = "We cannot confirm the consent right now, so nothing was fetched. Try again shortly"


class ProxyAuthority(abc.ABC):
    """The consents register, asked about the caller's proxies and the citizen's consents."""

    @abc.abstractmethod
    def confirm(self, citizen_id: str, scope: str) -> None:
        """Return if the caller may act for `citizen_id` with `scope` now; raise otherwise."""

    @abc.abstractmethod
    def confirm_consent(
        self, question: dict[str, Any], refused: type[Problem] = ConsentNotConfirmed
    ) -> str | None:
        """The id of the consent in force now that covers `question` (citizen_id, purpose,
        case_ref, data_categories, source), or None when only the local view is trusted;
        raise `refused` when the register says no, ConsentRegisterUnavailable when it is
        silent."""


class LocalViewOnly(ProxyAuthority):
    """Trust the event-fed view alone: for tests of other rules and for a service run
    without a consents service (SB_UPSTREAM_CONSENTS unset). Never in a deployment."""

    def confirm(self, citizen_id: str, scope: str) -> None:
        return None

    def confirm_consent(
        self, question: dict[str, Any], refused: type[Problem] = ConsentNotConfirmed
    ) -> str | None:
        return None


class ConsentsAuthority(ProxyAuthority):
    """Ask the consents service's /internal/proxy-authority and /internal/consent-checks, with
    the caller's own token."""

    def __init__(self, base_url: str, timeout_s: float = 2.0) -> None:
        # One URL, or the consents service's replicas' (kit.replicas): a replica that is down
        # is passed over.
        self.replicas = Replicas.parse(base_url)
        self.timeout = urllib3.Timeout(connect=timeout_s, read=timeout_s)

    def _ask(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict:
        response = self.replicas.request(
            method,
            path,
            body=json.dumps(body).encode() if body is not None else None,
            headers={
                "Authorization": f"Bearer {current_token()}",
                "Content-Type": "application/json",
            },
            timeout=self.timeout,
        )
        if response.status >= 400:
            raise ValueError(f"the consents service answered {response.status}")
        return dict(response.json())

    def confirm(self, citizen_id: str, scope: str) -> None:
        query = urlencode({"citizen_id": citizen_id, "scope": scope})
        try:
            answer = self._ask("GET", f"/internal/proxy-authority?{query}")
        except (urllib3.exceptions.HTTPError, ValueError) as exc:
            log.warning("proxy authority unavailable: %s", type(exc).__name__)
            raise AuthorityUnavailable() from None
        if answer.get("authorised") is not True:
            raise ProxyNotConfirmed(extra={"reason": answer.get("code")})

    def confirm_consent(
        self, question: dict[str, Any], refused: type[Problem] = ConsentNotConfirmed
    ) -> str | None:
        try:
            answer = self._ask("POST", "/internal/consent-checks", question)
        except (urllib3.exceptions.HTTPError, ValueError) as exc:
            log.warning("consent register unavailable: %s", type(exc).__name__)
            raise ConsentRegisterUnavailable() from None
        if answer.get("allowed") is not True or not answer.get("consent_id"):
            raise refused(extra={"reason": answer.get("reason")})
        return str(answer["consent_id"])


def authority_from_env() -> ProxyAuthority:
    url = os.environ.get("SB_UPSTREAM_CONSENTS", "")
    if not url:
        log.warning(
            "SB_UPSTREAM_CONSENTS unset: proxy writes and consent fetches trust the local view"
        )
        return LocalViewOnly()
    return ConsentsAuthority(url)
