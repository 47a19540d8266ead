"""With SB_ENV=production nothing starts while a simulated adapter or the mock identity
provider is configured: not a service, not a worker, not the gateway, not the launcher; and
the message names the setting to change."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

from kit import adapters
from kit.config import REPO_ROOT
from kit.launcher import SERVICES

SIMULATED_SETTINGS = (
    "SB_DATA_SOURCES",
    "SB_DIGITAL_POST_PROVIDER",
    "SB_SMS_PROVIDER",
    "SB_EMAIL_PROVIDER",
)


def _production(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SB_")}
    return {
        **env,
        "SB_ENV": "production",
        "SB_VAR_DIR": str(tmp_path),
        "SB_PORT_BASE": "21000",
        "PYTHONPATH": str(REPO_ROOT),
        **extra,
    }


def test_in_production_every_simulated_setting_is_named():
    with pytest.raises(adapters.AdapterConfigurationError) as refused:
        adapters.refuse_simulated_in_production({"SB_ENV": "production"})
    message = str(refused.value)
    for variable in (*SIMULATED_SETTINGS, "SB_IDENTITY_PROVIDER"):
        assert variable in message
    assert "SB_IDENTITY_PROVIDER=mock" in message


def test_a_real_identity_provider_is_not_named_but_the_simulated_providers_still_are():
    env = {"SB_ENV": "production", "SB_IDP_ISSUER": "https://login.kommune.dk/realms/borger"}
    with pytest.raises(adapters.AdapterConfigurationError) as refused:
        adapters.refuse_simulated_in_production(env)
    assert "SB_IDENTITY_PROVIDER" not in str(refused.value)
    assert "SB_SMS_PROVIDER=simulated" in str(refused.value)
    env["SB_IDENTITY_PROVIDER"] = "mock"  # naming the mock explicitly is refused too
    with pytest.raises(adapters.AdapterConfigurationError, match="SB_IDENTITY_PROVIDER=mock"):
        adapters.refuse_simulated_in_production(env)


def test_development_runs_on_simulated_adapters_and_an_unknown_adapter_is_named():
    adapters.refuse_simulated_in_production({})
    with pytest.raises(adapters.AdapterConfigurationError, match="SB_SMS_PROVIDER='twilio'"):
        adapters.refuse_simulated_in_production({"SB_SMS_PROVIDER": "twilio"})


@pytest.mark.parametrize("service", [*SERVICES, "gateway"])
def test_no_web_app_is_created_in_production(service, monkeypatch, tmp_path):
    for variable, value in _production(tmp_path).items():
        monkeypatch.setenv(variable, value)
    module = importlib.import_module(
        "gateway.app" if service == "gateway" else f"services.{service}.app"
    )
    with pytest.raises(adapters.AdapterConfigurationError, match="SB_ENV=production"):
        module.create_app()


@pytest.mark.parametrize(
    "argv",
    [
        ["-m", "kit.worker", "notifications"],
        ["-m", "kit.launcher"],
        ["-m", "gateway.mock_idp", "--port", "21090"],
    ],
    ids=["worker", "launcher", "mock-idp"],
)
def test_no_process_starts_in_production(argv, tmp_path):
    done = subprocess.run(
        [sys.executable, *argv],
        env=_production(tmp_path),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "SB_ENV=production" in done.stderr
    assert "SB_IDENTITY_PROVIDER=mock" in done.stderr
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


def test_gunicorn_does_not_serve_a_service_in_production(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--no-control-socket",
            "--bind",
            "127.0.0.1:21051",
            "services.applications.app:create_app()",
        ],
        env=_production(tmp_path, SB_IDP_ISSUER="https://login.kommune.dk/realms/borger"),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "SB_DATA_SOURCES=simulated" in done.stderr
