"""U+0000 on the production database. PostgreSQL's text columns cannot hold a NUL character: an
escalation's idempotency key carrying one made the driver raise inside the request (500
``internal_error``, a traceback in the log), where SQLite had stored it. Every room but the phone
line now refuses such a request with a 400 before reading it (gateway/input_guard.py); the phone
line, which must always answer TwiML, never stores one. Each test runs on PostgreSQL (the schema
of this test alone) and on SQLite: the answer is the same on both."""
from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from tests.fixtures.gateway_services import (SERVICE_TOKEN, create_escalation_via_api, csrf_from, login,
                                             make_gateway_app, sample_escalation)

NUL = "\x00"
API = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


@pytest.fixture(params=["postgresql", "sqlite"])
def nul_app(request, gateway_settings):
    if request.param == "postgresql":
        request.applymarker(pytest.mark.postgres)
        settings = request.getfixturevalue("gateway_pg_settings")
    else:
        settings = gateway_settings
    app = make_gateway_app(settings)
    yield app
    app.extensions["gateway_engine"].dispose()


def tracebacks(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def escalations_stored(app) -> int:
    from agents.models import Escalation
    from gateway import sessions_of

    with sessions_of(app)() as session:
        return session.scalar(select(func.count()).select_from(Escalation))


def refused(answer) -> bool:
    body = answer.get_json(silent=True) or {}
    return answer.status_code == 400 and body.get("error") == "bad_request" and "U+0000" in body.get("message", "")


@pytest.mark.parametrize("field, value", [
    ("idempotency_key", f"chat:sender-1{NUL}:1"),
    ("conversation_id", f"sender{NUL}-9"),
    ("transcript", [{"role": "user", "text": f"nem jött{NUL} meg a kód", "at": "2026-11-24T10:00:00Z"}]),
    ("tried", [f"request{NUL}_new_code"]),
    ("diagnosis", {"mail": f"sent{NUL}"}),
    ("caller_number_masked", f"+36 30 *** **{NUL}67"),
])
def test_an_escalation_with_a_nul_character_is_a_400_and_nothing_is_stored(nul_app, field, value, caplog):
    client = nul_app.test_client()
    answer = client.post("/api/v1/escalations", json=sample_escalation(**{field: value}), headers=API)
    assert refused(answer), (answer.status_code, answer.get_data(as_text=True)[:300])
    assert escalations_stored(nul_app) == 0
    assert tracebacks(caplog) == []
    # the same request without it is taken: nothing of the refused one is in the way
    assert client.post("/api/v1/escalations", json=sample_escalation(), headers=API).status_code == 201


def test_a_chat_message_with_a_nul_character_is_a_400_and_the_chat_goes_on(nul_app, caplog):
    client = nul_app.test_client()
    case = create_escalation_via_api(client)
    auth = {"Authorization": f"Bearer {case['chat_token']}"}
    answer = client.post("/api/v1/chat/sender-1/messages", json={"text": f"hal{NUL}ló"}, headers=auth)
    assert refused(answer), answer.get_data(as_text=True)[:300]
    answer = client.post("/api/v1/chat/sender-1/messages", json={"text": "x", "client_message_id": f"m{NUL}1"},
                         headers=auth)
    assert refused(answer)
    assert client.post("/api/v1/chat/sender-1/messages", json={"text": "halló"}, headers=auth).status_code == 201
    assert tracebacks(caplog) == []


def test_a_status_lookup_with_a_nul_character_in_the_path_is_a_400(nul_app, caplog):
    answer = nul_app.test_client().get("/api/v1/escalations/HD-7K3R%00", headers=API)
    assert refused(answer)
    assert tracebacks(caplog) == []


def test_the_console_login_search_and_reply_with_a_nul_character_are_a_400_page(nul_app, caplog):
    from agents.accounts import create_agent
    from gateway import sessions_of

    with sessions_of(nul_app)() as session:
        create_agent(session, "nulla", "nulla agent password", "supervisor", "Nulla")
    client = nul_app.test_client()
    page = client.get("/agents/login").get_data(as_text=True)
    answer = client.post("/agents/login", data={"username": f"nulla{NUL}", "password": "x" * 12,
                                                "csrf_token": csrf_from(page)})
    assert answer.status_code == 400 and "U+0000" in answer.get_data(as_text=True)
    assert login(client, "nulla", "nulla agent password").status_code in (302, 303)
    assert client.get("/agents/search?reference=HD-%00").status_code == 400
    case = create_escalation_via_api(nul_app.test_client())
    token = csrf_from(client.get(f"/agents/escalations/{case['id']}").get_data(as_text=True))
    client.post(f"/agents/escalations/{case['id']}/claim", data={"csrf_token": token})
    answer = client.post(f"/agents/escalations/{case['id']}/reply", data={"csrf_token": token, "text": f"Jó{NUL} napot"},
                         headers={"Accept": "application/json"})
    assert refused(answer), answer.get_data(as_text=True)[:300]
    assert tracebacks(caplog) == []


def test_every_phone_webhook_with_nul_characters_in_its_fields_still_answers_twiml(nul_app, caplog):
    """The phone line is not refused (a caller must hear something): U+0000 in every field Twilio
    could send, on every /voice/ route, answers a TwiML <Response> and logs no error."""
    from gateway import settings_of
    from ivr.callsim import FlaskTransport, TwilioCall

    settings = settings_of(nul_app)
    routes = sorted({r.rule for r in nul_app.url_map.iter_rules() if r.rule.startswith("/voice/") and "<" not in r.rule})
    assert len(routes) >= 20, routes
    fields = {k: f"1{NUL}2" for k in ("Digits", "SpeechResult", "Confidence", "RecordingUrl", "RecordingDuration",
                                      "RecordingStatus", "QueueTime", "QueueResult", "DialCallStatus", "CallStatus")}
    for route in routes:
        call = TwilioCall(FlaskTransport(nul_app.test_client()), settings.twilio_auth_token, settings.public_base_url,
                          caller=f"+3630{NUL}1234567")
        answer = call.post(route + f"?step=1{NUL}&lang=h{NUL}u", fields, record=False)
        assert answer.status < 500, (route, answer.status, answer.body[:300])
        if answer.body.strip():
            assert ET.fromstring(answer.body).tag == "Response", (route, answer.body[:300])
    assert tracebacks(caplog) == []
