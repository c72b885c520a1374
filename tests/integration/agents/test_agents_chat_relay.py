"""Chat relay of an escalated web chat: only the widget holding the escalation's token can post or
read; user text is redacted before storing; resent messages are stored once; the SSE stream carries
the agent's words, "agent joined" and "handed back", and resumes after the last seen id."""
from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from sqlalchemy import select

from agents.models import EscalationMessage
from tests.fixtures.gateway_services import SERVICE_TOKEN, sample_escalation


def escalate(client_or_url, conversation_id="sender-1", key=None):
    body = sample_escalation(conversation_id=conversation_id, idempotency_key=key or f"chat:{conversation_id}:1")
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    if isinstance(client_or_url, str):
        return httpx.post(client_or_url + "/api/v1/escalations", json=body, headers=headers).json()
    return client_or_url.post("/api/v1/escalations", json=body, headers=headers).get_json()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_stranger_cannot_post_into_or_read_anothers_chat(gateway_client):
    mine = escalate(gateway_client, "alice")
    theirs = escalate(gateway_client, "bob")
    cases = [
        ("alice", {}),                                  # no token
        ("alice", bearer("0" * 64)),                    # guessed token
        ("alice", bearer(theirs["chat_token"])),        # another escalated user's token
        ("bob-unknown", bearer(mine["chat_token"])),    # right token, other conversation
    ]
    for conversation, headers in cases:
        r = gateway_client.post(f"/api/v1/chat/{conversation}/messages", json={"text": "hi"}, headers=headers)
        assert r.status_code == 403, (conversation, headers)
        assert gateway_client.get(f"/api/v1/chat/{conversation}/events", headers=headers).status_code == 403
    ok = gateway_client.post("/api/v1/chat/alice/messages", json={"text": "hi"}, headers=bearer(mine["chat_token"]))
    assert ok.status_code == 201


def test_user_text_to_the_agent_is_redacted_before_storing(gateway_client, db_session):
    esc = escalate(gateway_client)
    r = gateway_client.post("/api/v1/chat/sender-1/messages", headers=bearer(esc["chat_token"]),
                            json={"text": "a jelszavam Tavasz2024!! és a címem kiss.pista@gmail.com"})
    assert r.status_code == 201
    stored = db_session.scalar(select(EscalationMessage).where(EscalationMessage.sender == "user"))
    assert "Tavasz2024" not in stored.text and "kiss.pista@gmail.com" not in stored.text
    assert "REDACTEDSECRET" in stored.text and "password" in stored.redacted
    assert "Tavasz2024" not in r.get_data(as_text=True)


def test_a_message_resent_after_a_dropped_connection_is_stored_once(gateway_client, db_session):
    esc = escalate(gateway_client)
    body = {"text": "ott vagy?", "client_message_id": "m-1"}
    first = gateway_client.post("/api/v1/chat/sender-1/messages", json=body, headers=bearer(esc["chat_token"]))
    again = gateway_client.post("/api/v1/chat/sender-1/messages", json=body, headers=bearer(esc["chat_token"]))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert len(db_session.scalars(select(EscalationMessage)).all()) == 1


@pytest.mark.parametrize("body, field", [({"text": ""}, "text"), ({"text": "x" * 2001}, "text"),
                                         ({"text": "ok", "client_message_id": 5}, "client_message_id")])
def test_bad_relay_message_is_a_422_naming_the_field(gateway_client, body, field):
    esc = escalate(gateway_client)
    r = gateway_client.post("/api/v1/chat/sender-1/messages", json=body, headers=bearer(esc["chat_token"]))
    assert r.status_code == 422 and r.get_json()["field"] == field


def read_events(url, token, stop_after, after=None, timeout=10.0):
    """Collect SSE events (name, data, id) until ``stop_after`` event names were seen."""
    headers = bearer(token) | ({"Last-Event-ID": str(after)} if after else {})
    events, current = [], {}
    with httpx.stream("GET", url, headers=headers, timeout=timeout) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event: "):
                current["event"] = line[7:]
            elif line.startswith("data: "):
                current["data"] = json.loads(line[6:])
            elif line.startswith("id: "):
                current["id"] = int(line[4:])
            elif line == "" and "event" in current:
                events.append(current)
                current = {}
                if events[-1]["event"] in stop_after:
                    break
    return events


