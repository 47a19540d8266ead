"""Adapters chosen by configuration, and the rule that simulated ones never reach production.

Each outside party the platform talks to (a register, a message provider, the identity
provider) is one adapter behind its interface, chosen by one setting (README, Configuration).
The development defaults are simulated: they send nothing and fetch made-up data. With
SB_ENV=production every process (services, workers, the gateway, the launcher) refuses to
start while any setting names a simulated adapter or the mock identity provider, and says
which setting to change.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

SIMULATED = "simulated"
MOCK, OIDC = "mock", "oidc"
PRODUCTION = "production"


@dataclass(frozen=True)
class AdapterSetting:
    variable: str
    meaning: str
    choices: tuple[str, ...]  # the first is the default
    simulated: tuple[str, ...] = (SIMULATED,)


DATA_SOURCES = AdapterSetting(
    "SB_DATA_SOURCES",
    "applications: the registers and records fetched with consent (eIndkomst, CPR, the "
    "citizen's doctor, the occupational therapist)",
    (SIMULATED,),
)
DIGITAL_POST = AdapterSetting(
    "SB_DIGITAL_POST_PROVIDER",
    "notifications: Digital Post and printed letters (SF1601)",
    (SIMULATED,),
)
SMS = AdapterSetting("SB_SMS_PROVIDER", "notifications: SMS", (SIMULATED,))
EMAIL = AdapterSetting("SB_EMAIL_PROVIDER", "notifications: email", (SIMULATED,))
IDENTITY_PROVIDER = AdapterSetting(
    "SB_IDENTITY_PROVIDER",
    "gateway: who logs people in (mock = the local test provider; oidc = SB_IDP_ISSUER)",
    (MOCK, OIDC),
    simulated=(MOCK,),
)
DEMO_CLOCK = AdapterSetting(
    "SB_DEMO_CLOCK",
    "every service: demo data may name the moment of a request (X-SB-Demo-Time, kit.clock); "
    "1 only for demo data on a development stack",
    ("0", "1"),
    simulated=("1",),
)
SETTINGS = (DATA_SOURCES, DIGITAL_POST, SMS, EMAIL, IDENTITY_PROVIDER, DEMO_CLOCK)


class AdapterConfigurationError(RuntimeError):
    """A setting names an adapter that does not exist, or a simulated one in production."""


def chosen(setting: AdapterSetting, env: Mapping[str, str] | None = None) -> str:
    """The adapter `setting` selects; an unknown name stops the process, naming the setting."""
    env = os.environ if env is None else env
    value = env.get(setting.variable, "").strip() or _default(setting, env)
    if value not in setting.choices:
        raise AdapterConfigurationError(
            f"{setting.variable}={value!r} is not an adapter for {setting.meaning}; "
            f"choose one of: {', '.join(setting.choices)}"
        )
    return value


def _default(setting: AdapterSetting, env: Mapping[str, str]) -> str:
    if setting is IDENTITY_PROVIDER:
        # An issuer configured without naming the adapter means a real provider.
        return OIDC if env.get("SB_IDP_ISSUER") else MOCK
    return setting.choices[0]


def simulated_in_use(env: Mapping[str, str] | None = None) -> list[str]:
    """`VARIABLE=value` for every setting that selects a simulated adapter."""
    found = []
    for setting in SETTINGS:
        value = chosen(setting, env)
        if value in setting.simulated:
            found.append(f"{setting.variable}={value}")
    return found


def refuse_simulated_in_production(env: Mapping[str, str] | None = None) -> None:
    """Called first by every process: in production, stop while anything is simulated."""
    env = os.environ if env is None else env
    in_use = simulated_in_use(env)  # validates every setting in every environment
    if env.get("SB_ENV", "development") == PRODUCTION and in_use:
        raise AdapterConfigurationError(
            "SB_ENV=production, but simulated adapters are configured: "
            + ", ".join(in_use)
            + ". Configure a real adapter for each setting (README, Configuration), "
            "or unset SB_ENV for development."
        )
