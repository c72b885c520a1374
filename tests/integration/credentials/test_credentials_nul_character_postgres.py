"""U+0000 in the credentials API. PostgreSQL's text columns cannot hold a NUL character: a login,
an activation or an office registration carrying one answered 500 ``internal_error`` on the
production database (the driver refused the query), where SQLite looked it up or stored it. The
backend now refuses any JSON body with one as a 422 ``invalid_field`` naming the field, on both
databases, before any use case runs: nothing is stored, nothing is sent, and the answer is the
same for an existing and an unknown account."""
from __future__ import annotations

import logging

import pytest

from tests.fixtures.credentials_services import CALLER_TOKENS

NUL = "\x00"
KNOWN = {"username": "nullapista", "legal_name": "Nulla Pista", "email": "nulla.pista@example.hu", "language": "hu"}

CALLS = [
    ("office", "/office/accounts", {**KNOWN, "username": "kis" + NUL + "pista"}, "username"),
    ("office", "/office/accounts", {**KNOWN, "username": "nullapista2", "legal_name": "Kis" + NUL + " Pista"}, "legal_name"),
    ("office", "/office/email-corrections", {"username": "nullapista", "email": "k" + NUL + "@example.hu"}, "email"),
    ("office", "/office/username-disclosures", {"legal_name": "Nulla" + NUL + " Pista", "email": KNOWN["email"]}, "legal_name"),
    ("portal", "/activate", {"username": "nullapista" + NUL, "code": "ABCD-EFGH-JKMN-PRTU",
                             "new_password": "hosszu jelszo 2026"}, "username"),
    ("portal", "/activate", {"username": "nullapista", "code": "ABCD-EFGH-JKMN-PRTU",
                             "new_password": "hosszu jelszo 2026" + NUL}, "new_password"),
    ("portal", "/login", {"username": "nullapista" + NUL, "password": "hosszu jelszo 2026"}, "username"),
    ("portal", "/login", {"username": "nullapista", "password": "x" * 12 + NUL}, "password"),
    ("assistant", "/reset-requests", {"username": "nullapista", "email": KNOWN["email"], "channel": "chat",
                                      "source": "chat:s" + NUL}, "source"),
    ("assistant", "/reset-requests", {"username": "nullapista", "email": KNOWN["email"], "channel": "chat",
                                      "source": "chat:s", "client_address": "192.0.2.1" + NUL}, "client_address"),
    ("assistant", "/diagnose", {"username": "nulla" + NUL + "pista", "email": KNOWN["email"], "channel": "chat",
                                "source": "chat:s"}, "username"),
    ("assistant", "/reset-requests", {"username": "nullapista", "email": KNOWN["email"], "channel": "chat",
                                      "source": "chat:s", "extra" + NUL: 1}, "body"),
]


@pytest.fixture(params=["postgresql", "sqlite"])
def backend(request):
    if request.param == "postgresql":
        request.applymarker(pytest.mark.postgres)
        app = request.getfixturevalue("credentials_pg_app")
    else:
        app = request.getfixturevalue("credentials_app")
    client = app.test_client()
    r = client.post("/api/v1/office/accounts", json=KNOWN, headers={"Authorization": f"Bearer {CALLER_TOKENS['office']}"})
    assert r.status_code == 201, r.get_data(as_text=True)
    return client


@pytest.mark.parametrize("who, path, body, field", CALLS, ids=[f"{c[1]}:{c[3]}" for c in CALLS])
def test_a_field_with_a_nul_character_is_a_422_naming_it_and_nothing_runs(backend, who, path, body, field, caplog):
    answer = backend.post("/api/v1" + path, json=body, headers={"Authorization": f"Bearer {CALLER_TOKENS[who]}"})
    assert answer.status_code == 422, (answer.status_code, answer.get_data(as_text=True)[:300])
    assert answer.get_json() == {"error": "invalid_field", "field": field,
                                 "message": "must not contain the NUL character (U+0000)"}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_nul_character_answers_the_same_for_an_existing_and_an_unknown_account(backend):
    def ask(username):
        return backend.post("/api/v1/reset-requests", json={"username": username, "email": KNOWN["email"] + NUL,
                                                            "channel": "chat", "source": "chat:s"},
                            headers={"Authorization": f"Bearer {CALLER_TOKENS['assistant']}"})

    known, unknown = ask("nullapista"), ask("senkisem")
    assert (known.status_code, known.get_json()) == (unknown.status_code, unknown.get_json())
    assert known.status_code == 422
