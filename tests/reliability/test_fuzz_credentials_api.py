"""Fuzzing the credentials backend from its own OpenAPI document (schemathesis; issue #12, "Bad
input"): every operation, with valid and invalid bodies, wrong types, huge strings and Unicode edge
cases, as the caller each route serves (and with a wrong token): 0 responses >= 500, every 4xx a
JSON error as the document says (``{"error", "message", "field"?}``), every answer conforming to the
document; and no answer that differs between an existing and an unknown account (M4: replaying each
generated new-code request and login with the username of a registered account and with an unknown
one gives the same status and body).

The backend runs in-process (its real WSGI app on a fresh SQLite database, outbox off): schemathesis
calls it without sockets. Budget and seed: tests/reliability/conftest.py.
"""
from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st

from tests.fixtures.credentials_services import CALLER_TOKENS
from tests.reliability.conftest import count, fuzz_settings

EXISTING = {"username": "kpista77", "legal_name": "Kiss Pista", "email": "kiss.pista@example.hu", "language": "hu"}
UNKNOWN_USERNAME = "nincsilyen77"


def _caller_of(path: str) -> str:
    if path.startswith("/api/v1/office/"):
        return "office"
    if path in ("/api/v1/login", "/api/v1/activate"):
        return "portal"
    return "assistant"


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    from credentials import create_app
    from credentials.migrate import upgrade
    from tests.fixtures.credentials_services import credentials_env

    tmp = tmp_path_factory.mktemp("credentials-fuzz")
    url = f"sqlite:///{tmp}/credentials.db"
    upgrade(url)
    app = create_app(credentials_env(url, tmp, CREDENTIALS_MIN_ANSWER_MS="0", CREDENTIALS_OUTBOX_WORKER="false"))
    client = app.test_client()
    answer = client.post("/api/v1/office/accounts", json=EXISTING,
                         headers={"Authorization": f"Bearer {CALLER_TOKENS['office']}"})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    yield app
    app.extensions["credentials"].engine.dispose()


schema = schemathesis.pytest.from_fixture("credentials_schema")


@pytest.fixture(scope="module")
def credentials_schema(backend):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", backend)


def _assert_json_error_or_success(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:500]}"
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/json"), f"{where}: not JSON"
        body = response.json()
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], f"{where}: {body}"
        assert isinstance(body.get("message", ""), str)
        assert "Traceback" not in response.text


@schema.parametrize()
@fuzz_settings(40)
def test_every_operation_answers_below_500_and_every_4xx_is_a_json_error(case):
    count("credentials API")
    caller = _caller_of(case.path)
    token = CALLER_TOKENS[caller] if hash(repr(case.body)) % 7 else "wrong-token-" + "x" * 30
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    _assert_json_error_or_success(response, f"{case.method} {case.path} {case.body!r:.300}")
    if response.status_code < 300 or token.startswith("wrong"):
        from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

        case.validate_response(response, checks=[response_schema_conformance, status_code_conformance])


TEXT = st.one_of(st.text(max_size=60), st.sampled_from(["", " ", "kiss.pista@example.hu", "KISS.PISTA@EXAMPLE.HU",
                                                        "x" * 5000, "\u0000", "é" * 40, "kpista77"]))


@fuzz_settings(300)
@given(email=TEXT, channel=st.one_of(st.sampled_from(["chat", "phone", "agent", "web"]), TEXT), source=TEXT,
       extra=st.dictionaries(st.sampled_from(["client_address", "language", "code"]), TEXT, max_size=2))
def test_a_new_code_request_answers_the_same_for_an_existing_and_an_unknown_account(backend, email, channel, source,
                                                                                     extra):
    count("no enumeration")
    client = backend.test_client()
    headers = {"Authorization": f"Bearer {CALLER_TOKENS['assistant']}"}
    answers = []
    for username in (EXISTING["username"], UNKNOWN_USERNAME):
        body = {"username": username, "email": email, "channel": channel, "source": source, **extra}
        response = client.post("/api/v1/reset-requests", data=json.dumps(body), headers=headers,
                               content_type="application/json")
        assert response.status_code < 500
        answers.append((response.status_code, response.get_json()))
    assert answers[0] == answers[1], f"{email!r} {channel!r}: {answers}"


@fuzz_settings(150)
@given(password=TEXT)
def test_a_login_fails_with_the_same_answer_for_an_existing_and_an_unknown_account(backend, password):
    count("no enumeration")
    client = backend.test_client()
    headers = {"Authorization": f"Bearer {CALLER_TOKENS['portal']}"}
    answers = []
    for username in (EXISTING["username"], UNKNOWN_USERNAME):
        response = client.post("/api/v1/login", json={"username": username, "password": password}, headers=headers)
        assert response.status_code < 500
        answers.append((response.status_code, response.get_json()))
    assert answers[0] == answers[1], f"{password!r}: {answers}"


