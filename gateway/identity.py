"""The identity provider as the gateway sees it: OpenID Connect discovery, the authorization
code flow with PKCE, state and nonce (authlib), ID token validation, machine token validation,
and the mapping from the provider's claims to who the caller is."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError

from gateway.config import GatewayConfig
from kit.auth import (
    ALLOWED_ALGORITHMS,
    CITIZEN,
    MACHINE,
    STAFF,
    RemoteJwks,
    TokenVerifier,
    Unauthenticated,
    discover,
)


class LoginFailed(Unauthenticated):
    code = "auth.login_failed"
    title_da = "Log ind mislykkedes. Prøv igen"
    title_en = "Login failed. Please try again"


@dataclass(frozen=True)
class Identity:
    """Who the caller is, in the gateway's own terms, whatever the provider called it."""

    subject: str
    kind: str
    channel: str
    cpr: str | None = field(default=None, repr=False)
    assurance: str | None = None
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    name: str | None = field(default=None, repr=False)

    def internal_claims(self, with_cpr: bool = True) -> dict[str, Any]:
        """The claims of the internal token the services receive (kit.auth.INTERNAL_CLAIMS)."""
        claims: dict[str, Any] = {"sub": self.subject, "channel": self.channel, "kind": self.kind}
        if self.cpr and with_cpr:
            claims["cpr"] = self.cpr
        if self.assurance:
            claims["loa"] = self.assurance
        if self.roles:
            claims["roles"] = list(self.roles)
        if self.scopes:
            claims["scope"] = " ".join(self.scopes)
        if self.name:
            claims["name"] = self.name
        return claims

    def as_session_claims(self) -> dict[str, Any]:
        return {
            "cpr": self.cpr,
            "assurance": self.assurance,
            "roles": list(self.roles),
            "name": self.name,
        }


