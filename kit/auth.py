"""Who is calling: bearer-token verification every service does itself (defence in depth).

A service never trusts a bare header. Each API request carries the caller's access token
(the gateway passes it on); the service checks its signature against the issuer's keys, and
its issuer, audience, expiry and not-before, with an allow-list of algorithms, and maps its
claims to a Principal. The claim names are configuration; the defaults follow the attribute
names NemLog-in passes through an OpenID Connect broker.
"""

from __future__ import annotations

import abc
import json
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import requests
from flask import Flask, g, request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from kit.errors import Problem

ALLOWED_ALGORITHMS = ("RS256", "PS256", "ES256")
CITIZEN, STAFF, MACHINE = "citizen", "staff", "machine"
ASSURANCE_ORDER = {"low": 1, "substantial": 2, "high": 3}


class Unauthenticated(Problem):
    status = 401
    code = "auth.unauthenticated"
    title_da = "Du skal logge ind"
    title_en = "You must log in"


class Forbidden(Problem):
    status = 403
    code = "auth.forbidden"
    title_da = "Du har ikke adgang til dette"
    title_en = "You do not have access to this"


class AssuranceTooLow(Problem):
    status = 403
    code = "auth.assurance_too_low"
    title_da = "Log ind med MitID på et højere sikringsniveau"
    title_en = "Log in with MitID at a higher assurance level"


@dataclass(frozen=True)
class ClaimMapping:
    """Which claim holds what. The defaults are the NemLog-in attribute names as an OpenID
    Connect broker passes them on; the gateway reads them from the identity provider's tokens
    (configurable with SB_CLAIM_*), and mints internal tokens with INTERNAL_CLAIMS."""

    cpr: str = "https://data.gov.dk/model/core/eid/cprNumber"
    person_uuid: str = "https://data.gov.dk/model/core/eid/person/uuid"
    assurance: str = "https://data.gov.dk/concept/core/nsis/loa"
    name: str = "name"
    roles: str = "roles"

    @classmethod
    def from_env(cls) -> ClaimMapping:
        defaults = cls()
        return cls(
            **{
                name: os.environ.get(f"SB_CLAIM_{name.upper()}", getattr(defaults, name))
                for name in ("cpr", "person_uuid", "assurance", "name", "roles")
            }
        )


# The claims of the short-lived tokens the gateway mints for the services (kit.auth verifies).
INTERNAL_CLAIMS = ClaimMapping(
    cpr="cpr", person_uuid="sub", assurance="loa", name="name", roles="roles"
)


@dataclass(frozen=True)
class Principal:
    subject: str  # the person's UUID for people, the client id for machines; never a CPR
    kind: str  # citizen, staff or machine
    channel: str  # portal, tablet or integration
    cpr: str | None = field(default=None, repr=False)
    assurance: str | None = None
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    name: str | None = field(default=None, repr=False)

    def has_assurance(self, level: str) -> bool:
        return (
            ASSURANCE_ORDER.get((self.assurance or "").lower(), 0) >= ASSURANCE_ORDER[level.lower()]
        )


class KeySource(abc.ABC):
    @abc.abstractmethod
    def keys(self, refresh: bool = False) -> KeySet:
        """The issuer's public keys; `refresh` asks for them again (key rotation)."""


class StaticKeys(KeySource):
    def __init__(self, jwks: dict[str, Any]) -> None:
        self._keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]

    def keys(self, refresh: bool = False) -> KeySet:
        return self._keys


class KeysNotReady(Problem):
    status = 503
    code = "auth.keys_not_ready"
    title_da = "Tjenesten starter op. Prøv igen om et øjeblik"
    title_en = "The service is starting. Try again in a moment"


