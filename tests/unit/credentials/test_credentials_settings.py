"""Settings are validated at start, with one clear error per bad value."""
from __future__ import annotations

import pytest

from credentials.settings import CredentialsSettings, SettingsError
from tests.fixtures.credentials_services import credentials_env


def test_good_settings_load(tmp_path):
    settings = CredentialsSettings.from_env(credentials_env("sqlite:///x.db", tmp_path))
    assert settings.code_ttl_days == 5 and settings.password_min_length == 15
    assert settings.login_lockout_threshold == 10 and settings.smtp.port == 1025


def test_every_bad_value_is_named_once(tmp_path):
    env = credentials_env("mysql://nope", tmp_path, CREDENTIALS_PORT="80000", CODE_TTL_DAYS="five",
                          PASSWORD_MIN_LENGTH="6", CREDENTIALS_ASSISTANT_TOKEN="short", SMTP_PORT="x",
                          CREDENTIALS_OUTBOX_KEY="not-base64!")
    with pytest.raises(SettingsError) as info:
        CredentialsSettings.from_env(env)
    message = str(info.value)
    for name in ("CREDENTIALS_DATABASE_URL", "CREDENTIALS_PORT", "CODE_TTL_DAYS", "PASSWORD_MIN_LENGTH",
                 "CREDENTIALS_ASSISTANT_TOKEN", "SMTP_PORT", "CREDENTIALS_OUTBOX_KEY"):
        assert message.count(name + ":") == 1, name


def test_each_caller_token_must_differ_from_the_others(tmp_path):
    env = credentials_env("sqlite:///x.db", tmp_path, CREDENTIALS_ADMIN_TOKEN="same-token-0123456789",
                          CREDENTIALS_PHONE_TOKEN="same-token-0123456789")
    with pytest.raises(SettingsError, match="CREDENTIALS_ADMIN_TOKEN: must differ from CREDENTIALS_PHONE_TOKEN"):
        CredentialsSettings.from_env(env)


def test_missing_keys_are_generated_once_into_a_private_key_file(tmp_path):
    env = credentials_env("sqlite:///x.db", tmp_path)
    del env["CREDENTIALS_CODE_KEY"], env["CREDENTIALS_OUTBOX_KEY"]
    env["CREDENTIALS_KEY_FILE"] = str(tmp_path / "keys.json")
    first = CredentialsSettings.from_env(env)
    second = CredentialsSettings.from_env(env)
    assert first.code_key == second.code_key and first.outbox_key == second.outbox_key
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0


def test_password_minimum_may_be_set_up_to_64_never_below_8(tmp_path):
    assert CredentialsSettings.from_env(credentials_env("sqlite:///x.db", tmp_path, PASSWORD_MIN_LENGTH="64")).password_min_length == 64
    for bad in ("7", "65"):
        with pytest.raises(SettingsError, match="PASSWORD_MIN_LENGTH"):
            CredentialsSettings.from_env(credentials_env("sqlite:///x.db", tmp_path, PASSWORD_MIN_LENGTH=bad))


def test_outbox_lease_and_sqlite_synchronous_are_read_and_checked(tmp_path):
    settings = CredentialsSettings.from_env(credentials_env("sqlite:///x.db", tmp_path))
    assert (settings.outbox_lease_seconds, settings.sqlite_synchronous) == (300.0, "NORMAL")
    settings = CredentialsSettings.from_env(credentials_env("sqlite:///x.db", tmp_path, CREDENTIALS_OUTBOX_LEASE_SECONDS="3",
                                                            CREDENTIALS_SQLITE_SYNCHRONOUS="FULL"))
    assert (settings.outbox_lease_seconds, settings.sqlite_synchronous) == (3.0, "FULL")
    with pytest.raises(SettingsError) as info:
        CredentialsSettings.from_env(credentials_env("sqlite:///x.db", tmp_path, CREDENTIALS_OUTBOX_LEASE_SECONDS="0",
                                                     CREDENTIALS_SQLITE_SYNCHRONOUS="off"))
    assert "CREDENTIALS_OUTBOX_LEASE_SECONDS:" in str(info.value) and "CREDENTIALS_SQLITE_SYNCHRONOUS:" in str(info.value)


def test_an_outbox_batch_never_outlasts_its_lease(tmp_path):
    from dataclasses import replace

    from credentials.outbox import SMTP_ROUND_TRIPS, OutboxWorker
    from credentials.services import Toolkit

    settings = CredentialsSettings.from_env(credentials_env("sqlite:///x.db", tmp_path, SMTP_TIMEOUT_SECONDS="5"))
    kit = Toolkit.from_settings(settings)
    assert OutboxWorker(lambda: None, kit).batch == min(20, int(300 // (SMTP_ROUND_TRIPS * 5)))
    short = replace(kit, settings=replace(settings, outbox_lease_seconds=10.0))
    worker = OutboxWorker(lambda: None, short)
    assert worker.batch == 1 and worker.lease.total_seconds() == 10
