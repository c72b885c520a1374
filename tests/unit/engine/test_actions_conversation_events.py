"""Conversation events for the statistics (docs/agents.md): a chat conversation `started`, the S4–S9
mistake `topic`s; sent in the background, so a slow or broken gateway never costs the user a turn."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import List

from actions.email_address import sealed
from dialogue_fakes import FakeCredentials, slot_values, tracker, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation_events
from kernel.contracts import Diagnosis, LiveCode, LoginFailure
from actions.diagnosis import ActionDiagnose
from actions.gateway_client import GatewayUnavailable
from kernel.contracts import ConversationEvent
from actions.login_help import ActionExplainLogin
from actions.slot_mappings import ValidateSlotMappings
from dialogue_fakes import DOMAIN

USER, MAIL = "kisspista77", "kiss.pista@gmail.com"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
SESSION_START = [{"event": "action", "name": "action_session_start"}, {"event": "session_started"},
                 {"event": "action", "name": "action_listen"}]


class FakeEventsGateway:
    """Records what the gateway's POST /api/v1/conversation-events would have stored."""

    def __init__(self, down: bool = False, hold: bool = False) -> None:
        self.down = down
        self.released = asyncio.Event() if hold else None
        self.events: List[ConversationEvent] = []

    def __call__(self) -> "FakeEventsGateway":
        return self

    async def record_conversation_event(self, event: ConversationEvent) -> None:
        if self.released is not None:
            await self.released.wait()
        if self.down:
            raise GatewayUnavailable("HTTP 503")
        self.events.append(event)


def run_drained(action, trk):
    """Run the action, then let the background events finish (the action server's loop keeps running)."""
    async def go():
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, trk, DOMAIN)
        await conversation_events.drain()
        return events, [m.get("response") for m in dispatcher.messages]
    return asyncio.run(go())


def first_message(gateway, text="Hello, my activation code expired", intent="code_expired", channel="chat"):
    trk = tracker(text=text, intent=intent, events=SESSION_START, metadata={"channel": channel}, sender_id="web-42")
    return run_drained(ValidateSlotMappings(gateway), trk)


def test_first_chat_message_starts_a_conversation_with_its_language():
    gateway = FakeEventsGateway()
    first_message(gateway, text="Hello, I did not get my activation code", intent="code_not_received")
    started = [e for e in gateway.events if e.kind == "started"]
    assert started == [ConversationEvent("web-42", "chat", "en", "started")]


def test_later_messages_of_the_session_do_not_start_it_again():
    gateway = FakeEventsGateway()
    history = SESSION_START + [user_event("szia", "greet"), {"event": "bot", "text": "Jó napot!"}]
    run_drained(ValidateSlotMappings(gateway), tracker(text="köszönöm", intent="thank", events=history,
                                                       metadata={"channel": "chat"}))
    assert gateway.events == []


def test_phone_calls_are_counted_by_the_phone_line_not_by_the_bot():
    gateway = FakeEventsGateway()
    first_message(gateway, text="lejárt a kódom", channel="phone", intent="greet")
    assert gateway.events == []


def test_an_intent_naming_a_mistake_is_a_topic_s4_to_s9():
    gateway = FakeEventsGateway()
    first_message(gateway, text="lejárt a kódom", intent="code_expired")
    topics = [(e.kind, e.detail, e.language) for e in gateway.events if e.kind == "topic"]
    assert topics == [("topic", "code_expired", "hu")]


def test_other_intents_are_no_topic():
    gateway = FakeEventsGateway()
    first_message(gateway, text="jó napot", intent="greet")
    assert [e.kind for e in gateway.events] == ["started"]


def test_gateway_down_does_not_change_the_turn():
    working, down = FakeEventsGateway(), FakeEventsGateway(down=True)
    assert first_message(down) == first_message(working)
    assert down.events == [] and working.events


def test_the_turn_does_not_wait_for_the_gateway():
    gateway = FakeEventsGateway(hold=True)
    trk = tracker(text="Hello, my code expired", intent="code_expired", events=SESSION_START,
                  metadata={"channel": "chat"})

    async def go():
        events = await ValidateSlotMappings(gateway).run(CollectingDispatcher(), trk, DOMAIN)
        answered_before_the_gateway = gateway.events == []
        gateway.released.set()
        await conversation_events.drain()
        return events, answered_before_the_gateway

    events, answered_before_the_gateway = asyncio.run(go())
    assert answered_before_the_gateway
    assert slot_values(events)["language"] == "en"
    assert {e.kind for e in gateway.events} == {"started", "topic"}


def test_explained_login_mistakes_are_topics_s6_s3():
    gateway = FakeEventsGateway()
    trk = tracker(slots={"login_username_kind": "own_name", "login_password_kind": "code", "login_activated": "no"},
                  sender_id="web-5")
    events, _ = run_drained(ActionExplainLogin(gateway), trk)
    assert slot_values(events)["login_mistake"] == "own_name_as_username"
    assert [e.detail for e in gateway.events] == ["own_name_as_username", "not_activated"]
    assert all(e.kind == "topic" and e.conversation_id == "web-5" and e.channel == "chat" for e in gateway.events)


def test_code_typed_as_password_is_a_topic_s7():
    gateway = FakeEventsGateway()
    trk = tracker(slots={"login_username_kind": "chosen_username", "login_password_kind": "code",
                         "login_activated": "yes", "channel": "phone", "language": "en"})
    run_drained(ActionExplainLogin(gateway), trk)
    assert [(e.detail, e.channel, e.language) for e in gateway.events] == [("code_as_password", "phone", "en")]


def test_a_wrong_password_alone_is_no_topic():
    gateway = FakeEventsGateway()
    trk = tracker(slots={"login_username_kind": "chosen_username", "login_password_kind": "password"})
    run_drained(ActionExplainLogin(gateway), trk)
    assert gateway.events == []


def diagnose(gateway, backend, username=USER):
    trk = tracker(text="igen", intent="affirm",
                  slots={"username": username, "email": sealed(MAIL), "email_confirmed": True, "language": "hu"})
    return run_drained(ActionDiagnose(backend, gateway), trk)


def test_diagnosed_mistake_is_a_topic_s7():
    gateway = FakeEventsGateway()
    backend = FakeCredentials(accounts={USER: MAIL}, diagnosis=Diagnosis(
        verified=True, state="active", live_code=LiveCode(False, None),
        recent_failures=[LoginFailure(NOW, "code_used_as_password")]))
    _, responses = diagnose(gateway, backend)
    assert responses[0] == "utter_diagnosis_code_as_password"
    assert [(e.kind, e.detail) for e in gateway.events] == [("topic", "code_as_password")]


def test_pending_account_without_live_code_is_not_activated_and_code_expired_s3_s4():
    gateway = FakeEventsGateway()
    backend = FakeCredentials(accounts={USER: MAIL}, diagnosis=Diagnosis(
        verified=True, state="pending", live_code=LiveCode(False, None)))
    diagnose(gateway, backend)
    assert [e.detail for e in gateway.events] == ["not_activated", "code_expired"]


def test_unverified_diagnosis_reports_nothing():
    gateway = FakeEventsGateway()
    backend = FakeCredentials(accounts={USER: MAIL}, diagnosis=Diagnosis(verified=True, state="pending"))
    diagnose(gateway, backend, username="nincsilyen1")
    assert gateway.events == []
