"""bot/channels.py, the widget's socket.io sessions: the channel issues the session id with a signed
token (a learnt or guessed id joins nothing), the client's address comes from the connection (or the
one header the production proxy sets), and what the bot last asked decides whether a bare answer is a
secret (issue 10: items 3, 4, 7)."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels import HelpdeskSocketIOInput, client_address_of, expects_secret, session_token
from tests.unit.engine.test_channels import run, serve

KEY = b"test-widget-session-key-0123456789abcdef"


def channel(**extra: Any) -> HelpdeskSocketIOInput:
    return HelpdeskSocketIOInput(user_message_evt="user_uttered", bot_message_evt="bot_uttered",
                                 session_persistence=True, session_key=KEY, **extra)


class Widget:
    """A socket.io client speaking the widget's protocol."""

    def __init__(self, base: str, headers: dict | None = None) -> None:
        import socketio

        self.base, self.headers = base, headers or {}
        self.client = socketio.AsyncClient()
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.stored: asyncio.Queue = asyncio.Queue()
        self.client.on("session_confirm", self.confirmed.put)
        self.client.on("helpdesk_stored", self.stored.put)

    async def start(self, **request: Any) -> dict:
        if self.client.connected:  # a second session_request on the same connection
            await self.client.emit("session_request", request)
            return await asyncio.wait_for(self.confirmed.get(), 10)
        await self.client.connect(self.base, socketio_path="/socket.io", transports=["websocket"],
                                  headers=self.headers)
        await self.client.emit("session_request", request)
        return await asyncio.wait_for(self.confirmed.get(), 10)

    async def say(self, text: str, **extra: Any) -> dict:
        """Send a message; the channel's acknowledgement of what it stored."""
        await self.client.emit("user_uttered", {"message": text, "client_message_id": "c1", **extra})
        return await asyncio.wait_for(self.stored.get(), 10)

    async def stop(self) -> None:
        await self.client.disconnect()


def conversation(ch: HelpdeskSocketIOInput, scenario):
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    async def main():
        async with serve(ch, on_new_message) as url:
            result = await scenario(url.split("/webhooks/")[0])
            for _ in range(100):
                await asyncio.sleep(0.05)
                if len(received) >= result.get("expect", 0):
                    break
            return result

    return run(main()), received


def test_another_users_session_id_cannot_join_their_conversation():
    async def scenario(base):
        victim, attacker = Widget(base), Widget(base)
        try:
            mine = await victim.start()
            # The attacker learnt the victim's session id (a log line, a shoulder, a guess).
            theirs = await attacker.start(session_id=mine["session_id"])
            forged = await attacker.start(session_id=mine["session_id"], session_token="0" * 64)
            await attacker.say("I want to hear the case", session_id=mine["session_id"])
        finally:
            await victim.stop()
            await attacker.stop()
        return {"mine": mine, "theirs": theirs, "forged": forged, "expect": 1}

    result, received = conversation(channel(), scenario)
    victim_id = result["mine"]["session_id"]
    assert result["theirs"]["session_id"] != victim_id
    assert result["forged"]["session_id"] != victim_id
    (message,) = received
    assert message.sender_id != victim_id  # the attacker spoke in a conversation of their own


def test_a_widget_resumes_its_own_conversation_with_the_issued_token():
    async def scenario(base):
        first, again = Widget(base), Widget(base)
        try:
            issued = await first.start()
            await first.stop()
            resumed = await again.start(**issued)
        finally:
            await again.stop()
        return {"issued": issued, "resumed": resumed}

    result, _ = conversation(channel(), scenario)
    assert result["resumed"] == result["issued"]
    assert result["issued"]["session_token"] == session_token(KEY, result["issued"]["session_id"])


def test_fresh_session_ids_do_not_reset_the_rate_limit_source():
    """Every new session of one client carries the same client address, whatever the client claims."""
    async def scenario(base):
        sessions = []
        for _ in range(3):
            widget = Widget(base)
            try:
                sessions.append(await widget.start())
                await widget.say("szia", metadata={"client_address": "198.51.100.7"})
            finally:
                await widget.stop()
        return {"sessions": sessions, "expect": 3}

    result, received = conversation(channel(), scenario)
    assert len({s["session_id"] for s in result["sessions"]}) == 3
    assert [m.metadata["client_address"] for m in received] == ["127.0.0.1"] * 3


