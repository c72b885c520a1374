"""kernel.settings secrets: an example value is never a secret; on the internet a secret is random.

With the example GATEWAY_SECRET_KEY anyone can sign a console cookie; with the example Twilio token
anyone can forge every /voice/* webhook (issue: "Example secrets are accepted")."""
from __future__ import annotations

import secrets

import pytest

from kernel.settings import SHIPPED_EXAMPLE_SECRETS, EnvReader, looks_like_example, random_bits

HTTPS = {"PUBLIC_BASE_URL": "https://help.example.hu"}


def errors_of(value: str, **env: str) -> list[str]:
    read = EnvReader({"SECRET": value, **env})
    read.secret("SECRET")
    return read.errors


@pytest.mark.parametrize("value", sorted(SHIPPED_EXAMPLE_SECRETS) + [
    "change-me-change-me-change-me", "CHANGEME-0123456789abcdef", "dev-anything-long-enough-here",
    "my-example-secret-0123456789", "replace-me-with-a-real-secret", "your-secret-here-0123456789",
])
def test_example_secret_is_refused(value):
    (line,) = errors_of(value)
    assert line.startswith("SECRET: is an example value") and value not in line
    assert "ops.new_env" in line  # says how to get a real one


def test_short_secret_is_refused():
    assert errors_of("0123456789abcde") == ["SECRET: must be at least 16 characters"]


@pytest.mark.parametrize("value", [
    "test-secret-key-0123456789abcdef",  # typed, with a counting run
    "Tavasz2024!Tavasz2024!",  # a phrase: 22 characters, far from 256 bits
    secrets.token_urlsafe(24),  # random, but only 24 bytes
    "a" * 64,
    "abababababababababababababababababababababababababab",
])
def test_short_secret_is_refused_behind_https(value):
    assert errors_of(value) == []  # the embedded default on loopback takes it
    (line,) = errors_of(value, **HTTPS)
    assert "PUBLIC_BASE_URL is https" in line and "32 random bytes" in line and value not in line


@pytest.mark.parametrize("make", [lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(32),
                                  lambda: secrets.token_urlsafe(48)])
def test_fresh_random_secret_is_accepted_behind_https(make):
    for _ in range(200):
        assert errors_of(make(), **HTTPS) == []


def test_twilio_sized_secret_is_accepted_where_16_bytes_are_asked():
    read = EnvReader({"TWILIO_AUTH_TOKEN": secrets.token_hex(16), **HTTPS})
    read.secret("TWILIO_AUTH_TOKEN", public_bytes=16)
    assert read.errors == []
    read.secret("TWILIO_AUTH_TOKEN")  # the same value where 32 bytes are asked
    assert len(read.errors) == 1


def test_missing_secret_is_required_and_says_how_to_make_one():
    read = EnvReader({})
    assert read.secret("SECRET") == ""
    (line,) = read.errors
    assert line.startswith("SECRET: required, not set") and "token_urlsafe(32)" in line


def test_token_follows_the_secret_rules():
    read = EnvReader({"TOKEN": "dev-gateway-token-change-me-0123456789"})
    read.token("TOKEN")
    assert read.errors and read.errors[0].startswith("TOKEN: is an example value")


def test_random_bits_estimates_the_alphabet_and_refuses_patterns():
    assert random_bits(secrets.token_hex(16)) == 128
    assert random_bits(secrets.token_urlsafe(32)) >= 256
    assert random_bits("0123456789abcdefghij-ZYX") == 0  # a counting run
    assert not looks_like_example(secrets.token_urlsafe(32))
