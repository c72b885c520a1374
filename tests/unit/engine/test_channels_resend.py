"""bot/channels.py, nothing lost between the widget and Rasa (issue #12): the channel acknowledges a
widget message (``helpdesk_stored``) once Rasa has stored its turn, and a message the widget sends
again after a reconnect (``resend: true``) is answered once — after a Rasa restart too, from the
tracker store, where the user event carries the message id as a keyed digest (never the client's raw
text).

The restart test runs a real Rasa agent (the tiny keyword model of test_channels_real_agent.py,
trained in seconds) with the project's credentials.yml and endpoints.yml (SQLite tracker store) twice
on one database, as the supervisor's restart does; the others use the channel in a real Sanic app with
a turn the test holds open.
"""
from __future__ import annotations

import asyncio
import logging
import pathlib
import sqlite3
import uuid
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels import MESSAGE_DIGEST_METADATA, HelpdeskSocketIOInput
from tests.fixtures.ports import free_port
from tests.unit.engine.test_channels import run, serve
from tests.unit.engine.test_channels_real_agent import CHANNEL_SECRET, tiny_model  # noqa: F401 - the fixture

ROOT = pathlib.Path(__file__).resolve().parents[3]
SESSION_KEY = "test-widget-session-key-0123456789abcdef"
QUIET_S = 1.5  # a second answer to a resend would have come by then (a tiny-model turn takes ~50 ms)


class Widget:
    """A socket.io client speaking the widget's protocol; every event it gets, in order."""

    def __init__(self, base: str) -> None:
        import socketio

        self.base = base
        self.client = socketio.AsyncClient()
        self.events: list[tuple[str, Any]] = []
        self.log: list[str] = []  # the names of every event, in the order they came
        self.arrived = asyncio.Event()
        for name in ("session_confirm", "bot_uttered", "helpdesk_stored", "helpdesk_error"):
            self.client.on(name, self._recorder(name))

    def _recorder(self, name: str):
        async def record(data: Any = None) -> None:
            self.events.append((name, data))
            self.log.append(name)
            self.arrived.set()
        return record

    async def next(self, name: str, timeout: float = 15) -> Any:
        """The first not yet taken event ``name`` (waits for it)."""
        async def first():
            while True:
                for i, (got, data) in enumerate(self.events):
                    if got == name:
                        del self.events[i]
                        return data
                self.arrived.clear()
                await self.arrived.wait()
        return await asyncio.wait_for(first(), timeout)

    def named(self, name: str) -> list[Any]:
        return [data for got, data in self.events if got == name]

    async def start(self, session: dict | None = None) -> dict:
        await self.client.connect(self.base, socketio_path="/socket.io", transports=["websocket"])
        await self.client.emit("session_request", session or {})
        return await self.next("session_confirm")

    async def say(self, text: str, cid: str, **extra: Any) -> None:
        await self.client.emit("user_uttered", {"message": text, "client_message_id": cid, **extra})

    async def stop(self) -> None:
        await self.client.disconnect()


# --- a real agent, restarted on its tracker store ---------------------------------------------------


class Rasa:
    """One Rasa process's worth: the agent on the tiny model, the project's channels and endpoints."""

    def __init__(self, model: pathlib.Path) -> None:
        self.model = model

    async def __aenter__(self) -> "Rasa":
        from rasa.core.agent import load_agent
        from rasa.core.run import configure_app, create_http_input_channels
        from rasa.core.utils import AvailableEndpoints

        endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
        self.agent = await load_agent(model_path=str(self.model), endpoints=endpoints)
        channels = create_http_input_channels(None, str(ROOT / "credentials.yml"))
        Sanic.test_mode = True  # lets Sanic start more than one app in one process
        app = configure_app(channels, enable_api=False, conversation_id=uuid.uuid4().hex)
        app.ctx.agent = self.agent
        port = free_port()
        self.server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await self.server.startup()
        await self.server.before_start()  # the channels' listeners: the socket.io channel learns the agent here
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_: Any) -> None:
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
def rasa_env(tmp_path, monkeypatch):
    db = tmp_path / "tracker.db"
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:9/webhook")
    monkeypatch.setenv("RASA_TRACKER_SQLITE", str(db))
    monkeypatch.setenv("RASA_CHANNEL_SECRET", CHANNEL_SECRET)
    monkeypatch.setenv("WIDGET_SESSION_KEY", SESSION_KEY)  # as `make run` sets it: sessions outlive a restart
    return db


