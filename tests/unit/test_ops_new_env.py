"""ops/new_env.py: `make run` writes fresh secrets into .env on first run and keeps an existing .env;
nothing secret is shipped (issue: "Example secrets are accepted")."""
from __future__ import annotations

import pathlib
import stat

from kernel.settings import SHIPPED_EXAMPLE_SECRETS, EnvReader
from ops import new_env

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.example"


def values(path: pathlib.Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            out[name.strip()] = value.strip()
    return out


def test_env_example_ships_no_secret():
    shipped = values(EXAMPLE)
    for name in new_env.GENERATED:
        assert shipped.get(name, "missing") == "", name  # listed, and left empty for ops/new_env.py
    assert not set(shipped.values()) & SHIPPED_EXAMPLE_SECRETS


def test_make_run_generates_fresh_secrets_once(tmp_path):
    first, second = tmp_path / "a" / ".env", tmp_path / "b" / ".env"
    first.parent.mkdir(), second.parent.mkdir()
    assert sorted(new_env.ensure_env(first, EXAMPLE)) == sorted(new_env.GENERATED)
    new_env.ensure_env(second, EXAMPLE)
    a, b = values(first), values(second)
    for name in new_env.GENERATED:
        assert a[name] and a[name] != b[name], name  # fresh on every machine
    assert len({a[name] for name in new_env.GENERATED}) == len(new_env.GENERATED)  # and all different
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    # every generated value passes the strictest check: the one behind https
    read = EnvReader({**a, "PUBLIC_BASE_URL": "https://help.example.hu"})
    for name in new_env.GENERATED:
        read.secret(name, public_bytes=16 if name == "TWILIO_AUTH_TOKEN" else 32)
    assert read.errors == []
    # the rest of the file is the example's
    assert {k: v for k, v in a.items() if k not in new_env.GENERATED} == \
           {k: v for k, v in values(EXAMPLE).items() if k not in new_env.GENERATED}

    before = first.read_bytes()
    assert new_env.ensure_env(first, EXAMPLE) == []  # second run: the existing .env is kept as it is
    assert first.read_bytes() == before


def test_an_existing_env_keeps_its_values_and_loses_only_shipped_examples(tmp_path):
    env = tmp_path / ".env"
    mine = "my-own-gateway-secret-key-kept-as-is-0987"
    env.write_text("# my settings\nGATEWAY_PORT=9000\n"
                   f"GATEWAY_SECRET_KEY={mine}\n"
                   "TWILIO_AUTH_TOKEN=dev-twilio-auth-token-0123456789\n"  # once shipped: public
                   "CREDENTIALS_SERVICE_TOKEN=dev-service-token-change-me-0123456789\n")  # an old name: left alone
    fresh = new_env.ensure_env(env, EXAMPLE)
    got = values(env)
    assert got["GATEWAY_PORT"] == "9000" and got["GATEWAY_SECRET_KEY"] == mine
    assert got["TWILIO_AUTH_TOKEN"] not in SHIPPED_EXAMPLE_SECRETS and len(got["TWILIO_AUTH_TOKEN"]) == 32
    assert "TWILIO_AUTH_TOKEN" in fresh and "GATEWAY_SECRET_KEY" not in fresh
    assert all(got[name] for name in new_env.GENERATED)  # the names it lacked were added
    assert env.read_text().startswith("# my settings\nGATEWAY_PORT=9000\n")


def test_make_run_writes_the_env_through_new_env_and_never_copies_the_example():
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert "ops.new_env" in script and "cp .env.example" not in script


def test_check_names_each_bad_secret_and_never_echoes_it(monkeypatch, capsys):
    monkeypatch.setenv("RASA_JWT_SECRET", "dev-rasa-token-change-me-0123456789")
    monkeypatch.delenv("RASA_CHANNEL_SECRET", raising=False)
    assert new_env.main(["--check", "RASA_JWT_SECRET", "RASA_CHANNEL_SECRET"]) == 2
    err = capsys.readouterr().err
    assert "RASA_JWT_SECRET: is an example value" in err and "RASA_CHANNEL_SECRET: required" in err
    assert "dev-rasa-token-change-me" not in err
