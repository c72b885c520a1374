"""bot/channels.py: secrets are redacted before a UserMessage exists; bad input is a 400, never a 500."""
from __future__ import annotations

import asyncio
import contextlib
import uuid
import pathlib
from typing import Any, AsyncIterator, Awaitable, Callable

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.action_calls import current_action_timeout
from bot.channels import (
    CHANNEL_SECRET_HEADER,
    ChannelConfigError,
    HelpdeskRestInput,
    HelpdeskSocketIOInput,
    MessagePolicy,
    MessageRejected,
    prepare_message,
)
from tests.fixtures.ports import free_port

ROOT = pathlib.Path(__file__).resolve().parents[3]

CODE = "K7QM-3XPA-9TDE-W2HF"
CHANNEL_SECRET = "test-rasa-channel-secret-0123456789abcdef"
GATEWAY = {CHANNEL_SECRET_HEADER: CHANNEL_SECRET}


@pytest.fixture(autouse=True)
def channel_secret(monkeypatch):
    """The REST channel refuses to start without RASA_CHANNEL_SECRET."""
    monkeypatch.setenv("RASA_CHANNEL_SECRET", CHANNEL_SECRET)


def rest_channel() -> HelpdeskRestInput:
    return HelpdeskRestInput(channel_secret=CHANNEL_SECRET)


@contextlib.asynccontextmanager
async def serve(channel, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> AsyncIterator[str]:
    """Run the channel's blueprint in a real Sanic server on a free port; yield its base URL."""
    Sanic.test_mode = True  # lets Sanic start more than one app in one process
    app = Sanic(f"test_{uuid.uuid4().hex}")
    app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    try:
        yield f"http://127.0.0.1:{port}/webhooks/{channel.name()}"
    finally:
        server.close()
        await server.wait_closed()


def run(coro):
    return asyncio.run(coro)


# --- prepare_message ---------------------------------------------------------------------------


def test_secret_is_redacted_before_storage_in_the_message_and_metadata_names_its_kind():
    incoming = prepare_message(
        "s1", f"a jelszavam: Tavasz2024!! és a kódom {CODE}", {"channel": "phone", "language": "hu"}, MessagePolicy()
    )
    assert incoming.text == "a jelszavam: REDACTEDSECRET és a kódom REDACTEDSECRET"
    assert incoming.metadata == {"channel": "phone", "language": "hu", "redacted": ["password", "code"]}


def test_message_metadata_defaults_to_chat_and_drops_unknown_keys_and_a_forged_redaction_list():
    # what a client adds would only be stored in the tracker (found by tests/reliability's channel fuzz:
    # nested metadata of any size went into every user event)
    incoming = prepare_message("s1", "szia", {"redacted": ["code"], "call": "CA1", "x": {"y": [1] * 50}},
                               MessagePolicy())
    assert incoming.metadata == {"channel": "chat", "language": None, "redacted": []}


@pytest.mark.parametrize("given, kept", [(0.41, 0.41), ("0.5", 0.5), (1, 1.0), (None, None), (float("nan"), None),
                                         (2, None), (-0.1, None), (True, None), ("sure", None), ({"a": 1}, None)])
def test_speech_confidence_is_kept_for_the_phone_line_only_as_a_number_in_0_1(given, kept):
    phone = prepare_message("CA1", "igen", {"channel": "phone", "confidence": given}, MessagePolicy())
    assert phone.metadata.get("confidence") == kept
    chat = prepare_message("w1", "igen", {"channel": "chat", "confidence": given}, MessagePolicy())
    assert "confidence" not in chat.metadata  # no recogniser on the chat: a widget's value asks nothing


@pytest.mark.parametrize("typed, text", [
    ("/affirm", "/affirm"), (" /deny ", " /deny "),  # the buttons the bot offers
    ("/restart", "restart"), ("/session_start", "session_start"), ("//handoff", "handoff"),
    ('/inform{"username": "kpista77"}', 'inform{"username": "kpista77"}'),
    ('/affirm{"x": 1}', 'affirm{"x": 1}'), ("/ nem megy", "nem megy"), ("/", "/"), ("a/b", "a/b"),
])
def test_a_typed_intent_is_read_as_words_only_a_button_payload_is_an_intent(typed, text):
    # Rasa takes "/intent{entities}" at its word, past the NLU: "/restart" wiped the conversation with
    # no answer (found by the channel fuzz); "/inform{...}" would set a slot no question asked for.
    assert prepare_message("s", typed, None, MessagePolicy()).text == text


def test_button_payloads_of_the_channel_are_every_slash_payload_of_the_domain():
    import yaml

    from bot.channels import BUTTON_PAYLOADS

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    payloads = {button.get("payload") for variants in domain["responses"].values() for v in variants
                for button in v.get("buttons") or []}
    assert {p for p in payloads if isinstance(p, str) and p.startswith("/")} == BUTTON_PAYLOADS


@pytest.mark.parametrize("language, expected", [("hu", "hu"), ("EN", "en"), ("hu-HU", "hu"), (None, None)])
def test_message_language_is_taken_from_metadata(language, expected):
    assert prepare_message("s", "hi", {"language": language}, MessagePolicy()).metadata["language"] == expected


@pytest.mark.parametrize(
    "sender, message, metadata, error, field",
    [
        (None, "hi", None, "missing_sender", "sender"),
        ("", "hi", None, "missing_sender", "sender"),
        (42, "hi", None, "invalid_sender", "sender"),
        ("x" * 200, "hi", None, "invalid_sender", "sender"),
        ("s", None, None, "missing_message", "message"),
        ("s", "", None, "empty_message", "message"),
        ("s", " \t\n ", None, "empty_message", "message"),
        ("s", ["hi"], None, "invalid_message", "message"),
        ("s", "a" * 5001, None, "message_too_long", "message"),
        ("s", "hi", "phone", "invalid_metadata", "metadata"),
        ("s", "hi", {"channel": "fax"}, "invalid_channel", "metadata.channel"),
        ("s", "hi", {"language": "de"}, "invalid_language", "metadata.language"),
        ("s", "hi", {"language": 1}, "invalid_language", "metadata.language"),
    ],
)
def test_bad_message_is_rejected_with_the_field_at_fault(sender, message, metadata, error, field):
    with pytest.raises(MessageRejected) as caught:
        prepare_message(sender, message, metadata, MessagePolicy())
    assert caught.value.error == error and caught.value.field == field


def test_message_of_exactly_the_limit_is_accepted():
    assert prepare_message("s", "a" * 5000, None, MessagePolicy()).text == "a" * 5000


# --- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "credentials, complaint",
    [
        ({"max_message_lenght": 100}, "unknown setting"),
        ({"max_message_length": "many"}, "max_message_length"),
        ({"max_message_length": 0}, "max_message_length"),
        ({"max_message_length": 10_000}, "max_message_length"),
        ({"default_channel": "fax"}, "default_channel"),
        ({"action_timeout_seconds": 300}, "action_timeout_seconds"),
        ({"action_timeout_seconds": "5"}, "action_timeout_seconds"),
    ],
)
def test_rest_channel_configuration_is_validated_at_construction(credentials, complaint):
    with pytest.raises(ChannelConfigError, match=complaint):
        HelpdeskRestInput.from_credentials(credentials)


