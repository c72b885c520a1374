"""The handoff payload of action_escalate through the REAL channels: python-socketio for the widget,
the helpdesk REST channel for the phone line (docs/agents.md; kernel.contracts.HandoffRequest).

Rasa's socket.io output calls ``sio.emit(event, **custom)``: a payload shaped wrongly raises inside
Rasa and the widget never hears of the handoff. Here the action's messages take Rasa's own path
(RemoteAction._utter_responses → BotUttered.message() → output channel) to a real client.
"""
from __future__ import annotations

import asyncio
import dataclasses
import pathlib
from typing import Any, Dict, List

import httpx
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionEscalate
from bot.channels import HelpdeskRestInput, HelpdeskSocketIOInput
from dialogue_fakes import FakeGateway
from kernel.contracts import CHANNEL_SECRET_HEADER, HandoffRequest
from test_channels import serve

ROOT = pathlib.Path(__file__).resolve().parents[3]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))


class ChatTokenGateway(FakeGateway):
    async def create_escalation(self, request):
        escalation = await super().create_escalation(request)
        return dataclasses.replace(escalation, chat_token="relay-token-1" if request.channel == "chat" else None)


async def escalation_turn(message: UserMessage) -> None:
    """One bot turn that runs action_escalate, delivered the way Rasa's processor delivers it."""
    channel = (message.metadata or {}).get("channel", "chat")
    rasa_tracker = DialogueStateTracker.from_events(message.sender_id, [
        ActionExecuted("action_listen"),
        UserUttered(message.text, {"name": "affirm", "confidence": 1.0}, input_channel=message.input_channel,
                    metadata=message.metadata),
        SlotSet("channel", channel), SlotSet("offer", "handoff"), SlotSet("handoff_reason", "user_asked"),
    ], slots=DOMAIN.slots)
    sdk_tracker = Tracker.from_dict(rasa_tracker.current_state(EventVerbosity.ALL))
    dispatcher = CollectingDispatcher()
    await ActionEscalate(ChatTokenGateway()).run(dispatcher, sdk_tracker, DOMAIN.as_dict())
    nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    for bot in await RemoteAction._utter_responses(dispatcher.messages, message.output_channel, nlg, rasa_tracker):
        await message.output_channel.send_response(message.sender_id, bot.message())


def widget_handoff(msg: Dict[str, Any]) -> Any:
    """web/static/widget.js handoffOf(): {handoff}, {custom: {handoff}} or {data: {handoff}}."""
    return msg.get("handoff") or (msg.get("custom") or {}).get("handoff") or (msg.get("data") or {}).get("handoff")


def test_widget_receives_the_handoff_over_socketio_after_the_text():
    import socketio

    channel = HelpdeskSocketIOInput.from_credentials(
        {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True})

    async def scenario() -> List[Dict[str, Any]]:
        async with serve(channel, escalation_turn) as url:
            client = socketio.AsyncClient()
            answers: asyncio.Queue = asyncio.Queue()
            confirmed: asyncio.Queue = asyncio.Queue()
            client.on("bot_uttered", answers.put)
            client.on("session_confirm", confirmed.put)
            await client.connect(url.split("/webhooks/")[0], socketio_path="/socket.io", transports=["websocket"])
            try:
                await client.emit("session_request", {"session_id": "widget-handoff-1"})
                session = await asyncio.wait_for(confirmed.get(), 10)
                await client.emit("user_uttered", {"message": "igen", "session_id": session})
                return [await asyncio.wait_for(answers.get(), 10) for _ in range(2)]
            finally:
                await client.disconnect()

    text, payload = asyncio.run(scenario())
    assert "K-001" in text["text"]
    assert widget_handoff(payload) == {"reference": "K-001", "escalation_id": "1", "chat_token": "relay-token-1"}


def test_phone_line_reads_the_handoff_request_from_the_rest_channels_custom(monkeypatch):
    secret = "channel-secret-of-this-test-0123456789"
    monkeypatch.setenv("RASA_CHANNEL_SECRET", secret)
    channel = HelpdeskRestInput.from_credentials({})

    async def scenario() -> List[Dict[str, Any]]:
        async with serve(channel, escalation_turn) as url:
            async with httpx.AsyncClient() as client:
                answer = await client.post(url + "/webhook", json={
                    "sender": "CA-handoff-1", "message": "igen", "metadata": {"channel": "phone", "language": "hu"}},
                    headers={CHANNEL_SECRET_HEADER: secret}, timeout=10)
        assert answer.status_code == 200
        return answer.json()

    messages = asyncio.run(scenario())
    assert messages[0]["text"] == "Átadom egy munkatársnak, kérem, tartsa a vonalat."  # no reference yet
    # ivr/speech.py: HandoffRequest.from_payload(custom) of any message; the phone line opens the case
    requests = [HandoffRequest.from_payload(m.get("custom")) for m in messages if m.get("custom")]
    assert requests == [HandoffRequest("user_asked", [], None)]
