"""Handoff: the offer, two misunderstandings in a row, the chat escalation through the gateway, and the
phone call handed back to the phone line as a HandoffRequest (the phone line creates the case itself)."""
from __future__ import annotations

import dataclasses

import pytest
from dialogue_fakes import FakeGateway, run, slot_values, tracker, user_event

from actions.handoff import (ActionDeclineOffer, ActionDefaultFallback, ActionEscalate, ActionHandleNotUnderstood, ActionOfferHandoff,
                             idempotency_key, transcript)
from kernel.contracts import HandoffRequest

HISTORY = [
    user_event("nem kaptam meg a kódot", "code_not_received", timestamp=1_790_000_000.0),
    {"event": "bot", "text": "Ha nem jött meg a kódot tartalmazó levél...", "timestamp": 1_790_000_001.0},
    {"event": "action", "name": "utter_code_not_received"},
    {"event": "action", "name": "new_code_form"},
    {"event": "bot", "text": "Kérem, írja meg a felhasználónevét", "timestamp": 1_790_000_002.0},
    {"event": "action", "name": "utter_ask_username"},
    user_event("kiss.pista@gmail.com a címem", "inform", timestamp=1_790_000_003.0),
    {"event": "action", "name": "action_request_new_code"},
    user_event("a kódom REDACTEDSECRET", "shared_secret", timestamp=1_790_000_004.0),
]


class ChatTokenGateway(FakeGateway):
    """The gateway's answer to a chat escalation carries the widget's relay token (docs/agents.md)."""

    async def create_escalation(self, request):
        escalation = await super().create_escalation(request)
        token = f"token-of-{escalation.id}" if request.channel == "chat" else None
        return dataclasses.replace(escalation, chat_token=token)


def escalate(gateway, input_channel="helpdesk_socketio", **slots):
    trk = tracker(text="igen", intent="affirm", events=HISTORY,
                  slots={"offer": "handoff", "handoff_reason": "backend_down", **slots}, sender_id="web-7")
    trk.events[-1]["input_channel"] = input_channel
    return run(ActionEscalate(gateway), trk)


def test_escalation_carries_channel_language_transcript_tried_and_diagnosis():
    gateway = FakeGateway()
    escalate(gateway, language="en", login_mistake="code_as_password", diagnosis={"verified": False})
    request = gateway.requests[0]
    assert request.channel == "chat" and request.language == "en" and request.reason == "backend_down"
    assert request.conversation_id == "web-7"
    assert request.tried == ["code_not_received", "new_code_form", "request_new_code"]
    assert request.diagnosis == {"login_mistake": "code_as_password", "backend": {"verified": False}}
    assert [t.role for t in request.transcript] == ["user", "bot", "bot", "user", "user", "user"]
    assert request.transcript[0].at == "2026-09-21T14:13:20Z"


def test_transcript_keeps_the_redaction_token_and_masks_email_addresses():
    texts = [t.text for t in transcript(tracker(text="x", events=HISTORY))]
    assert "ki***@g***.com a címem" in texts
    assert "a kódom REDACTEDSECRET" in texts
    assert not any("kiss.pista@gmail.com" in t for t in texts)


def test_transcript_is_limited_to_the_last_thirty_turns():
    events = [user_event(f"üzenet {i}", "inform") for i in range(50)]
    turns = transcript(tracker(text="utolsó", events=events))
    assert len(turns) == 30 and turns[-1].text == "utolsó"


def test_escalation_pauses_the_bot_and_tells_the_reference():
    events, responses, messages = escalate(FakeGateway())
    assert responses[0] == "utter_handoff_created"
    assert messages[0]["escalation_reference"] == "K-001"
    assert slot_values(events)["escalation_reference"] == "K-001"
    assert slot_values(events)["with_agent"] is True  # the rules' "an agent has it" branch
    assert events[-1]["event"] == "pause"


def test_escalation_failure_gives_the_s11_contacts_and_does_not_pause():
    events, responses, messages = escalate(FakeGateway(down=True))
    assert responses == ["utter_handoff_failed"]
    assert all(e["event"] != "pause" for e in events)
    assert slot_values(events)["with_agent"] is False  # the rules' "no escalation" branch
    assert all(not m.get("custom") for m in messages)


def test_socketio_widget_gets_the_handoff_as_emit_data():
    """python-socketio's emit(event, **custom): only `data` (plus room) may be a key of the payload."""
    _, _, messages = escalate(ChatTokenGateway(), input_channel="helpdesk_socketio")
    customs = [m["custom"] for m in messages if m.get("custom")]
    assert customs == [{"data": {"handoff": {"reference": "K-001", "escalation_id": "1", "chat_token": "token-of-1"}}}]
    assert messages[0]["response"] == "utter_handoff_created"  # the text comes first, the switch after it


@pytest.mark.parametrize("input_channel", ["helpdesk", "rest"])
def test_rest_chat_clients_get_the_handoff_as_custom(input_channel):
    _, _, messages = escalate(ChatTokenGateway(), input_channel=input_channel, channel="chat")
    custom = [m["custom"] for m in messages if m.get("custom")][0]
    assert custom["handoff"]["reference"] == "K-001" and custom["handoff"]["escalation_id"] == "1"
    assert set(custom) == {"handoff"}


