"""POST /api/v1/escalations (docs/ARCHITECTURE.md): one transaction, idempotent, authenticated,
validated field by field; GET /api/v1/escalations/<reference> for its status."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from agents.models import AuditEntry, Escalation
from tests.fixtures.gateway_services import sample_escalation


def count_escalations(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Escalation))


def test_escalation_is_created_waiting_with_a_reference(gateway_client, service_headers, db_session):
    r = gateway_client.post("/api/v1/escalations", json=sample_escalation(), headers=service_headers)
    assert r.status_code == 201
    body = r.get_json()
    assert body["status"] == "waiting" and body["reference"].startswith("HD-") and body["id"]
    assert body["chat_token"]
    row = db_session.scalar(select(Escalation))
    assert row.reference == body["reference"] and row.channel == "chat" and row.tried == ["request_new_code"]
    assert row.transcript[0]["text"] == "Nem jött meg a kód"
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action == "escalation_created")) is not None


def test_retried_escalation_answers_200_with_the_same_body_and_one_row(gateway_client, service_headers, db_session):
    first = gateway_client.post("/api/v1/escalations", json=sample_escalation(), headers=service_headers)
    again = gateway_client.post("/api/v1/escalations", json=sample_escalation(), headers=service_headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert count_escalations(db_session) == 1


def test_concurrent_duplicate_escalations_make_one_row(live_gateway, service_headers, db_session):
    import httpx

    barrier = threading.Barrier(8)
    answers: list[httpx.Response] = []

    def post():
        barrier.wait()
        answers.append(httpx.post(live_gateway.url + "/api/v1/escalations", json=sample_escalation(),
                                  headers=service_headers, timeout=30))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["reference"] for a in answers}) == 1
    from gateway import sessions_of

    with sessions_of(live_gateway.app)() as session:
        assert count_escalations(session) == 1


def test_escalation_without_service_token_is_refused(gateway_client, db_session):
    for headers in ({}, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": "Basic abc"}):
        r = gateway_client.post("/api/v1/escalations", json=sample_escalation(), headers=headers)
        assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"
    assert count_escalations(db_session) == 0


@pytest.mark.parametrize("override, field", [
    ({"channel": "fax"}, "channel"),
    ({"language": "de"}, "language"),
    ({"idempotency_key": ""}, "idempotency_key"),
    ({"conversation_id": 42}, "conversation_id"),
    ({"reason": "Because I Said So"}, "reason"),
    ({"transcript": "hello"}, "transcript"),
    ({"transcript": [{"role": "robot", "text": "x"}]}, "transcript[0].role"),
    ({"transcript": [{"role": "user", "text": "x", "at": "yesterday"}]}, "transcript[0].at"),
    ({"tried": [1, 2]}, "tried"),
    ({"diagnosis": "verified"}, "diagnosis"),
])
def test_invalid_escalation_field_is_named_in_a_422(gateway_client, service_headers, db_session, override, field):
    r = gateway_client.post("/api/v1/escalations", json=sample_escalation(**override), headers=service_headers)
    assert r.status_code == 422
    assert r.get_json()["field"] == field
    assert count_escalations(db_session) == 0


def test_missing_field_is_named(gateway_client, service_headers):
    body = sample_escalation()
    del body["language"]
    r = gateway_client.post("/api/v1/escalations", json=body, headers=service_headers)
    assert r.status_code == 422 and r.get_json()["field"] == "language"


def test_malformed_body_is_a_400_json(gateway_client, service_headers):
    r = gateway_client.post("/api/v1/escalations", data="{not json", headers={**service_headers,
                            "Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["error"] == "invalid_request"
    r = gateway_client.post("/api/v1/escalations", json=[1, 2], headers=service_headers)
    assert r.status_code == 400


def test_oversized_escalation_is_a_413_json(gateway_client, service_headers, db_session):
    huge = sample_escalation(transcript=[{"role": "user", "text": "x" * 4000} for _ in range(80)])
    r = gateway_client.post("/api/v1/escalations", json=huge, headers=service_headers)
    assert r.status_code == 413 and r.is_json
    assert count_escalations(db_session) == 0


def test_transcript_is_redacted_again_before_storing(gateway_client, service_headers, db_session):
    body = sample_escalation(transcript=[{"role": "user", "text": "a címem kiss.pista@gmail.com"}],
                             channel="phone", conversation_id="CA123", idempotency_key="phone:CA123",
                             caller_number_masked="+36301234512")
    assert gateway_client.post("/api/v1/escalations", json=body, headers=service_headers).status_code == 201
    row = db_session.scalar(select(Escalation))
    assert "kiss.pista@gmail.com" not in row.transcript[0]["text"]
    assert row.caller_number_masked == "+36 30 *** **12"


def test_status_by_reference_is_found_however_typed(gateway_client, service_headers):
    ref = gateway_client.post("/api/v1/escalations", json=sample_escalation(), headers=service_headers).get_json()["reference"]
    r = gateway_client.get(f"/api/v1/escalations/{ref.lower().replace('-', ' ')}", headers=service_headers)
    assert r.status_code == 200
    assert r.get_json()["reference"] == ref and r.get_json()["status"] == "waiting" and r.get_json()["position"] == 1
    assert gateway_client.get("/api/v1/escalations/HD-XXXX", headers=service_headers).status_code == 404
    assert gateway_client.get(f"/api/v1/escalations/{ref}").status_code == 401


def test_in_process_create_escalation_for_the_phone_line(gateway_app, db_session):
    from agents.escalations import create_or_get_escalation, queue_position

    body = sample_escalation(channel="phone", conversation_id="CA1", idempotency_key="phone:CA1")
    first, created = create_or_get_escalation(db_session, body)
    second, created_again = create_or_get_escalation(db_session, body)
    assert first.id == second.id and created and not created_again
    other, _ = create_or_get_escalation(db_session, sample_escalation(channel="phone", conversation_id="CA2",
                                                                      idempotency_key="phone:CA2"))
    assert queue_position(db_session, first) == 1 and queue_position(db_session, other) == 2


def test_conversation_events_are_recorded_once(gateway_client, service_headers):
    ev = {"conversation_id": "s1", "channel": "chat", "language": "hu", "kind": "started"}
    assert gateway_client.post("/api/v1/conversation-events", json=ev, headers=service_headers).status_code == 201
    assert gateway_client.post("/api/v1/conversation-events", json=ev, headers=service_headers).status_code == 200
    bad = gateway_client.post("/api/v1/conversation-events", json={**ev, "kind": "x"}, headers=service_headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "kind"
