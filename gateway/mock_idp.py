"""The local OpenID provider `make run` uses: oidc-provider-mock with test people preloaded.

    python -m gateway.mock_idp [--port 8090]

Development only: it signs in whoever is picked on its page. The people and their claims
follow how an OpenID Connect broker passes NemLog-in's attributes on (kit.auth.ClaimMapping);
the CPR numbers are made up.
"""

from __future__ import annotations

import argparse

from oidc_provider_mock import User, app
from werkzeug.serving import make_server

from kit.auth import ClaimMapping

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
    staff("sagsbehandler-dorte", "Dorte Dahl", "caseworker"),
    staff("hjemmehjaelp-erik", "Erik Eriksen", "homecare"),
    staff("auditor-frida", "Frida Frederiksen", "auditor"),
    staff("registrar-gitte", "Gitte Gregersen", "guardianship_registrar"),
]


def create_app():
    provider = app(require_nonce=True, user_claims=TEST_PEOPLE)
    # The package turns on Werkzeug's interactive debugger; a login page must never offer one.
    provider.debug = False
    provider.wsgi_app = getattr(provider.wsgi_app, "app", provider.wsgi_app)
    return provider


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    server = make_server("127.0.0.1", args.port, create_app(), threaded=True)
    print(f"mock OpenID provider at http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