class RemoteJwks(KeySource):
    """The issuer's JWKS, held in memory and fetched by one background thread.

    A request never fetches: it reads the keys held, or is refused at once (KeysNotReady,
    503) while there are none yet, so a request can never wait on the issuer, which may itself
    be waiting on this process (the gateway forwards a request here and serves its JWKS from
    the same threads). The thread fetches at start, retries a failed fetch with a growing pause
    (a failure keeps the keys held), refreshes every `refresh_every_s`, and sooner when a token
    names an unknown key id (at most every `min_refresh_s`): one fetch at a time, always.
    Services report ready only once they hold keys (`check_ready`). `wait_s` lets a caller
    that cannot be part of a cycle (the gateway validating the provider's ID tokens) wait that
    long for a fetch under way.
    """

    def __init__(
        self,
        jwks_url: str,
        min_refresh_s: float = 10.0,
        refresh_every_s: float = 300.0,
        wait_s: float = 0.0,
        timeout_s: float = 5.0,
    ) -> None:
        self.jwks_url = jwks_url
        self.min_refresh_s = min_refresh_s
        self.refresh_every_s = refresh_every_s
        self.wait_s = wait_s
        self.timeout_s = timeout_s
        self.fetches = 0  # attempts, for tests and the curious
        self.last_error: str | None = None
        self._keys: KeySet | None = None
        self._fetched = 0.0
        self._generation = 0  # completed attempts
        self._changed = threading.Condition()
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> RemoteJwks:
        """Start the background fetcher (once); idempotent."""
        with self._changed:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=_fetch_forever,
                    args=(weakref.ref(self), self._wanted),
                    name=f"jwks {self.jwks_url}",
                    daemon=True,
                )
                self._thread.start()
        return self

    def keys(self, refresh: bool = False) -> KeySet:
        self.start()
        with self._changed:
            generation = self._generation
            if refresh and time.monotonic() - self._fetched > self.min_refresh_s:
                self._wanted.set()
                if self.wait_s:
                    self._changed.wait_for(lambda: self._generation > generation, self.wait_s)
            elif self._keys is None and self.wait_s:
                self._changed.wait_for(lambda: self._keys is not None, self.wait_s)
            if self._keys is None:
                raise KeysNotReady(detail_en="the issuer's keys are not fetched yet")
            return self._keys

    def check_ready(self) -> None:
        """A readiness check: raises until the keys are held."""
        self.start()
        if self._keys is None:
            raise KeysNotReady(detail_en=self.last_error or "keys not fetched yet")

    def wait_until_ready(self, timeout_s: float) -> bool:
        self.start()
        with self._changed:
            return self._changed.wait_for(lambda: self._keys is not None, timeout_s)

    def _fetch(self) -> bool:
        """One fetch; called only by the background thread."""
        self.fetches += 1
        try:
            response = requests.get(self.jwks_url, timeout=self.timeout_s)
            response.raise_for_status()
            keys = KeySet.import_key_set(response.json())
        except Exception as exc:  # any failure keeps the keys held
            with self._changed:
                self.last_error = type(exc).__name__
                self._generation += 1
                self._changed.notify_all()
            return False
        with self._changed:
            self._keys, self._fetched, self.last_error = keys, time.monotonic(), None
            self._generation += 1
            self._changed.notify_all()
        return True


def _fetch_forever(ref: weakref.ref[RemoteJwks], wanted: threading.Event) -> None:
    """The one fetcher of a RemoteJwks; ends when its owner is gone."""
    pause = 0.05
    while True:
        owner = ref()
        if owner is None:
            return
        wanted.clear()
        if owner._fetch():
            pause = 0.05
            wait = owner.refresh_every_s
        else:
            pause = min(pause * 2, 5.0)
            wait = pause if owner._keys is None else owner.min_refresh_s
        del owner  # hold no strong reference while asleep
        wanted.wait(wait)