@pytest.mark.parametrize(
    "credentials, complaint",
    [
        ({"session_persistance": True}, "unknown setting"),
        ({"session_persistence": "yes"}, "session_persistence"),
        ({"user_message_evt": "x", "bot_message_evt": "x"}, "must differ"),
        ({"socketio_path": "socket.io"}, "socketio_path"),
    ],
)
def test_socketio_channel_configuration_is_validated_at_construction(credentials, complaint):
    with pytest.raises(ChannelConfigError, match=complaint):
        HelpdeskSocketIOInput.from_credentials(credentials)


def test_channels_have_the_contract_names():
    assert HelpdeskRestInput.name() == "helpdesk"
    assert HelpdeskSocketIOInput.name() == "helpdesk_socketio"
    channel = HelpdeskSocketIOInput.from_credentials(
        {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True}
    )
    assert channel.session_persistence is True and channel.bot_message_evt == "bot_uttered"


def test_action_server_timeout_is_at_most_five_seconds_once_a_channel_is_built():
    HelpdeskRestInput.from_credentials({"action_timeout_seconds": 4})
    assert current_action_timeout() == 4.0
    HelpdeskRestInput.from_credentials({})
    assert current_action_timeout() == 5.0


# --- the REST webhook over HTTP ----------------------------------------------------------------


