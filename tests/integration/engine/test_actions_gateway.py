"""action_escalate against the REAL gateway (`python -m gateway`, app env): the escalation API of
docs/ARCHITECTURE.md answers with a case reference, and the same turn never opens two cases."""
from __future__ import annotations

import asyncio
import sqlite3
import uuid

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation_events
from actions.gateway_client import GatewayClient
from actions.handoff import ActionEscalate
from actions.slot_mappings import ValidateSlotMappings
from app_processes import Processes, app_importable
from tests.fixtures.ports import free_port, wait_for_http

SERVICE_TOKEN = "engine-test-gateway-token-0123456789"
_OK, _WHY = app_importable("gateway", "agents.api")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not _OK, reason=f"the gateway is not importable yet: {_WHY}")]


DATABASES = {}


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gateway")
    processes = Processes(tmp)
    port = free_port()
    process = processes.start("gateway", ["gateway"], {
        "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(port), "GATEWAY_DATABASE_URL": f"sqlite:///{tmp / 'gw.db'}",
        "GATEWAY_SERVICE_TOKEN": SERVICE_TOKEN, "GATEWAY_SECRET_KEY": "engine-test-secret-key-0123456789abcdef",
        "TWILIO_AUTH_TOKEN": "engine-test-twilio-0123456789", "RASA_JWT_SECRET": "engine-test-rasa-jwt-0123456789",
        "RASA_CHANNEL_SECRET": "engine-test-rasa-channel-0123456789", "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "CREDENTIALS_PHONE_TOKEN": "engine-test-phone-0123456789", "CREDENTIALS_CONSOLE_TOKEN": "engine-test-console-0123456789",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "PYTHONUNBUFFERED": "1"})
    try:
        try:
            wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=60, process=process)
        except Exception as exc:
            raise RuntimeError(f"gateway did not start: {exc}\n{processes.log('gateway')}") from exc
        DATABASES[f"http://127.0.0.1:{port}"] = tmp / "gw.db"
        yield f"http://127.0.0.1:{port}"
    finally:
        processes.stop_all()


def escalate(url: str, sender: str, token: str = SERVICE_TOKEN):
    latest = {"text": "igen", "intent": {"name": "affirm"}, "entities": []}
    events = [
        {"event": "user", "text": "nem kaptam meg a kódot", "timestamp": 1_790_000_000.0,
         "parse_data": {"text": "nem kaptam meg a kódot", "intent": {"name": "code_not_received"}}},
        {"event": "action", "name": "utter_code_not_received"},
        {"event": "bot", "text": "Ha nem jött meg a levél...", "timestamp": 1_790_000_001.0},
        {"event": "action", "name": "action_request_new_code"},
        {"event": "user", "text": "igen", "parse_data": latest, "timestamp": 1_790_000_002.0},
    ]
    slots = {"language": "hu", "channel": "chat", "offer": "handoff", "handoff_reason": "backend_down"}
    trk = Tracker(sender, slots, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ActionEscalate(lambda: GatewayClient(url, token)).run(dispatcher, trk, {}))
    return result, dispatcher.messages


def test_escalation_is_created_and_the_bot_pauses(gateway_url):
    events, messages = escalate(gateway_url, f"web-{uuid.uuid4().hex[:8]}")
    assert messages[0]["response"] == "utter_handoff_created"
    assert messages[0]["escalation_reference"]
    assert events[-1]["event"] == "pause"


def test_the_same_turn_opens_only_one_case(gateway_url):
    sender = f"web-{uuid.uuid4().hex[:8]}"
    first = escalate(gateway_url, sender)[1][0]["escalation_reference"]
    again = escalate(gateway_url, sender)[1][0]["escalation_reference"]
    assert first == again


def test_rejected_service_token_gives_the_s11_contacts(gateway_url):
    events, messages = escalate(gateway_url, "web-x", token="wrong-token")
    assert [m["response"] for m in messages] == ["utter_handoff_failed"]
    assert all(e["event"] != "pause" for e in events)



def test_chat_escalation_hands_the_widget_its_relay_token(gateway_url):
    events, messages = escalate(gateway_url, f"web-{uuid.uuid4().hex[:8]}")
    (handoff,) = [m["custom"]["handoff"] for m in messages if m.get("custom")]
    assert handoff["reference"] == messages[0]["escalation_reference"]
    assert handoff["escalation_id"] and len(handoff["chat_token"]) >= 32


def test_conversation_events_reach_the_statistics(gateway_url):
    sender = f"web-{uuid.uuid4().hex[:8]}"
    latest = {"text": "Hello, my activation code expired", "intent": {"name": "code_expired"}, "entities": []}
    events = [{"event": "session_started"},
              {"event": "user", "text": latest["text"], "parse_data": latest, "metadata": {"channel": "chat"}}]
    trk = Tracker(sender, {"language": "hu", "channel": "chat"}, latest, events, False, None, {}, "action_listen")

    async def turn():
        await ValidateSlotMappings(lambda: GatewayClient(gateway_url, SERVICE_TOKEN)).run(CollectingDispatcher(), trk, {})
        await conversation_events.drain()

    asyncio.run(turn())
    asyncio.run(turn())  # a retried turn stores nothing twice
    with sqlite3.connect(DATABASES[gateway_url]) as db:
        rows = db.execute("SELECT channel, language, kind, detail FROM agents_conversation_events "
                          "WHERE conversation_id = ? ORDER BY kind", (sender,)).fetchall()
    assert rows == [("chat", "en", "started", ""), ("chat", "en", "topic", "code_expired")]