class TokenVerifier:
    def __init__(
        self,
        issuer: str,
        audience: str,
        keys: KeySource,
        claims: ClaimMapping | None = None,
        leeway_s: int = 30,
        channels: dict[str, str] | None = None,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.key_source = keys
        self.claims = claims or INTERNAL_CLAIMS
        self.leeway_s = leeway_s
        # Which client (azp) is which channel; anything else counts by the caller's kind.
        self.channels = channels or {}

    def verify(self, token: str) -> Principal:
        return self._principal(self.verify_claims(token))

    def verify_claims(self, token: str) -> dict[str, Any]:
        """The token's claims, once its signature, issuer, audience and times check out."""
        decoded = self._decode(token)
        claims = decoded.claims
        registry = jwt.JWTClaimsRegistry(
            leeway=self.leeway_s,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise Unauthenticated(
                detail_en=f"token rejected: {exc.error}", code="auth.token_invalid"
            )
        return dict(claims)

    def _decode(self, token: str):
        for refresh in (False, True):
            try:
                return jwt.decode(
                    token,
                    self.key_source.keys(refresh=refresh),
                    algorithms=list(ALLOWED_ALGORITHMS),
                )
            except JoseError as exc:
                # An unknown key id may mean the issuer rotated its keys: fetch them once more.
                if refresh or "key" not in str(exc).lower():
                    raise Unauthenticated(
                        detail_en=f"token rejected: {exc.error}", code="auth.token_invalid"
                    )
            except (ValueError, TypeError) as exc:
                raise Unauthenticated(
                    detail_en="token is malformed", code="auth.token_invalid"
                ) from exc
        raise Unauthenticated(code="auth.token_invalid")

    def _principal(self, claims: dict[str, Any]) -> Principal:
        c = self.claims
        roles = claims.get(c.roles) or []
        roles = frozenset(roles.split() if isinstance(roles, str) else roles)
        scopes = frozenset(str(claims.get("scope", "")).split())
        cpr = claims.get(c.cpr)
        if claims.get("kind") in (CITIZEN, STAFF, MACHINE):
            kind = claims["kind"]  # the gateway says so (a citizen's token may omit the CPR)
        elif cpr:
            kind = CITIZEN
        elif roles:
            kind = STAFF
        else:
            kind = MACHINE
        default_channel = {CITIZEN: "portal", STAFF: "tablet", MACHINE: "integration"}[kind]
        return Principal(
            subject=str(claims.get(c.person_uuid) or claims["sub"]),
            kind=kind,
            channel=str(
                claims.get("channel")
                or self.channels.get(str(claims.get("azp", "")), default_channel)
            ),
            cpr=str(cpr) if cpr else None,
            assurance=claims.get(c.assurance),
            roles=roles,
            scopes=scopes,
            name=claims.get(c.name),
        )


def verifier_from_env(service: str) -> TokenVerifier | None:
    """A service's verifier of the gateway's internal tokens, or None (every call refused).

    SB_INTERNAL_ISSUER names the gateway; its keys come from SB_INTERNAL_JWKS_URL (the
    gateway's /.well-known/jwks.json) or a file, SB_INTERNAL_JWKS_FILE.
    """
    issuer = os.environ.get("SB_INTERNAL_ISSUER", "")
    if not issuer:
        return None
    # Each service accepts only tokens minted for it: one leaked token opens one door.
    audience = os.environ.get("SB_INTERNAL_AUDIENCE", f"selvbetjening/{service}")
    keys: KeySource
    if os.environ.get("SB_INTERNAL_JWKS_FILE"):
        with open(os.environ["SB_INTERNAL_JWKS_FILE"]) as handle:
            keys = StaticKeys(json.load(handle))
    else:
        keys = RemoteJwks(
            os.environ.get("SB_INTERNAL_JWKS_URL") or issuer.rstrip("/") + "/.well-known/jwks.json"
        )
    return TokenVerifier(issuer, audience, keys, INTERNAL_CLAIMS)


def discover(issuer: str) -> dict[str, Any]:
    """The provider's OpenID Connect discovery document."""
    response = requests.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=5)
    response.raise_for_status()
    return dict(response.json())


def install(app: Flask, verifier: TokenVerifier | None) -> None:
    """Authenticate every /api request; routes then declare what they require."""
    app.extensions["verifier"] = verifier

    @app.before_request
    def _authenticate() -> None:
        if not request.path.startswith("/api/"):
            return
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthenticated(
                "Log ind for at fortsætte.", "Log in to continue.", code="auth.token_missing"
            )
        if verifier is None:
            raise Unauthenticated(
                detail_en="no identity provider is configured", code="auth.not_configured"
            )
        token = header[len("Bearer ") :].strip()
        g.principal = verifier.verify(token)
        g.bearer_token = token


def current_token() -> str:
    """The caller's verified token, to confirm the caller's authority with the service that
    holds it (one that never calls back: see docs/decisions/0013-proxy-writes-confirmed.md)."""
    token = g.get("bearer_token")
    if not token:
        raise Unauthenticated(code="auth.token_missing")
    return str(token)


def verify_delegated(app: Flask, token: str, audience: str) -> Principal:
    """Verify a token minted for another service (`audience`), with this service's issuer and
    keys. Only for a narrow question that other service asks about its own caller."""
    verifier: TokenVerifier | None = app.extensions.get("verifier")
    if verifier is None:
        raise Unauthenticated(code="auth.not_configured")
    return TokenVerifier(
        verifier.issuer, audience, verifier.key_source, verifier.claims, verifier.leeway_s
    ).verify(token)


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        raise Unauthenticated(code="auth.token_missing")
    return principal


def requires(
    *, kinds: Iterable[str] = (), scopes: Iterable[str] = (), roles: Iterable[str] = ()
) -> Callable:
    """Declare on a route who may call it: any of `kinds`; machines need all of `scopes`;
    staff need one of `roles` (when given)."""
    allowed_kinds, needed_scopes, staff_roles = set(kinds), set(scopes), set(roles)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            principal = current_principal()
            if allowed_kinds and principal.kind not in allowed_kinds:
                raise Forbidden(code="auth.wrong_kind_of_caller")
            if principal.kind == MACHINE and not needed_scopes <= principal.scopes:
                raise Forbidden(
                    code="auth.missing_scope", extra={"required_scopes": sorted(needed_scopes)}
                )
            if principal.kind == STAFF and staff_roles and not staff_roles & principal.roles:
                raise Forbidden(
                    code="auth.missing_role", extra={"required_roles": sorted(staff_roles)}
                )
            return view(*args, **kwargs)

        guarded.required_scopes = sorted(needed_scopes)  # type: ignore[attr-defined]
        return guarded

    return decorate
