"""The assistant outside the agents' working hours (kernel.hours): a person asked for is answered with
when people are back (in the conversation's language), the assistant keeps helping and the 24-hour
customer line is named (S11), and a message for the agents is offered instead; within the hours nothing
changes. The texts are rendered by Rasa's own NLG from domain.yml."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest
from dialogue_fakes import FakeGateway, rendered, run, slot_values, tracker

from actions import working_hours
from actions.handoff import ActionEscalate, ActionHandleNotUnderstood, ActionOfferHandoff, previous_turn_not_understood
from actions.session import fact_slots
from kernel.contracts import HandoffRequest
from kernel.hours import WorkingHours

UTC = timezone.utc
HOURS = WorkingHours.parse("mon-fri 08:00-18:00", "2026-12-25", "Europe/Budapest")
FRIDAY_EVENING = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)  # 19:30 in Budapest
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def at(monkeypatch):
    def set_time(moment):
        monkeypatch.setattr(working_hours, "clock", lambda: moment)
    working_hours.reset(HOURS)
    yield set_time
    working_hours.reset()


class TokenGateway(FakeGateway):
    async def create_escalation(self, request):
        escalation = await super().create_escalation(request)
        return dataclasses.replace(escalation, chat_token=f"token-of-{escalation.id}")


def text_of(message, language, channel):
    slots = {k: v for k, v in message.items() if k.startswith(("agents_back", "escalation_reference"))}
    return rendered(message["response"], language=language, channel=channel, **fact_slots(language, env={}), **slots)


@pytest.mark.parametrize("language, channel, back, more", [
    ("hu", "chat", "ügyintézőink hétfőn 8 órától érhetők el", "a nap 24 órájában hívható: 189"),
    ("en", "chat", "our agents are available on Monday from 8 am", "open 24 hours a day: 189"),
    ("hu", "phone", "Ügyintézőink hétfőn 8 órától érhetők el.", ""),
    ("en", "phone", "Our agents are available on Monday from 8 am", ""),
])
def test_out_of_hours_a_person_asked_for_hears_when_people_are_back_and_is_offered_a_message(at, language, channel,
                                                                                             back, more):
    at(FRIDAY_EVENING)
    events, responses, messages = run(ActionOfferHandoff(), tracker(text="ügyintézőt kérek", intent="human_handoff",
                                                                    slots={"language": language, "channel": channel}))
    assert responses == ["utter_agents_closed", "utter_offer_message"]
    said = text_of(messages[0], language, channel)
    assert back in said and more in said
    assert slot_values(events) == {"offer": "handoff", "handoff_reason": "user_asked"}  # the same rules answer the yes
    offer = text_of(messages[1], language, channel)
    assert ("üzenet" in offer) if language == "hu" else ("message" in offer)


def test_within_the_hours_the_offer_is_a_person_as_before(at):
    at(MONDAY_MORNING)
    _, responses, _ = run(ActionOfferHandoff(), tracker(text="ügyintézőt kérek", intent="human_handoff"))
    assert responses == ["utter_offer_handoff"]


def test_out_of_hours_the_second_misunderstanding_offers_a_message_too(at):
    at(FRIDAY_EVENING)
    events = [{"event": "user", "text": "blabla", "parse_data": {"intent": {"name": "nlu_fallback"}}},
              {"event": "action", "name": "action_handle_not_understood"}]
    trk = tracker(text="blabla megint", intent="nlu_fallback", events=events)
    assert previous_turn_not_understood(trk)
    _, responses, _ = run(ActionHandleNotUnderstood(), trk)
    assert responses == ["utter_agents_closed", "utter_offer_message"]


@pytest.mark.parametrize("language, words", [
    ("hu", "Ügyintézőink hétfőn 8 órától válaszolnak itt"),
    ("en", "Our agents will answer here on Monday from 8 am"),
])
def test_out_of_hours_a_yes_leaves_the_message_as_a_case_and_the_widget_learns_when_people_are_back(at, language,
                                                                                                    words):
    at(FRIDAY_EVENING)
    gateway = TokenGateway()
    trk = tracker(text="igen", intent="affirm", slots={"offer": "handoff", "handoff_reason": "user_asked",
                                                       "language": language}, sender_id="web-9")
    trk.events[-1]["input_channel"] = "helpdesk_socketio"
    events, responses, messages = run(ActionEscalate(lambda: gateway), trk)
    assert gateway.requests[0].channel == "chat" and gateway.requests[0].language == language
    assert responses[0] == "utter_handoff_created_closed"
    said = text_of(messages[0], language, "chat")
    assert words in said and "K-001" in said
    handoff = [m["custom"] for m in messages if m.get("custom")][0]["data"]["handoff"]
    assert handoff["chat_token"] == "token-of-1"
    assert handoff["closed"] == {"back_at": "2026-12-07T08:00:00+01:00",
                                 "back": {"hu": "hétfőn 8 órától", "en": "on Monday from 8 am"}}
    assert events[-1]["event"] == "pause" and slot_values(events)["with_agent"] is True


def test_within_the_hours_the_widget_gets_no_closed_notice(at):
    at(MONDAY_MORNING)
    trk = tracker(text="igen", intent="affirm", slots={"offer": "handoff"})
    trk.events[-1]["input_channel"] = "helpdesk_socketio"
    _, responses, messages = run(ActionEscalate(lambda: TokenGateway()), trk)
    handoff = [m["custom"] for m in messages if m.get("custom")][0]["data"]["handoff"]
    assert responses[0] == "utter_handoff_created" and "closed" not in handoff


def test_out_of_hours_on_the_phone_the_yes_hands_the_message_to_the_phone_line_without_connecting_words(at):
    at(FRIDAY_EVENING)
    gateway = FakeGateway()
    trk = tracker(text="igen", intent="affirm", slots={"offer": "handoff", "handoff_reason": "user_asked",
                                                       "channel": "phone"})
    events, responses, messages = run(ActionEscalate(lambda: gateway), trk)
    assert gateway.requests == [] and "utter_handoff_phone" not in responses  # no "please hold": nobody comes
    (custom,) = [m["custom"] for m in messages if m.get("custom")]
    assert HandoffRequest.from_payload(custom).reason == "user_asked"


def test_a_bad_hours_setting_is_logged_and_the_defaults_keep_the_assistant_answering(monkeypatch, caplog):
    working_hours.reset()
    monkeypatch.setenv("AGENTS_HOURS", "mon-fry 08:00-18:00")
    try:
        assert working_hours.rule() == WorkingHours.from_env({})
        assert "'mon-fry' is not a day" in caplog.text
    finally:
        working_hours.reset()
