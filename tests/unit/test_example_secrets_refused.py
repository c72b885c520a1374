"""Every process refuses to start with a secret that .env.example once shipped or that looks like an
example (issue: "Example secrets are accepted": with the public session key anyone signs a console
cookie for agent 1, with the public Twilio token anyone forges every /voice/* webhook).

The mail sink holds no secret (it only listens on loopback and writes .eml files)."""
from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

from credentials.settings import CALLER_TOKENS, CredentialsSettings
from gateway.settings import GatewaySettings
from kernel.settings import SettingsError
from tests.fixtures.credentials_services import credentials_env
from tests.fixtures.gateway_services import GATEWAY_SECRETS

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = "dev-session-secret-change-me-0123456789abcdef"  # the old .env.example's GATEWAY_SECRET_KEY
ENGINE_PYTHON = ROOT / ".venv" / "engine" / "bin" / "python"


@pytest.mark.parametrize("name", sorted(CALLER_TOKENS.values()))
def test_example_secret_is_refused_by_the_credentials_backend(tmp_path, name):
    with pytest.raises(SettingsError) as caught:
        CredentialsSettings.from_env(credentials_env("sqlite:///x.db", tmp_path, **{name: EXAMPLE}))
    assert f"{name}: is an example value" in str(caught.value) and EXAMPLE not in str(caught.value)


@pytest.mark.parametrize("name", sorted(GATEWAY_SECRETS))
def test_example_secret_is_refused_by_the_gateway(tmp_path, name):
    env = {"GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path}/gw.db", **GATEWAY_SECRETS, name: EXAMPLE}
    with pytest.raises(SettingsError) as caught:
        GatewaySettings.from_env(env)
    assert f"{name}: is an example value" in str(caught.value) and EXAMPLE not in str(caught.value)


@pytest.mark.parametrize("name, typed", [("GATEWAY_SECRET_KEY", "a-typed-secret-of-36-characters-2026"),
                                         ("RASA_CHANNEL_SECRET", "a-typed-secret-of-36-characters-2026"),
                                         ("TWILIO_AUTH_TOKEN", "twilio-token-2026")])  # Twilio's own: 16 bytes
def test_short_secret_is_refused_by_the_gateway_behind_https(tmp_path, name, typed):
    env = {"GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path}/gw.db", **GATEWAY_SECRETS,
           "PUBLIC_BASE_URL": "https://help.example.hu", name: typed}
    with pytest.raises(SettingsError, match=f"{name}: PUBLIC_BASE_URL is https"):
        GatewaySettings.from_env(env)


def run_script(script: str, **env: str) -> subprocess.CompletedProcess:
    if not ENGINE_PYTHON.exists():
        pytest.skip("the engine env is not installed (scripts/setup.sh engine)")
    full = {k: v for k, v in os.environ.items() if not k.startswith(("RASA_", "CREDENTIALS_", "GATEWAY_"))}
    full.update(env, RASA_MODEL=str(ROOT / "models" / "no-such-model.tar.gz"), ACTION_SERVER_PORT="9")
    return subprocess.run(["bash", f"scripts/{script}"], cwd=ROOT, env=full, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("bad", ["RASA_JWT_SECRET", "RASA_CHANNEL_SECRET"])
def test_example_secret_is_refused_by_the_rasa_start_script(bad):
    good = {"RASA_JWT_SECRET": "test-rasa-jwt-secret-0123456789abcdef",
            "RASA_CHANNEL_SECRET": "test-rasa-channel-secret-0123456789abcdef"}
    result = run_script("rasa-serve.sh", **{**good, bad: EXAMPLE})
    assert result.returncode == 2, result.stderr
    assert f"{bad}: is an example value" in result.stderr and EXAMPLE not in result.stdout + result.stderr
    missing = run_script("rasa-serve.sh", **{k: v for k, v in good.items() if k != bad})
    assert missing.returncode == 2 and f"{bad}: required" in missing.stderr


@pytest.mark.parametrize("bad", ["CREDENTIALS_ASSISTANT_TOKEN", "GATEWAY_SERVICE_TOKEN"])
def test_example_secret_is_refused_by_the_action_server_start_script(bad):
    good = {"CREDENTIALS_ASSISTANT_TOKEN": "test-assistant-token-0123456789abcdef",
            "GATEWAY_SERVICE_TOKEN": "test-gateway-service-token-0123456789"}
    result = run_script("actions-serve.sh", **{**good, bad: "dev-gateway-token-change-me-0123456789"})
    assert result.returncode == 2, result.stderr
    assert f"{bad}: is an example value" in result.stderr
