"""Account enumeration (S5, S9): for 1,000 existing and 1,000 unknown usernames, new-code requests
and diagnosis requests get byte-identical answers and statuses (timing: scripts/bench_credentials.py)."""
from __future__ import annotations

import pytest

from credentials import services
from tests.fixtures.credentials_services import SERVICE_TOKEN
from tests.unit.credentials.fake_unit_of_work import FakeDesk

N = 1000
AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def _answer(response) -> tuple:
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() not in ("date", "server"))
    return response.status_code, response.get_data(), tuple(headers)


@pytest.mark.slow
def test_reset_and_diagnose_answers_are_identical_for_existing_and_unknown_usernames(credentials_app):
    desk = FakeDesk(credentials_app)
    for i in range(N):
        desk.register(f"member{i:04d}", legal_name="Tagja Péter", email=f"member{i:04d}@example.hu")
    client = credentials_app.test_client()

    def ask(path: str, username: str, email: str, source: str):
        return _answer(client.post(path, headers=AUTH, json={"username": username, "email": email,
                                                             "channel": "chat", "source": source}))

    reset_existing = {ask("/api/v1/reset-requests", f"member{i:04d}", f"member{i:04d}@example.hu", f"a{i}")
                      for i in range(N)}
    reset_unknown = {ask("/api/v1/reset-requests", f"stranger{i:04d}", f"stranger{i:04d}@example.hu", f"b{i}")
                     for i in range(N)}
    # an existing username with a wrong address must look exactly like an unknown one
    diagnose_existing = {ask("/api/v1/diagnose", f"member{i:04d}", f"someone{i}@example.hu", f"c{i}") for i in range(N)}
    diagnose_unknown = {ask("/api/v1/diagnose", f"stranger{i:04d}", f"stranger{i:04d}@example.hu", f"d{i}")
                        for i in range(N)}

    assert len(reset_existing) == 1 and reset_existing == reset_unknown
    assert next(iter(reset_existing))[:2] == (202, b'{"status":"accepted"}\n')
    assert len(diagnose_existing) == 1 and diagnose_existing == diagnose_unknown
    assert next(iter(diagnose_existing))[:2] == (200, b'{"verified":false}\n')
    # and the existing accounts really did get a new code each, once the worker evaluated the queue
    desk.call(services.evaluate_reset_requests, limit=2 * N)
    assert desk.code_count("reset") == N


def test_reset_answer_is_identical_when_rate_limited(credentials_app):
    desk = FakeDesk(credentials_app)
    desk.register()
    client = credentials_app.test_client()
    body = {"username": "kovacsj", "email": "janos.kovacs@example.hu", "channel": "phone", "source": "+3612345678"}
    answers = {_answer(client.post("/api/v1/reset-requests", headers=AUTH, json=body)) for _ in range(8)}
    assert len(answers) == 1


def test_diagnose_answers_are_padded_to_the_minimum_duration(credentials_app_factory):
    """Lower bound only (never flaky): both kinds of answer take at least CREDENTIALS_MIN_ANSWER_MS.
    (New-code requests are not padded: they only queue, the same write for everyone.)"""
    import time

    app = credentials_app_factory(CREDENTIALS_MIN_ANSWER_MS="200")
    FakeDesk(app).register()
    client = app.test_client()
    for path in ("/api/v1/diagnose",):
        for username, email in (("kovacsj", "janos.kovacs@example.hu"), ("nobody", "nobody@example.hu")):
            start = time.monotonic()
            client.post(path, headers=AUTH, json={"username": username, "email": email, "channel": "web",
                                                  "source": f"{path}{username}"})
            assert time.monotonic() - start >= 0.2