def test_rest_channel_hands_rasa_only_redacted_text():
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "rendben")

    async def scenario():
        async with serve(rest_channel(), on_new_message) as url:
            async with httpx.AsyncClient() as client:
                r = await client.post(
                    f"{url}/webhook", headers=GATEWAY,
                    json={"sender": "call-1", "message": f"a kódom {CODE.lower()}", "metadata": {"channel": "phone", "language": "hu"}},
                )
                health = await client.get(f"{url}/")
        return r, health

    r, health = run(scenario())
    assert health.json() == {"status": "ok"}
    assert r.status_code == 200
    assert r.json() == [{"recipient_id": "call-1", "text": "rendben"}]
    (message,) = received
    assert message.text == "a kódom REDACTEDSECRET"
    assert message.input_channel == "helpdesk"
    assert message.metadata == {"channel": "phone", "language": "hu", "redacted": ["code"]}


@pytest.mark.parametrize(
    "body, error",
    [
        (b"not json", "invalid_json"),
        (b"[1, 2]", "invalid_json"),
        (b"", "invalid_json"),
        (b'{"message": "hi"}', "missing_sender"),
        (b'{"sender": "s"}', "missing_message"),
        (b'{"sender": "s", "message": ""}', "empty_message"),
        (b'{"sender": "s", "message": "   "}', "empty_message"),
        (b'{"sender": "s", "message": 5}', "invalid_message"),
        (b'{"sender": {"a": 1}, "message": "hi"}', "invalid_sender"),
        (b'{"sender": "s", "message": "' + b"a" * 5001 + b'"}', "message_too_long"),
        (b'{"sender": "s", "message": "hi", "metadata": {"channel": "sms"}}', "invalid_channel"),
    ],
    ids=lambda v: v.decode()[:30] if isinstance(v, bytes) else v,
)
def test_rest_channel_bad_input_is_a_400_with_json_never_a_500(body, error):
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    async def scenario():
        async with serve(rest_channel(), on_new_message) as url:
            async with httpx.AsyncClient() as client:
                return await client.post(f"{url}/webhook", content=body,
                                         headers={"Content-Type": "application/json", **GATEWAY})

    r = run(scenario())
    assert r.status_code == 400
    assert r.json()["error"] == error
    assert received == []


def test_rest_channel_failure_inside_rasa_is_a_503_json_error_without_details_never_a_500():
    async def on_new_message(message: UserMessage) -> None:
        raise RuntimeError(f"boom {message.text}")

    async def scenario():
        async with serve(rest_channel(), on_new_message) as url:
            async with httpx.AsyncClient() as client:
                return await client.post(f"{url}/webhook", json={"sender": "s", "message": "pw: hunter2"}, headers=GATEWAY)

    r = run(scenario())
    assert r.status_code == 503
    assert r.json() == {"error": "assistant_unavailable", "message": "the assistant could not handle the message"}
    assert "hunter2" not in r.text


# --- socket.io over a real socket.io client ----------------------------------------------------


def test_socketio_channel_hands_rasa_only_redacted_text_and_answers_the_session():
    import socketio

    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "Ne ossza meg a jelszavát.")

    channel = HelpdeskSocketIOInput.from_credentials(
        {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True}
    )

    async def scenario():
        async with serve(channel, on_new_message) as url:
            base = url.split("/webhooks/")[0]
            client = socketio.AsyncClient()
            answers: asyncio.Queue = asyncio.Queue()
            confirmed: asyncio.Queue = asyncio.Queue()
            errors: asyncio.Queue = asyncio.Queue()
            client.on("bot_uttered", answers.put)
            client.on("session_confirm", confirmed.put)
            client.on("helpdesk_error", errors.put)
            await client.connect(base, socketio_path="/socket.io", transports=["websocket"])
            try:
                await client.emit("session_request", {})
                session = await asyncio.wait_for(confirmed.get(), 10)
                await client.emit("user_uttered", {"message": "my password is hunter2hunter2",
                                                   "metadata": {"language": "en", "channel": "phone"}})
                answer = await asyncio.wait_for(answers.get(), 10)
                await client.emit("user_uttered", {"message": 42, "session_id": session})
                error = await asyncio.wait_for(errors.get(), 10)
            finally:
                await client.disconnect()
        return session, answer, error

    session, answer, error = run(scenario())
    assert set(session) == {"session_id", "session_token"}  # the channel issues the id and its credential
    assert answer == {"text": "Ne ossza meg a jelszavát."}
    assert error["error"] == "invalid_message"
    (message,) = received
    assert message.text == "my password is REDACTEDSECRET"
    assert message.sender_id == session["session_id"]
    assert message.input_channel == "helpdesk_socketio"
    # The widget is always the chat channel, whatever a client claims; the address is the socket peer's.
    assert message.metadata == {"channel": "chat", "language": "en", "redacted": ["password"],
                                "client_address": "127.0.0.1"}



