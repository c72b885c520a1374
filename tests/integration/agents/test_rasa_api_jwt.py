"""The gateway's calls to Rasa's HTTP API: the credential never travels in the URL (proxies and
access logs keep URLs), and what does travel opens one conversation for a minute, nothing else."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import pathlib
import time

from agents.rasa_api import JWT_LIFETIME_SECONDS, resume_conversation
from tests.fixtures.gateway_services import RASA_JWT_SECRET

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verified_claims(token: str, secret: str) -> dict:
    """The claims of an HS256 JWT whose signature checks under ``secret`` (as sanic-jwt in Rasa does)."""
    header, payload, signature = token.split(".")
    assert json.loads(_unb64(header)) == {"alg": "HS256", "typ": "JWT"}
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(_unb64(signature), expected)
    return json.loads(_unb64(payload))


def test_rasa_api_token_never_travels_in_the_query(console_settings, rasa_api_stub):
    resume_conversation(console_settings, "CA0123456789abcdef")
    assert len(rasa_api_stub.requests) == 3
    for request in rasa_api_stub.requests:
        assert "token" not in request["path"] and RASA_JWT_SECRET not in request["path"]
        scheme, _, token = request["headers"]["Authorization"].partition(" ")
        assert scheme == "Bearer" and RASA_JWT_SECRET not in token
        claims = verified_claims(token, RASA_JWT_SECRET)
        # Rasa's role "user" opens only the conversation whose id is the username
        assert claims["user"] == {"username": "CA0123456789abcdef", "role": "user"}
        assert 0 < claims["exp"] - time.time() <= JWT_LIFETIME_SECONDS


def test_rasa_api_jwt_is_bound_to_the_conversation_as_rasa_sees_its_path(console_settings, rasa_api_stub):
    resume_conversation(console_settings, "sender/with space")
    token = rasa_api_stub.requests[0]["headers"]["Authorization"].split(" ", 1)[1]
    # Sanic does not unquote path parameters: Rasa compares the username with the quoted id
    assert verified_claims(token, RASA_JWT_SECRET)["user"]["username"] == "sender%2Fwith%20space"


def test_rasa_starts_with_a_jwt_key_and_no_query_token():
    script = "\n".join(line for line in (ROOT / "scripts" / "rasa-serve.sh").read_text().splitlines()
                       if not line.lstrip().startswith("#"))
    assert "--auth-token" not in script  # Rasa reads that one from ?token= only
    assert "--jwt-secret env:RASA_JWT_SECRET" in script  # resolved inside the process (ops/rasa_cli.py)