@pytest.mark.slow
def test_a_resend_of_a_message_stored_before_a_rasa_restart_is_acknowledged_again_and_not_answered_twice(
        tiny_model, rasa_env, caplog):  # noqa: F811 - the imported fixture
    first_id = "Tavasz2024!!-m1"  # a client's id is its own text: whatever it holds, the tracker keeps a digest
    caplog.set_level(logging.DEBUG)

    async def scenario():
        async with Rasa(tiny_model) as rasa:
            widget = Widget(rasa.base)
            session = await widget.start()
            await widget.say("szia", first_id)
            first_answer = await widget.next("bot_uttered")
            first_ack = await widget.next("helpdesk_stored")
            await widget.stop()
        # a new Rasa on the same tracker store; the widget resumes its session and sends the message
        # again, as it does for one whose acknowledgement it did not get before the kill
        async with Rasa(tiny_model) as rasa:
            widget = Widget(rasa.base)
            resumed = await widget.start(session)
            await widget.say("szia", first_id, resend=True)
            second_ack = await widget.next("helpdesk_stored")
            await asyncio.sleep(QUIET_S)
            answers_to_resend = widget.named("bot_uttered")
            # one it sent but Rasa never stored (taken by the Rasa that died): a resend, answered now
            await widget.say("hello", "never-stored-m2", resend=True)
            late_answer = await widget.next("bot_uttered")
            late_ack = await widget.next("helpdesk_stored")
            await widget.stop()
            tracker = await rasa.agent.tracker_store.retrieve(session["session_id"])
        return (session, resumed, first_answer, first_ack, second_ack, answers_to_resend, late_answer, late_ack,
                tracker)

    (session, resumed, first_answer, first_ack, second_ack, answers_to_resend, late_answer, late_ack,
     tracker) = run(scenario())
    assert resumed["session_id"] == session["session_id"], "the restart kept the conversation"
    assert first_answer == {"text": "Szia!"}
    assert first_ack == second_ack == {"client_message_id": first_id, "text": "szia"}
    assert answers_to_resend == [], "a resend of a stored message is not answered again"
    assert late_answer == {"text": "Szia!"} and late_ack == {"client_message_id": "never-stored-m2", "text": "hello"}

    users = [e for e in tracker.events if e.type_name == "user"]
    assert [e.text for e in users] == ["szia", "hello"], "one user event per message"
    digests = [e.metadata.get(MESSAGE_DIGEST_METADATA) for e in users]
    assert all(isinstance(d, str) and len(d) == 32 for d in digests) and digests[0] != digests[1]
    stored = rasa_env.read_bytes()
    with sqlite3.connect(rasa_env) as conn:
        rows = " ".join(str(row) for row in conn.execute("SELECT * FROM events"))
    for raw in (first_id, "Tavasz2024", "never-stored-m2"):
        assert raw.encode() not in stored and raw not in rows
    # Rasa's debug logs (the websocket frames' own debug lines echo the wire, and are not Rasa's)
    rasa_logs = " ".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in ("rasa", "bot"))
    assert "szia" in rasa_logs and "Tavasz2024" not in rasa_logs


# --- the channel alone, with a turn the test holds open ------------------------------------------------


def channel() -> HelpdeskSocketIOInput:
    return HelpdeskSocketIOInput(user_message_evt="user_uttered", bot_message_evt="bot_uttered",
                                 session_persistence=True, session_key=SESSION_KEY.encode())


