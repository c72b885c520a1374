"""kernel.contracts: what crosses between processes is validated in one place, and one status policy."""
from __future__ import annotations

import pytest

from kernel.contracts import (ContractError, ConversationEvent, Diagnosis, EscalationRequest, EscalationTicket,
                              HandoffRequest, NewCodeRequest, Outcome, error_of, outcome_of)

VALID = {"idempotency_key": "chat:c1:1", "channel": "chat", "conversation_id": "c1", "language": "hu",
         "reason": "user_asked", "transcript": [{"role": "user", "text": "segítség", "at": 1764000000.5},
                                                {"role": "bot", "text": "Miben segíthetek?", "at": "2026-11-24T10:00:00Z"}],
         "tried": ["request_new_code"], "diagnosis": {"verified": False}, "caller_number_masked": None}


def test_an_escalation_request_survives_the_wire_both_ways():
    request = EscalationRequest.from_json(VALID)
    again = EscalationRequest.from_json(request.as_json())
    assert again == request
    assert request.transcript[0].at.startswith("2025-11-24T") and request.transcript[1].at == "2026-11-24T10:00:00+00:00"


@pytest.mark.parametrize("change, field, status", [
    ({"channel": "fax"}, "channel", 422),
    ({"language": "de"}, "language", 422),
    ({"reason": "User Asked!"}, "reason", 422),
    ({"idempotency_key": ""}, "idempotency_key", 422),
    ({"transcript": [{"role": "hacker", "text": "x"}]}, "transcript[0].role", 422),
    ({"transcript": [{"role": "user", "text": "x" * 4001}]}, "transcript[0].text", 422),
    ({"transcript": [{"role": "user", "text": "x", "at": "yesterday"}]}, "transcript[0].at", 422),
    ({"tried": "everything"}, "tried", 422),
    ({"diagnosis": [1, 2]}, "diagnosis", 422),
])
def test_a_bad_escalation_field_is_named(change, field, status):
    with pytest.raises(ContractError) as caught:
        EscalationRequest.from_json({**VALID, **change})
    assert caught.value.field == field and caught.value.status == status


def test_a_body_that_is_not_an_object_is_a_400():
    with pytest.raises(ContractError) as caught:
        EscalationRequest.from_json(["not", "an", "object"])
    assert caught.value.status == 400


def test_the_escalation_answer_needs_id_and_reference():
    ticket = EscalationTicket.from_json({"id": "e1", "reference": "HD-AB12", "status": "waiting", "chat_token": ""})
    assert ticket.reference == "HD-AB12" and ticket.chat_token is None
    with pytest.raises(ContractError):
        EscalationTicket.from_json({"status": "waiting"})


def test_a_handoff_request_round_trips_in_a_custom_payload():
    handoff = HandoffRequest("not_understood", ["request_new_code"], {"login_mistake": "own_name"})
    assert HandoffRequest.from_payload(handoff.as_payload()) == handoff
    assert HandoffRequest.from_payload({"handoff": {"reference": "HD-1"}}) is None
    assert HandoffRequest.from_payload({"handoff_request": {"reason": "DROP TABLE"}}) is None
    assert HandoffRequest.from_payload("text") is None


@pytest.mark.parametrize("status, outcome", [
    (200, Outcome.DONE), (201, Outcome.DONE), (202, Outcome.DONE),
    (400, Outcome.REJECTED), (404, Outcome.REJECTED), (409, Outcome.REJECTED), (422, Outcome.REJECTED),
    (401, Outcome.UNAVAILABLE), (403, Outcome.UNAVAILABLE), (408, Outcome.UNAVAILABLE), (429, Outcome.UNAVAILABLE),
    (500, Outcome.UNAVAILABLE), (503, Outcome.UNAVAILABLE), (None, Outcome.UNAVAILABLE), (302, Outcome.UNAVAILABLE),
])
def test_one_mapping_from_a_status_to_what_the_caller_does(status, outcome):
    assert outcome_of(status) is outcome


def test_an_error_body_names_its_code_and_field():
    assert error_of({"error": "invalid_field", "field": "username", "message": "..."}) == ("invalid_field", "username")
    assert error_of("oops") == ("rejected", None)


def test_a_new_code_request_carries_exactly_the_four_fields():
    body = NewCodeRequest("kpista77", "kiss.pista@gmail.com", "phone", "CA123").as_json()
    assert body == {"username": "kpista77", "email": "kiss.pista@gmail.com", "channel": "phone", "source": "CA123"}
    with_address = NewCodeRequest("kpista77", "kiss.pista@gmail.com", "chat", "s1", client_address="203.0.113.7")
    assert with_address.as_json()["client_address"] == "203.0.113.7"


def test_a_diagnosis_is_only_filled_in_when_verified():
    assert Diagnosis.from_json({"verified": False}) == Diagnosis(verified=False)
    diagnosis = Diagnosis.from_json({
        "verified": True, "state": "pending", "live_code": {"exists": True, "expires_at": "2026-11-29T10:00:00Z"},
        "recent_failures": [{"at": "2026-11-24T10:00:00Z", "reason": "wrong_password"},
                            {"at": "2026-11-25T10:00:00Z", "reason": "code_used_as_password"}],
        "last_code_mail": {"status": "sent", "at": "2026-11-24T09:00:00Z"}})
    assert diagnosis.latest_failure_reason() == "code_used_as_password"
    assert diagnosis.summary() == {"verified": True, "state": "pending", "live_code": True,
                                   "last_failure_reason": "code_used_as_password", "last_code_mail": "sent"}
    with pytest.raises(ContractError):
        Diagnosis.from_json({"verified": "yes"})


def test_a_conversation_event_is_validated():
    event = ConversationEvent.from_json({"conversation_id": "CA1", "channel": "phone", "language": "hu",
                                         "kind": "topic", "detail": "code_expired"})
    assert ConversationEvent.from_json(event.as_json()) == event
    for bad in ({"kind": "topic", "detail": "Not A Code"}, {"kind": "boom"}, {"language": "de", "kind": "started"}):
        with pytest.raises(ContractError):
            ConversationEvent.from_json({"conversation_id": "CA1", "channel": "phone", **bad})
