"""ops.rasa_cli: Rasa's command line with the JWT key read from the environment."""
from __future__ import annotations

import argparse

import pytest

from ops.rasa_cli import secrets_from_env


@pytest.mark.parametrize("key", ["Qx3-abc_DEF", "-Kx9_starts-with-a-dash", "--looks-like-an-option"])
def test_the_jwt_key_from_the_environment_is_one_argument_argparse_reads_whatever_it_starts_with(key):
    argv = secrets_from_env(["run", "--enable-api", "--jwt-secret", "env:RASA_JWT_SECRET", "--jwt-method", "HS256"],
                            {"RASA_JWT_SECRET": key})
    assert argv == ["run", "--enable-api", f"--jwt-secret={key}", "--jwt-method", "HS256"]
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    parser.add_argument("--enable-api", action="store_true")
    parser.add_argument("--jwt-secret")
    parser.add_argument("--jwt-method")
    assert parser.parse_args(argv).jwt_secret == key  # a separate "-Kx9…" was "expected one argument"


def test_a_key_given_directly_and_other_arguments_pass_unchanged():
    assert secrets_from_env(["run", "--jwt-secret", "k", "-p", "5005"], {}) == ["run", "--jwt-secret=k", "-p", "5005"]
    assert secrets_from_env(["run", "--jwt-secret", "env:UNSET"], {}) == ["run", "--jwt-secret="]