def test_a_resend_while_its_turn_still_runs_is_not_a_second_turn_and_the_reconnected_widget_gets_the_answer():
    """The connection drops in the middle of a turn (Rasa alive); the widget reconnects and sends the
    message again: no second turn, and the first turn's answer and acknowledgement reach the new
    connection (the conversation's room)."""
    turns: list[UserMessage] = []
    release = asyncio.Event()

    async def on_new_message(message: UserMessage) -> None:
        turns.append(message)
        await release.wait()  # a turn in progress (an action server taking its time)
        await message.output_channel.send_text_message(message.sender_id, "Itt a válasz.")

    async def scenario():
        async with serve(channel(), on_new_message) as url:
            base = url.split("/webhooks/")[0]
            dropped = Widget(base)
            session = await dropped.start()
            await dropped.say("nem jött meg a kód", "m1")
            for _ in range(100):
                if turns:
                    break
                await asyncio.sleep(0.02)
            await dropped.stop()
            widget = Widget(base)
            await widget.start(session)
            await widget.say("nem jött meg a kód", "m1", resend=True)
            await asyncio.sleep(0.5)
            turns_while_running = len(turns)
            release.set()
            answer = await widget.next("bot_uttered")
            ack = await widget.next("helpdesk_stored")
            await asyncio.sleep(0.5)
            rest = list(widget.events)
            await widget.stop()
        return turns_while_running, answer, ack, rest

    turns_while_running, answer, ack, rest = run(scenario())
    assert turns_while_running == 1 and len(turns) == 1, "the resend was not a second turn"
    assert answer == {"text": "Itt a válasz."}
    assert ack == {"client_message_id": "m1", "text": "nem jött meg a kód"}
    assert rest == [], f"one answer and one acknowledgement: {rest}"


def test_the_acknowledgement_comes_after_the_turn_and_a_failed_turn_answers_the_message_with_its_id():
    """``helpdesk_stored`` means stored: it follows the turn (Rasa saves the tracker at its end), so a
    Rasa that dies in the turn leaves the message unacknowledged in the widget. A turn failing inside
    Rasa answers the message with the apology, its id and its redacted text (the widget drops it)."""
    async def on_new_message(message: UserMessage) -> None:
        if message.text.startswith("fail"):
            raise asyncio.TimeoutError("action server")
        await message.output_channel.send_text_message(message.sender_id, "Rendben.")

    async def scenario():
        async with serve(channel(), on_new_message) as url:
            widget = Widget(url.split("/webhooks/")[0])
            await widget.start()
            await widget.say("szia", "m1")
            await widget.next("helpdesk_stored")
            order = list(widget.log)
            await widget.say("fail, a jelszavam Tavasz2024!!", "m2")
            error = await widget.next("helpdesk_error")
            await asyncio.sleep(0.3)
            after_error = widget.log[len(order):]
            await widget.stop()
        return order, error, after_error

    order, error, after_error = run(scenario())
    assert order == ["session_confirm", "bot_uttered", "helpdesk_stored"], order
    assert error["error"] == "assistant_unavailable" and error["client_message_id"] == "m2"
    assert error["text"] == "fail, a jelszavam REDACTEDSECRET"
    assert "189" in error["message"]
    assert after_error == ["helpdesk_error"], "a failed turn is not acknowledged as stored"


def test_a_repeated_id_not_marked_as_a_resend_is_answered_as_a_new_message():
    """Only the widget's marked resends are looked up (no tracker read for an ordinary turn,
    docs/BENCHMARKS.md); another client's repeated id (the channel fuzz draws them) is a message."""
    turns: list[str] = []

    async def on_new_message(message: UserMessage) -> None:
        turns.append(message.text)

    async def scenario():
        async with serve(channel(), on_new_message) as url:
            widget = Widget(url.split("/webhooks/")[0])
            await widget.start()
            await widget.say("első", "0")
            await widget.next("helpdesk_stored")
            await widget.say("második", "0")
            second = await widget.next("helpdesk_stored")
            await widget.stop()
        return second

    assert run(scenario()) == {"client_message_id": "0", "text": "második"}
    assert turns == ["első", "második"]