def test_phone_handoff_does_not_call_the_gateway_but_asks_the_phone_line():
    """The data goes one way: the phone line creates the case from the HandoffRequest in the answer."""
    gateway = FakeGateway()
    events, responses, messages = escalate(gateway, input_channel="helpdesk", channel="phone",
                                           login_mistake="code_as_password", diagnosis={"verified": False})
    assert gateway.requests == []
    assert responses[0] == "utter_handoff_phone" and "escalation_reference" not in messages[0]
    (custom,) = [m["custom"] for m in messages if m.get("custom")]
    request = HandoffRequest.from_payload(custom)
    assert request == HandoffRequest("backend_down", ["code_not_received", "new_code_form", "request_new_code"],
                                     {"login_mistake": "code_as_password", "backend": {"verified": False}})
    assert set(custom) == {"handoff_request"}


def test_phone_handoff_pauses_the_bot_while_the_caller_waits_for_a_person():
    events, _, _ = escalate(FakeGateway(down=True), input_channel="helpdesk", channel="phone")
    slots = slot_values(events)
    assert slots["with_agent"] is True and slots["offer"] is None
    assert "escalation_reference" not in slots  # the phone line announces the reference
    assert events[-1]["event"] == "pause"


def test_the_same_turn_gives_the_same_idempotency_key():
    trk = tracker(text="igen", events=HISTORY, sender_id="web-7")
    assert idempotency_key(trk) == idempotency_key(trk) == "chat:web-7:4"


def test_retried_escalation_returns_the_same_case():
    gateway = FakeGateway()
    first = escalate(gateway)
    second = escalate(gateway)
    assert first[2][0]["escalation_reference"] == second[2][0]["escalation_reference"]


def test_a_person_on_request_is_offered_first():
    events, responses, _ = run(ActionOfferHandoff(), tracker(text="munkatársat kérek", intent="human_handoff"))
    assert responses == ["utter_offer_handoff"]
    assert slot_values(events) == {"offer": "handoff", "handoff_reason": "user_asked"}


def test_first_failed_understanding_asks_to_rephrase():
    events, responses, _ = run(ActionHandleNotUnderstood(), tracker(text="xyz", intent="nlu_fallback"))
    assert responses == ["utter_please_rephrase"]
    assert slot_values(events)["failed_understandings"] == 1


NOT_UNDERSTOOD_BEFORE = [
    user_event("xyz", "nlu_fallback"),
    {"event": "action", "name": "action_extract_slots"},
    {"event": "action", "name": "action_handle_not_understood"},
    {"event": "bot", "text": "Elnézést, ezt nem értettem."},
    {"event": "action", "name": "action_listen"},
]


def test_second_failed_understanding_in_a_row_offers_a_person():
    trk = tracker(text="qwe", intent="nlu_fallback", events=NOT_UNDERSTOOD_BEFORE)
    events, responses, _ = run(ActionHandleNotUnderstood(), trk)
    assert responses == ["utter_offer_handoff_not_understood"]
    slots = slot_values(events)
    assert slots["offer"] == "handoff" and slots["handoff_reason"] == "not_understood"


def test_core_fallback_reverts_the_message_and_asks_to_rephrase():
    events, responses, _ = run(ActionDefaultFallback(), tracker(text="kisspista77 zzz", intent="inform"))
    assert ActionDefaultFallback().name() == "action_default_fallback"
    assert responses == ["utter_please_rephrase"]
    assert events[0]["event"] == "rewind"  # else Rasa would predict the fallback again for the same message


def test_second_core_fallback_in_a_row_offers_a_person():
    reverted_turn = [
        user_event("zzz qqq", "inform"),
        {"event": "action", "name": "action_extract_slots"},
        {"event": "action", "name": "action_default_fallback"},
        {"event": "bot", "text": "Elnézést, ezt nem értettem."},
        {"event": "rewind"},
        {"event": "action", "name": "action_listen"},
    ]
    events, responses, _ = run(ActionDefaultFallback(), tracker(text="xxx yyy", intent="inform", events=reverted_turn))
    assert responses == ["utter_offer_handoff_not_understood"]
    # the offer comes after the revert, so it survives it
    assert events[0]["event"] == "rewind" and slot_values(events[1:])["offer"] == "handoff"


def test_understood_turn_in_between_starts_counting_again():
    history = NOT_UNDERSTOOD_BEFORE + [user_event("lejárt a kód", "code_expired"),
                                       {"event": "action", "name": "utter_code_expired"}]
    _, responses, _ = run(ActionHandleNotUnderstood(), tracker(text="qwe", intent="nlu_fallback", events=history))
    assert responses == ["utter_please_rephrase"]


def test_failed_understanding_inside_a_form_only_asks_again():
    trk = tracker(text="qwe", intent="nlu_fallback", events=NOT_UNDERSTOOD_BEFORE, active_loop="new_code_form")
    _, responses, _ = run(ActionHandleNotUnderstood(), trk)
    assert responses == ["utter_please_rephrase"]


def test_no_to_an_offer_forgets_it_and_the_email():
    trk = tracker(text="nem", intent="deny", slots={"offer": "new_code", "email": "a@b.hu"})
    events, responses, _ = run(ActionDeclineOffer(), trk)
    assert responses == ["utter_anything_else"]
    assert slot_values(events)["offer"] is None and slot_values(events)["email"] is None
