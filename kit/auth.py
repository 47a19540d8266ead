"""Who is calling: bearer-token verification every service does itself (defence in depth).

A service never trusts a bare header. Each API request carries the caller's access token
(the gateway passes it on); the service checks its signature against the issuer's keys, and
its issuer, audience, expiry and not-before, with an allow-list of algorithms, and maps its
claims to a Principal. The claim names are configuration; the defaults follow the attribute
names NemLog-in passes through an OpenID Connect broker.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import requests
from flask import Flask, g, request
from joserfc import jwt
from joserfc.errors import JoseError

from kit.errors import Problem
from kit.keys import KeySource, RemoteJwks, StaticKeys

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
        self._verified = VerifiedTokens()

    def verify(self, token: str) -> Principal:
        """The caller, from a token whose signature, issuer, audience and times check out.

        A token verified before is not verified again until it expires (VerifiedTokens): the
        gateway reuses an internal token for many requests, and the RSA check and the claims
        registry were a tenth of a service read (issue 18's profile)."""
        principal = self._verified.get(token)
        if principal is None:
            claims = self.verify_claims(token)
            principal = self._principal(claims)
            self._verified.put(token, principal, claims.get("exp"))
        return principal

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


class VerifiedTokens:
    """Tokens already verified, by their whole text (header, claims and signature: a known
    signature under other claims is another token), held until they expire, never longer.

    Only successes are kept; a token is looked at again once `exp` has passed (where the
    verifier's leeway may still accept it, at full cost). A key withdrawn from the issuer's
    key set stops new tokens at once and the ones verified with it when they expire (the
    gateway's internal tokens live 60 s). Bounded: when full, it starts over.
    """

    def __init__(self, max_tokens: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        self.max_tokens = max_tokens
        self.clock = clock
        self._held: dict[str, tuple[Principal, float]] = {}

    def get(self, token: str) -> Principal | None:
        held = self._held.get(token)
        if held is None:
            return None
        principal, expires = held
        if self.clock() >= expires:
            self._held.pop(token, None)
            return None
        return principal

    def put(self, token: str, principal: Principal, exp: Any) -> None:
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            return
        if len(self._held) >= self.max_tokens:
            self._held.clear()
        self._held[token] = (principal, float(exp))


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
