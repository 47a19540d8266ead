"""The gateway's configuration: the identity provider, cookies, timeouts and limits.

Everything about the issuer is configuration: its URL, the client id and secret, the scopes,
and which claims hold the CPR number, the assurance level and the staff roles (kit.auth's
ClaimMapping; defaults follow NemLog-in's attribute names as a broker passes them on).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from kit.auth import ClaimMapping


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class GatewayConfig:
    idp_issuer: str = ""
    client_id: str = "selvbetjening-gateway"
    client_secret: str = ""
    scopes: str = "openid profile"
    # The audience machine tokens (client credentials) must carry.
    machine_audience: str = "selvbetjening"
    claims: ClaimMapping = field(default_factory=ClaimMapping)
    required_assurance: str = "Substantial"
    # Where the services' internal tokens say they come from (the gateway's public URL).
    internal_issuer: str = "http://127.0.0.1:8000"
    cookie_secure: bool = True
    session_idle_s: int = 30 * 60
    session_absolute_s: int = 8 * 60 * 60
    staff_roles: tuple[str, ...] = (
        "caseworker",
        "social_worker",
        "homecare",
        "auditor",
        "guardianship_registrar",
        "scheduler",
        "notifications_admin",
        "analyst",
        "admin",  # keeps units, caseloads and assignments (applications)
    )
    # Client ids allowed to call as machines (case systems); empty = any client but ours.
    machine_clients: tuple[str, ...] = ()
    rate_limit_citizen: str = "120/minute"
    rate_limit_client: str = "600/minute"

    @classmethod
    def from_env(cls) -> GatewayConfig:
        env = os.environ
        return cls(
            idp_issuer=env.get("SB_IDP_ISSUER", ""),
            client_id=env.get("SB_IDP_CLIENT_ID", cls.client_id),
            client_secret=env.get("SB_IDP_CLIENT_SECRET", ""),
            scopes=env.get("SB_IDP_SCOPES", cls.scopes),
            machine_audience=env.get("SB_IDP_MACHINE_AUDIENCE", cls.machine_audience),
            claims=ClaimMapping.from_env(),
            required_assurance=env.get("SB_REQUIRED_ASSURANCE", cls.required_assurance),
            internal_issuer=env.get("SB_INTERNAL_ISSUER", cls.internal_issuer),
            # Secure cookies are the default; `make run` on plain http://127.0.0.1 turns it
            # off explicitly (browsers treat localhost as secure, HTTP clients do not).
            cookie_secure=_flag("SB_COOKIE_SECURE", True),
            session_idle_s=int(env.get("SB_SESSION_IDLE_S", cls.session_idle_s)),
            session_absolute_s=int(env.get("SB_SESSION_ABSOLUTE_S", cls.session_absolute_s)),
            staff_roles=tuple(env["SB_STAFF_ROLES"].split())
            if env.get("SB_STAFF_ROLES")
            else cls.staff_roles,
            machine_clients=tuple(env.get("SB_MACHINE_CLIENTS", "").split()),
            rate_limit_citizen=env.get("SB_RATE_LIMIT_CITIZEN", cls.rate_limit_citizen),
            rate_limit_client=env.get("SB_RATE_LIMIT_CLIENT", cls.rate_limit_client),
        )