def test_socketio_turn_failing_inside_rasa_answers_the_widget_with_the_help_line_not_silence():
    """An action server hung past its timeout raises inside Rasa's turn (tests/reliability SIGSTOP):
    the widget gets ``helpdesk_error`` with an apology and the S11 help line, no details."""
    import socketio

    async def on_new_message(message: UserMessage) -> None:
        raise asyncio.TimeoutError(f"action server {message.text}")

    channel = HelpdeskSocketIOInput.from_credentials(
        {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True}
    )

    async def scenario():
        async with serve(channel, on_new_message) as url:
            client = socketio.AsyncClient()
            confirmed: asyncio.Queue = asyncio.Queue()
            errors: asyncio.Queue = asyncio.Queue()
            client.on("session_confirm", confirmed.put)
            client.on("helpdesk_error", errors.put)
            await client.connect(url.split("/webhooks/")[0], socketio_path="/socket.io", transports=["websocket"])
            try:
                await client.emit("session_request", {})
                await asyncio.wait_for(confirmed.get(), 10)
                await client.emit("user_uttered", {"message": "my password is hunter2hunter2",
                                                   "metadata": {"language": "en"}})
                return await asyncio.wait_for(errors.get(), 10)
            finally:
                await client.disconnect()

    error = run(scenario())
    assert error["error"] == "assistant_unavailable"
    assert "189" in error["message"] and "+36 1 371 9300" in error["message"] and "24 hours" in error["message"]
    assert "hunter2" not in str(error) and "action server" not in str(error)

def test_action_server_responses_are_still_validated_with_the_schema_checked_once(monkeypatch):
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    HelpdeskRestInput.from_credentials({})
    monkeypatch.setattr(jsonschema, "validate", lambda *a, **k: pytest.fail("schema re-checked per response"))
    action = RemoteAction("action_request_new_code", None)
    good = {"events": [{"event": "slot", "name": "email", "value": None}], "responses": [{"text": "ok"}]}
    assert action._validate_action_result(good) is True
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "slot"}], "responses": "not a list"})


# --- Medium 6: the address a user gives reaches Rasa masked, and sealed for the action server ----
def test_typed_email_reaches_rasa_masked_and_sealed_for_the_action_server():
    import os

    from kernel.sealing import SEALED_EMAIL_METADATA, chat_email_sealer

    sealer = chat_email_sealer(os.environ["CHAT_SEAL_KEY"])
    incoming = prepare_message("web-1", "ide küldjék: Anna.K@Freemail.hu köszi", {}, MessagePolicy(sealer=sealer))
    assert incoming.text == "ide küldjék: an***@f***.hu köszi"
    assert "anna" not in str(incoming.metadata).lower()
    assert sealer.unseal(incoming.metadata[SEALED_EMAIL_METADATA]) == "anna.k@freemail.hu"


def test_a_client_cannot_bring_its_own_sealed_email():
    """A seal copied from another conversation (or forged) in the client's metadata is dropped."""
    import os

    from kernel.sealing import SEALED_EMAIL_METADATA, chat_email_sealer

    sealer = chat_email_sealer(os.environ["CHAT_SEAL_KEY"])
    stolen = sealer.seal("victim@example.hu")
    incoming = prepare_message("web-1", "szia", {SEALED_EMAIL_METADATA: stolen}, MessagePolicy(sealer=sealer))
    assert SEALED_EMAIL_METADATA not in incoming.metadata


def test_rasa_refuses_to_start_without_the_chat_seal_key(monkeypatch):
    monkeypatch.delenv("CHAT_SEAL_KEY")
    with pytest.raises(ChannelConfigError, match="CHAT_SEAL_KEY"):
        HelpdeskRestInput.from_credentials({})
    with pytest.raises(ChannelConfigError, match="CHAT_SEAL_KEY"):
        HelpdeskSocketIOInput.from_credentials({})