def test_behind_the_trusted_proxy_the_address_is_its_headers_last_entry(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1")  # the test's socket peer is the proxy

    async def scenario(base):
        widget = Widget(base, headers={"X-Real-Client": "203.0.113.5, 192.0.2.44"})
        try:
            await widget.start()
            await widget.say("szia")
        finally:
            await widget.stop()
        return {"expect": 1}

    _, received = conversation(channel(client_address_header="X-Real-Client"), scenario)
    assert received[0].metadata["client_address"] == "192.0.2.44"


def test_a_forwarded_for_header_set_by_a_client_that_is_not_a_trusted_proxy_is_ignored(monkeypatch):
    """The spoofing attack: a client reaching Rasa directly writes its own X-Forwarded-For to get a
    fresh per-client limit at the backend; the socket peer is kept."""
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)

    async def scenario(base):
        widget = Widget(base, headers={"X-Forwarded-For": "198.51.100.99"})
        try:
            await widget.start()
            await widget.say("szia")
        finally:
            await widget.stop()
        return {"expect": 1}

    _, received = conversation(channel(client_address_header="X-Forwarded-For"), scenario)
    assert received[0].metadata["client_address"] == "127.0.0.1"


def test_the_channel_uses_the_kernels_one_client_address_rule(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1")
    assert client_address_of("10.0.0.9", {"X-Forwarded-For": "1.2.3.4"}, None) == "10.0.0.9"  # not the proxy
    assert client_address_of("10.0.0.1", {"X-Forwarded-For": "6.6.6.6, 1.2.3.4"}, None) == "1.2.3.4"
    assert client_address_of("10.0.0.1", {}, "X-Forwarded-For") == "10.0.0.1"
    assert client_address_of(None, None, None) is None


def test_the_widget_gets_back_what_was_stored_not_the_raw_secret():
    async def scenario(base):
        widget = Widget(base)
        try:
            await widget.start()
            stored = await widget.say("my password is tavaszido")
        finally:
            await widget.stop()
        return {"stored": stored}

    result, _ = conversation(channel(), scenario)
    assert result["stored"] == {"client_message_id": "c1", "text": "my password is REDACTEDSECRET"}


class FakeStore:
    def __init__(self, tracker):
        self.tracker = tracker

    async def retrieve(self, sender_id):
        return self.tracker


def app_with(tracker) -> Any:
    return SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=FakeStore(tracker))))


@pytest.mark.parametrize("events, expected", [
    ([BotUttered("És a Jelszó mezőbe mit írt?", metadata={"utter_action": "utter_ask_login_password_kind"})], True),
    ([SlotSet("requested_slot", "login_password_kind")], True),
    ([BotUttered("Mit írt a Felhasználónév mezőbe?", metadata={"utter_action": "utter_ask_login_username_kind"})],
     False),
    ([BotUttered("x", metadata={"utter_action": "utter_ask_login_password_kind"}), UserUttered("a")], False),
])
def test_the_channel_reads_from_the_tracker_whether_the_last_question_invites_a_secret(events, expected):
    tracker = DialogueStateTracker.from_events("s1", events, slots=[])
    if any(isinstance(e, SlotSet) for e in events):
        from rasa.shared.core.slots import TextSlot

        tracker = DialogueStateTracker.from_events("s1", events, slots=[TextSlot("requested_slot", [])])
    assert run(expects_secret(app_with(tracker), "s1")) is expected
    assert run(expects_secret(None, "s1")) is False


def test_an_example_widget_session_key_is_refused(monkeypatch):
    """Like every secret (kernel.settings): a published or placeholder key would let anyone mint tokens."""
    import pytest

    from bot.channels import ChannelConfigError, session_key_from_env

    monkeypatch.setenv("WIDGET_SESSION_KEY", "dev-widget-session-key-change-me")
    with pytest.raises(ChannelConfigError) as caught:
        session_key_from_env()
    assert "WIDGET_SESSION_KEY" in str(caught.value) and "dev-widget-session-key" not in str(caught.value)
    monkeypatch.setenv("WIDGET_SESSION_KEY", "q8Zr2mT5vX1kN7pL4sW9cY3bF6hJ0dGe")
    assert session_key_from_env() == b"q8Zr2mT5vX1kN7pL4sW9cY3bF6hJ0dGe"


class CountingStore(FakeStore):
    def __init__(self, tracker):
        super().__init__(tracker)
        self.reads = 0

    async def retrieve(self, sender_id):
        self.reads += 1
        return self.tracker


@pytest.mark.parametrize("message, reads, expected", [
    ("nem tudok belépni a portálra", 0, False),  # ordinary words: redacted alike either way
    ("igen", 0, False),
    ("Tavasz2024", 1, True),  # a bare answer to the password question: hidden only when it was asked
    ("tavaszido", 1, True),
])
def test_the_tracker_is_read_only_when_the_answer_changes_the_redaction(message, reads, expected):
    """A cheaper turn that redacts the same: the password question still hides a bare answer."""
    from kernel.redaction import redact

    tracker = DialogueStateTracker.from_events(
        "s1", [BotUttered("És a Jelszó mezőbe mit írt?", metadata={"utter_action": "utter_ask_login_password_kind"})],
        slots=[])
    app = app_with(tracker)
    app.ctx.agent.tracker_store = store = CountingStore(tracker)
    answer = run(expects_secret(app, "s1", message))
    assert store.reads == reads
    assert answer is expected
    assert redact(message, expecting_secret=answer) == redact(message, expecting_secret=True)