class IdentityProvider:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self._metadata: dict[str, Any] | None = None
        self._fetched = 0.0
        self._lock = threading.Lock()
        self._jwks: RemoteJwks | None = None

    # -- discovery ---------------------------------------------------------------------------

    @property
    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None or time.monotonic() - self._fetched > 3600:
                metadata = discover(self.config.idp_issuer)
                if metadata.get("issuer", "").rstrip("/") != self.config.idp_issuer.rstrip("/"):
                    raise LoginFailed(
                        detail_en="the provider's discovery names another issuer",
                        code="auth.issuer_mismatch",
                    )
                self._metadata = metadata
                self._fetched = time.monotonic()
                # The provider never calls the gateway back, so a login may wait briefly
                # for the provider's keys; the fetch itself stays in the background.
                self._jwks = RemoteJwks(self._metadata["jwks_uri"], wait_s=5.0).start()
            return self._metadata

    @property
    def jwks(self) -> RemoteJwks:
        _ = self.metadata
        assert self._jwks is not None
        return self._jwks

    def _session(self, redirect_uri: str | None = None) -> OAuth2Session:
        return OAuth2Session(
            self.config.client_id,
            self.config.client_secret,
            scope=self.config.scopes,
            redirect_uri=redirect_uri,
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106
        )

    # -- the browser login ---------------------------------------------------------------------

    def begin_login(self, redirect_uri: str) -> dict[str, str]:
        """A new login transaction: where to send the browser, and what to remember."""
        state, nonce = generate_token(32), generate_token(32)
        code_verifier = secrets.token_urlsafe(64)
        url, _ = self._session(redirect_uri).create_authorization_url(
            self.metadata["authorization_endpoint"],
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(code_verifier),
            code_challenge_method="S256",
        )
        return {"url": url, "state": state, "nonce": nonce, "code_verifier": code_verifier}

    def finish_login(
        self, redirect_uri: str, code: str, code_verifier: str, nonce: str, channel: str
    ) -> tuple[Identity, dict[str, Any]]:
        try:
            tokens = self._session(redirect_uri).fetch_token(
                self.metadata["token_endpoint"],
                code=code,
                code_verifier=code_verifier,
                grant_type="authorization_code",
            )
        except Exception as exc:  # any failure here is a failed login
            raise LoginFailed(detail_en=f"token exchange failed: {type(exc).__name__}")
        id_token = tokens.get("id_token")
        if not id_token:
            raise LoginFailed(detail_en="the provider returned no ID token")
        claims = self.validate_id_token(id_token, nonce)
        return self.identity_from(claims, channel), dict(tokens)

    def validate_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            decoded = jwt.decode(id_token, self.jwks.keys(), algorithms=list(ALLOWED_ALGORITHMS))
        except JoseError:
            try:
                decoded = jwt.decode(
                    id_token, self.jwks.keys(refresh=True), algorithms=list(ALLOWED_ALGORITHMS)
                )
            except JoseError as exc:
                raise LoginFailed(detail_en=f"ID token rejected: {exc.error}")
        registry = jwt.JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": self.metadata["issuer"]},
            aud={"essential": True, "value": self.config.client_id},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as exc:
            raise LoginFailed(detail_en=f"ID token rejected: {exc.error}")
        return dict(decoded.claims)

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        return dict(
            self._session().refresh_token(
                self.metadata["token_endpoint"], refresh_token=refresh_token
            )
        )

    def end_provider_session(self, tokens: dict[str, Any]) -> bool:
        """End the person's session at the provider from here, server to server, so the ID
        token (whose claims hold the CPR number) never travels through the browser.

        With a refresh token: the logout endpoint's back-channel form, authenticated as this
        client (Keycloak ends the user session). Otherwise RP-Initiated Logout 1.0 by POST with
        the ID token as hint. A provider that does not answer does not keep anyone logged in
        here: the gateway's own session is ended regardless.
        """
        endpoint = self.metadata.get("end_session_endpoint")
        if not endpoint:
            return False
        form = {"client_id": self.config.client_id}
        if tokens.get("refresh_token"):
            form["refresh_token"] = tokens["refresh_token"]
        elif tokens.get("id_token"):
            form["id_token_hint"] = tokens["id_token"]
        else:
            return False
        try:
            response = requests.post(
                endpoint,
                data=form,
                auth=(self.config.client_id, self.config.client_secret),
                timeout=3,
                allow_redirects=False,
            )
        except requests.RequestException:
            return False
        return response.status_code < 400

    def identity_from(self, claims: dict[str, Any], channel: str) -> Identity:
        mapping = self.config.claims
        roles = claims.get(mapping.roles) or []
        roles = roles.split() if isinstance(roles, str) else roles
        # Only the roles we know: providers add their own (offline_access, default-roles-...).
        roles = [r for r in roles if r in self.config.staff_roles]
        cpr = claims.get(mapping.cpr)
        if cpr:
            kind = CITIZEN
            roles = []
        elif roles:
            kind = STAFF
        else:
            raise LoginFailed(
                "Dit login giver ikke adgang til selvbetjeningen.",
                "Your login gives no access to self-service.",
                code="auth.no_citizen_or_staff_identity",
            )
        subject = str(claims.get(mapping.person_uuid) or claims["sub"])
        return Identity(
            subject=subject,
            kind=kind,
            channel=channel,
            cpr=str(cpr) if cpr else None,
            assurance=claims.get(mapping.assurance),
            roles=tuple(sorted(roles)),
            name=claims.get(mapping.name),
        )

    # -- machines ------------------------------------------------------------------------------

    def machine_identity(self, token: str) -> Identity:
        """A case system's access token (client credentials), validated strictly."""
        verifier = TokenVerifier(
            self.metadata["issuer"], self.config.machine_audience, self.jwks, self.config.claims
        )
        claims = verifier.verify_claims(token)
        if claims.get(self.config.claims.cpr) or claims.get(self.config.claims.person_uuid):
            raise Unauthenticated(
                detail_en="people log in through the browser, not with bearer tokens",
                code="auth.person_bearer_token",
            )
        # A client-credentials token names its client in azp (client_id in RFC 9068). Our own
        # login client's tokens belong to people, never to a machine.
        client = claims.get("azp") or claims.get("client_id") or claims["sub"]
        if client == self.config.client_id or (
            self.config.machine_clients and client not in self.config.machine_clients
        ):
            raise Unauthenticated(
                detail_en="this client may not call the API as a machine",
                code="auth.client_not_allowed",
            )
        return Identity(
            subject=str(client),
            kind=MACHINE,
            channel="integration",
            scopes=tuple(sorted(str(claims.get("scope", "")).split())),
        )