def test_agent_reply_reaches_the_widget_stream_at_once(live_gateway, make_agent):
    from agents import chat, escalations
    from gateway import sessions_of

    esc = escalate(live_gateway.url)
    anna = make_agent("anna", display_name="Anna")
    got: list = []
    reader = threading.Thread(target=lambda: got.extend(read_events(
        f"{live_gateway.url}/api/v1/chat/sender-1/events", esc["chat_token"], {"message"})))
    reader.start()
    slots = live_gateway.app.extensions["agents_stream_slots"]
    deadline = time.monotonic() + 10
    while slots.open_count() == 0 and time.monotonic() < deadline:  # the stream is open (a busy machine is slow)
        time.sleep(0.02)
    time.sleep(0.3)  # and has read the case's state
    with sessions_of(live_gateway.app)() as s:
        assert escalations.claim(s, esc["id"], anna)
        sent_at = time.monotonic()
        chat.post_agent_message(s, escalations.get(s, esc["id"]), anna, "Jó napot, Anna vagyok.")
    reader.join(timeout=10)
    assert time.monotonic() - sent_at < 2.0
    names = [e["event"] for e in got]
    assert names == ["state", "agent_joined", "message"]
    assert got[0]["data"]["status"] == "waiting" and got[0]["data"]["reference"] == esc["reference"]
    assert got[1]["data"]["agent"] == "Anna" or got[1]["data"]["text"] == "Anna"
    assert got[2]["data"]["text"] == "Jó napot, Anna vagyok." and got[2]["data"]["sender"] == "agent"


def test_stream_resumes_after_the_last_event_id_and_ends_when_handed_back(live_gateway, make_agent):
    from agents import chat, escalations
    from gateway import sessions_of

    esc = escalate(live_gateway.url)
    anna = make_agent("anna")
    with sessions_of(live_gateway.app)() as s:
        escalations.claim(s, esc["id"], anna)
        e = escalations.get(s, esc["id"])
        first = chat.post_agent_message(s, e, anna, "első")
        chat.post_agent_message(s, e, anna, "második")
        escalations.finish(s, e, anna, status="handed_back", outcome="handed_back", kind="handed_back")
    events = read_events(f"{live_gateway.url}/api/v1/chat/sender-1/events", esc["chat_token"],
                         {"handed_back"}, after=first.id)
    assert [e["event"] for e in events] == ["state", "message", "handed_back"]
    assert events[1]["data"]["text"] == "második"
    r = httpx.post(f"{live_gateway.url}/api/v1/chat/sender-1/messages", json={"text": "még itt?"},
                   headers=bearer(esc["chat_token"]))
    assert r.status_code == 409 and r.json()["error"] == "escalation_closed"


def test_relay_answers_cors_preflight_for_widgets_on_other_sites(gateway_client):
    r = gateway_client.options("/api/v1/chat/sender-1/messages", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status_code in (200, 204)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in r.headers["Access-Control-Allow-Headers"]


def test_new_code_from_the_widget_reaches_the_address_on_file_only(gateway_settings, credentials_server):
    """S5/S8: the user types username and e-mail into the widget form; the agent never sees them;
    the backend sends the code only when the address is the one on file."""
    from dataclasses import replace

    from agents import escalations
    from gateway import sessions_of
    from tests.fixtures.gateway_services import start_live_gateway

    settings = replace(gateway_settings, credentials_url=credentials_server.url,
                       credentials_console_token=credentials_server.tokens["console"])
    gw = start_live_gateway(settings)
    try:
        credentials_server.register("kisspista77", "Kiss Pista", "kiss.pista@example.hu")
        esc = escalate(gw.url)
        from agents.accounts import create_agent

        with sessions_of(gw.app)() as s:
            anna = create_agent(s, "anna", "correct horse battery staple")
            escalations.claim(s, esc["id"], anna)
        url = f"{gw.url}/api/v1/chat/sender-1/new-code"
        wrong = httpx.post(url, json={"username": "kisspista77", "email": "attacker@example.org"},
                           headers=bearer(esc["chat_token"]), timeout=10)
        right = httpx.post(url, json={"username": "kisspista77", "email": "kiss.pista@example.hu"},
                           headers=bearer(esc["chat_token"]), timeout=10)
        assert wrong.status_code == right.status_code == 202
        mail = credentials_server.sink.wait_for_mail("kiss.pista@example.hu", timeout=15)
        assert mail is not None
        assert not any("attacker@example.org" in str(m["To"]) for m in credentials_server.sink.messages())
        from sqlalchemy import select as sel

        from agents.models import AuditEntry

        with sessions_of(gw.app)() as s:
            details = [a.detail for a in s.scalars(sel(AuditEntry).where(AuditEntry.action == "new_code_requested"))]
        assert details and all("kiss.pista@example.hu" not in json.dumps(d) for d in details)
    finally:
        gw.stop()
