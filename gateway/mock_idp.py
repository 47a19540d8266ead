"""The local OpenID provider `make run` uses: oidc-provider-mock with test people preloaded.

    python -m gateway.mock_idp [--port 8090]

Development only: it signs in whoever is picked on its page. The people and their claims
follow how an OpenID Connect broker passes NemLog-in's attributes on (kit.auth.ClaimMapping);
the CPR numbers are made up. There is a person for every role the platform knows.

It also issues client-credentials tokens (RFC 6749 § 4.4) to the machine clients in
`MACHINE_CLIENTS`, so a case-system vendor can try the integration API on `make run`:

    curl -s -u sagssystem:sagssystem-hemmelig -d grant_type=client_credentials \
         -d scope=applications:case http://127.0.0.1:8090/oauth2/token
"""

from __future__ import annotations

import argparse
import os
import secrets
import time
import uuid
from base64 import b64decode
from dataclasses import dataclass

import flask
from joserfc import jwt
from joserfc.jwk import RSAKey
from oidc_provider_mock import User, app
from werkzeug.serving import make_server

from kit import adapters
from kit.auth import ClaimMapping
from kit.lifeline import follow_launcher

CLAIMS = ClaimMapping()


def citizen(person_id: str, cpr: str, name: str, assurance: str = "Substantial") -> User:
    return User(
        sub=person_id,
        claims={
            CLAIMS.person_uuid: person_id,
            CLAIMS.cpr: cpr,
            CLAIMS.assurance: assurance,
            "name": name,
        },
    )


def staff(username: str, name: str, *roles: str) -> User:
    return User(sub=username, claims={CLAIMS.roles: list(roles), "name": name})


TEST_PEOPLE = [
    citizen("6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0001", "0101801234", "Anna Andersen"),
    citizen(
        "6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0002", "0202802345", "Bent Bertelsen", assurance="Low"
    ),
    citizen("6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0003", "0303703456", "Carl Carlsen (pårørende)"),
    citizen("6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0004", "0404404567", "Dagmar Dalgaard"),
    citizen("6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0005", "0505505678", "Egon Enevoldsen"),
    # Staff: one or more of every role the platform knows (gateway.config.staff_roles).
    staff("sagsbehandler-dorte", "Dorte Dahl", "caseworker"),
    staff("sagsbehandler-henrik", "Henrik Holm", "caseworker"),
    staff("socialraadgiver-ida", "Ida Iversen", "social_worker"),
    staff("hjemmehjaelp-erik", "Erik Eriksen", "homecare"),
    staff("hjemmehjaelp-jonna", "Jonna Jensen", "homecare"),
    staff("planlaegger-karen", "Karen Krogh", "scheduler"),
    staff("beskedadmin-lars", "Lars Lund", "notifications_admin"),
    staff("auditor-frida", "Frida Frederiksen", "auditor"),
    staff("analytiker-mette", "Mette Mikkelsen", "analyst"),
    staff("registrar-gitte", "Gitte Gregersen", "guardianship_registrar"),
    staff("admin-mette", "Mette Madsen", "admin"),  # keeps units, caseloads and assignments
]


@dataclass(frozen=True)
class MachineClient:
    """A system that calls the API with its own client-credentials token."""

    client_id: str
    secret: str
    scopes: tuple[str, ...]
    title: str


# Development secrets, documented in the README; a real provider issues its own.
MACHINE_CLIENTS = {
    c.client_id: c
    for c in (
        MachineClient(
            "sagssystem",
            "sagssystem-hemmelig",
            ("applications:case", "applications:read", "consents:check"),
            "a case system (fagsystem): receives applications, pushes status and documents",
        ),
        MachineClient(
            "selvbetjening-seed",
            "seed-hemmelig",
            (
                "applications:case",
                "applications:read",
                "consents:check",
                "appointments:schedule",
                "notifications:callback",
            ),
            "`make run`'s seed (infra/seed/): the test municipality's data",
        ),
    )
}
MACHINE_AUDIENCE = "selvbetjening"
MACHINE_TOKEN_SECONDS = 300


def _client_credentials(request: flask.Request) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return "", ""
        return client_id, secret
    return request.form.get("client_id", ""), request.form.get("client_secret", "")


def _oauth_error(error: str, status: int, description: str) -> flask.Response:
    response = flask.jsonify(error=error, error_description=description)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def issue_machine_token() -> flask.Response | None:
    """The client-credentials grant, which the package lacks: a signed JWT access token with
    the audience the gateway expects, the client in `azp` and `client_id`, and the scopes
    asked for (all of the client's when none are)."""
    request = flask.request
    if request.form.get("grant_type") != "client_credentials":
        return None
    client_id, secret = _client_credentials(request)
    client = MACHINE_CLIENTS.get(client_id)
    if client is None or not secrets.compare_digest(client.secret, secret):
        return _oauth_error("invalid_client", 401, "unknown client or wrong secret")
    asked = request.form.get("scope", "").split()
    if not set(asked) <= set(client.scopes):
        return _oauth_error("invalid_scope", 400, f"{client_id} may ask for {client.scopes}")
    scopes = asked or list(client.scopes)
    signing = flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True)
    key = RSAKey.import_key(signing)
    now = int(time.time())
    claims = {
        "iss": request.host_url.rstrip("/"),
        "aud": MACHINE_AUDIENCE,
        "sub": client_id,
        "azp": client_id,
        "client_id": client_id,
        "scope": " ".join(scopes),
        "iat": now,
        "exp": now + MACHINE_TOKEN_SECONDS,
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode({"alg": "RS256", "kid": signing.get("kid"), "typ": "at+jwt"}, claims, key)
    response = flask.jsonify(
        access_token=token,
        token_type="Bearer",  # noqa: S106 - the token type, not a secret
        expires_in=MACHINE_TOKEN_SECONDS,
        scope=" ".join(scopes),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def create_app():
    provider = app(require_nonce=True, user_claims=TEST_PEOPLE)
    # The package turns on Werkzeug's interactive debugger; a login page must never offer one.
    provider.debug = False
    provider.wsgi_app = getattr(provider.wsgi_app, "app", provider.wsgi_app)

    # Registered after the package's own hook, so its storage (and signing key) is set.
    @provider.before_request
    def client_credentials():
        if flask.request.method == "POST" and flask.request.path == "/oauth2/token":
            return issue_machine_token()
        return None

    return provider


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 in a container")
    args = parser.parse_args()
    # This process is the mock provider, whatever the settings say.
    adapters.refuse_simulated_in_production(
        {**os.environ, adapters.IDENTITY_PROVIDER.variable: adapters.MOCK}
    )
    server = make_server(args.host, args.port, create_app(), threaded=True)
    follow_launcher()
    print(f"mock OpenID provider at http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
