"""Input channels of the help desk: Rasa's REST and socket.io channels with secret redaction.

Every user text passes :func:`kernel.redaction.redact` *before* it becomes a ``UserMessage``, so the
tracker store, Rasa's logs and the agent console only ever see ``REDACTEDSECRET`` (S7, S8). The
channels also put ``channel`` ("phone" | "chat"), ``language`` and ``redacted`` into the message
metadata (docs/ARCHITECTURE.md), keep of the client's own metadata only the phone line's speech
confidence, read a leading "/" as words unless the text is a button's payload, and never decide
anything about the dialogue. Building a channel
from credentials.yml is Rasa's start-up, so that is where :func:`tune_rasa_process` is called.

credentials.yml::

    bot.channels.HelpdeskRestInput:          # POST /webhooks/helpdesk/webhook
      max_message_length: 5000
      action_timeout_seconds: 5
    bot.channels.HelpdeskSocketIOInput:      # socket.io for the web widget
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      client_address_header: null            # production: the header only the proxy sets

The socket.io channel issues each widget session id with a token (HMAC under WIDGET_SESSION_KEY,
kernel.privacy.keyed_digest); a client resumes a conversation only with both, so a session id that
leaks or is guessed joins nothing. The client's address (socket peer, or the trusted proxy header)
goes into ``metadata.client_address`` for the backend's per-client limit; a client's own value is
dropped. Whether the bot's last question invites a secret comes from the tracker. A widget message
is acknowledged (``helpdesk_stored``) once Rasa has stored its turn; one the widget sends again after a
reconnect (``resend``) that the conversation already holds, or whose turn still runs, is not answered
twice (:data:`MESSAGE_DIGEST_METADATA`).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import inspect
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.action_calls import (
    DEFAULT_ACTION_TIMEOUT_SECONDS,
    MAX_ACTION_TIMEOUT_SECONDS,
    apply_action_timeout,
    apply_checked_once_response_schema,
    apply_failed_action_watch,
    apply_kept_alive_sessions,
    watch_turn,
)
from bot.observability import instrument_rasa
from bot.sqlite_tuning import apply_sqlite_tuning
from bot.turn_tuning import apply_turn_tuning
from kernel.contracts import CHANNEL_SECRET_HEADER
from kernel import network
from kernel.fields import CHANNELS, LANGUAGES
from kernel.privacy import keyed_digest, mask_addresses_in
from kernel.redaction import redact
from kernel.sealing import SEALED_EMAIL_METADATA, Sealer, SealKeyError, chat_email_sealer_from_env
from kernel.spoken import confidence_of, parse_email
from kernel.settings import EnvReader
from telemetry.sanic import counted_turns

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 5000
# The REST channel's shared secret with the gateway (the phone line sends it in CHANNEL_SECRET_HEADER).
CHANNEL_SECRET_ENV = "RASA_CHANNEL_SECRET"
MAX_SENDER_LENGTH = 128
# The widget's session token key (HMAC, kernel.privacy.keyed_digest). Unset: a fresh random key per
# Rasa process, so a restart only starts new widget conversations (fail closed, never open).
SESSION_KEY_ENV = "WIDGET_SESSION_KEY"
# The bot's questions that invite a secret ("what did you type in the Password field?"): the answer
# is redacted whole unless it is ordinary words (kernel.redaction, expecting_secret). The channel
# reads them from the conversation's tracker, never from what the client says.
SECRET_INVITING_SLOTS = frozenset({"login_password_kind"})
SECRET_INVITING_RESPONSES = frozenset({"utter_ask_login_password_kind"})
# Rasa reads a message that starts with "/" as an intent with entities ("/restart", "/inform{...}"),
# bypassing the NLU. The only such messages a user sends are the payloads of the buttons the bot
# offers (domain.yml; tests/unit/engine/test_channels.py keeps the two the same); any other leading
# "/" is dropped, so that the text is understood as words and no one types an intent or a slot value.
BUTTON_PAYLOADS = frozenset({"/affirm", "/deny"})
# Metadata a client may send besides channel and language: the phone line's speech confidence (a
# number in [0, 1], phone only). Any other key is dropped: it would only be stored in the tracker.
CLIENT_METADATA = frozenset({"confidence"})
# The widget's id of a message (``client_message_id``, 1-64 characters). The widget keeps a message
# until the channel acknowledges it (STORED_EVENT, sent once Rasa has stored the turn) and sends an
# unacknowledged one again after a reconnect, marked ``resend``; the channel answers a resend of a
# message the conversation already holds with the acknowledgement alone. So the user event carries
# the id, as a keyed digest under the session key (a client's id is text of its own choosing, and the
# tracker keeps no raw client text); a restarted Rasa finds it in the tracker.
MAX_CLIENT_MESSAGE_ID = 64
MESSAGE_DIGEST_METADATA = "client_message"
# How many of the conversation's last user events a resend is looked for in (the widget resends only
# its latest, unacknowledged messages).
RESEND_LOOKBACK = 50


def _as_words(text: str) -> str:
    """``text`` without a leading "/" unless it is exactly a button payload (:data:`BUTTON_PAYLOADS`)."""
    stripped = text.strip()
    if not stripped.startswith("/") or stripped in BUTTON_PAYLOADS:
        return text
    return stripped.lstrip("/").strip() or text


class ChannelConfigError(ValueError):
    """A setting of a help-desk channel in credentials.yml is missing or wrong."""


class MessageRejected(ValueError):
    """An incoming message cannot be handled; ``field`` names the culprit."""

    def __init__(self, error: str, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.error = error
        self.message = message
        self.field = field_name

    def as_json(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {"error": self.error, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


# --- configuration -----------------------------------------------------------------------------


def _setting(credentials: Dict[str, Any], name: str, kind: type | tuple, default: Any) -> Any:
    value = credentials.get(name, default)
    if value is None:
        return default
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ChannelConfigError(f"{name}: expected {expected}, got {value!r}")
    return value


def _check_keys(channel: str, credentials: Dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(credentials) - allowed)
    if unknown:
        raise ChannelConfigError(
            f"{channel}: unknown setting(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


@dataclass(frozen=True)
class MessagePolicy:
    """What every help-desk channel accepts; checked once, at construction (no side effects)."""

    max_message_length: int = MAX_MESSAGE_LENGTH
    default_channel: str = "chat"
    action_timeout_seconds: float = DEFAULT_ACTION_TIMEOUT_SECONDS
    # Seals the e-mail address a user gives (CHAT_SEAL_KEY) for the action server; the channels'
    # from_credentials always set one. Without one an address is only masked.
    sealer: Optional[Sealer] = field(default=None, compare=False, repr=False)

    KEYS = {"max_message_length", "default_channel", "action_timeout_seconds"}

    def __post_init__(self) -> None:
        if not isinstance(self.max_message_length, int) or isinstance(self.max_message_length, bool):
            raise ChannelConfigError(f"max_message_length: expected int, got {self.max_message_length!r}")
        if not 1 <= self.max_message_length <= MAX_MESSAGE_LENGTH:
            raise ChannelConfigError(
                f"max_message_length: must be between 1 and {MAX_MESSAGE_LENGTH}, "
                f"got {self.max_message_length}"
            )
        if self.default_channel not in CHANNELS:
            raise ChannelConfigError(
                f"default_channel: must be one of {', '.join(CHANNELS)}, got {self.default_channel!r}"
            )
        seconds = self.action_timeout_seconds
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 < seconds <= MAX_ACTION_TIMEOUT_SECONDS:
            raise ChannelConfigError(
                f"action_timeout_seconds must be > 0 and <= {MAX_ACTION_TIMEOUT_SECONDS}, got {seconds!r}"
            )

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any]) -> "MessagePolicy":
        return cls(
            max_message_length=_setting(credentials, "max_message_length", int, MAX_MESSAGE_LENGTH),
            default_channel=_setting(credentials, "default_channel", str, "chat"),
            action_timeout_seconds=_setting(
                credentials, "action_timeout_seconds", float, DEFAULT_ACTION_TIMEOUT_SECONDS
            ),
            sealer=sealer_from_env(),
        )


def sealer_from_env() -> Sealer:
    """The e-mail sealer of CHAT_SEAL_KEY, which the action server holds too; Rasa refuses to start
    without a good key (an address could otherwise reach the tracker or be lost)."""
    try:
        return chat_email_sealer_from_env()
    except SealKeyError as error:
        raise ChannelConfigError(str(error)) from None


def seal_addresses(text: str, sealer: Optional[Sealer]) -> tuple[str, Optional[str]]:
    """``text`` with every written or spoken e-mail address masked, and the first one sealed.

    Rasa's tracker keeps the masked text (and the entities NLU finds in it) and the sealed address in
    the message metadata; only the action server, holding the same key, opens it for the one backend
    call. Nothing of Rasa's stores the address in clear (docs/privacy.md).
    """
    address = parse_email(text)
    masked = mask_addresses_in(text, *([address] if address else []))
    return masked, (sealer.seal(address) if address and sealer is not None else None)


def tune_rasa_process(policy: MessagePolicy) -> None:
    """Rasa's process-wide settings no configuration file reaches, applied by the channels at start-up.

    The action server's request timeout, the once-checked response schema and the kept-alive
    connections to the action server (bot/action_calls.py),
    WAL + synchronous=NORMAL and pooled connections for the SQLite tracker store
    (bot/sqlite_tuning.py), and the per-turn work done once of bot/turn_tuning.py. Applying them
    again changes nothing but the timeout, which follows the last channel built.
    """
    apply_action_timeout(float(policy.action_timeout_seconds))
    apply_checked_once_response_schema()
    apply_kept_alive_sessions()
    apply_failed_action_watch()
    apply_sqlite_tuning()
    apply_turn_tuning()


# --- one incoming message ----------------------------------------------------------------------

def _failed_silently(channel: str, sender_id: str, failed_actions: list, said: Any) -> bool:
    """A turn whose custom action call failed (Rasa carried on, bot/action_calls.py) and that said
    nothing: the channel answers it as "assistant unavailable" (logged as a warning, no traceback)."""
    if failed_actions and not said:
        logger.warning("%s message of %s: the action server failed (%s), nothing to answer",
                       channel, sender_id, ", ".join(failed_actions))
        return True
    return False


class _CountingSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, counting what it sent to the widget in this turn."""

    def __init__(self, sio: Any, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)



@dataclass(frozen=True)
class IncomingMessage:
    """A user's message after validation and redaction: safe to hand to Rasa."""

    sender_id: str
    text: str
    metadata: Dict[str, Any] = field(default_factory=dict)

    def user_message(self, output: Any, input_channel: str) -> UserMessage:
        """The message as Rasa takes it, answered through ``output``."""
        return UserMessage(self.text, output, self.sender_id, input_channel=input_channel, metadata=self.metadata)


def _language(value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MessageRejected("invalid_language", "metadata.language must be 'hu', 'en' or null", "metadata.language")
    code = value.strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise MessageRejected("invalid_language", "metadata.language must be 'hu', 'en' or null", "metadata.language")
    return code


def prepare_message(
    sender: Any,
    message: Any,
    metadata: Any,
    policy: MessagePolicy,
    *,
    forced_channel: Optional[str] = None,
    client_address: Optional[str] = None,
    expecting_secret: bool = False,
    message_digest: Optional[str] = None,
) -> IncomingMessage:
    """Validate one incoming message and redact its secrets; raise :class:`MessageRejected`.

    ``client_address``: the address the channel saw (socket peer or the trusted proxy's header), for
    the backend's per-address rate limit; ``expecting_secret``: the bot's last question invites one;
    ``message_digest``: the widget message's id as the channel keeps it (:func:`client_message_digest`).
    """
    if sender is None or (isinstance(sender, str) and not sender.strip()):
        raise MessageRejected("missing_sender", "sender is required", "sender")
    if not isinstance(sender, str):
        raise MessageRejected("invalid_sender", "sender must be a string", "sender")
    if len(sender) > MAX_SENDER_LENGTH:
        raise MessageRejected(
            "invalid_sender", f"sender must be at most {MAX_SENDER_LENGTH} characters", "sender"
        )
    if message is None:
        raise MessageRejected("missing_message", "message is required", "message")
    if not isinstance(message, str):
        raise MessageRejected("invalid_message", "message must be a string", "message")
    if not message.strip():  # nothing to understand: Rasa's NLU would fail on it (no intent at all)
        raise MessageRejected("empty_message", "message must not be empty", "message")
    if len(message) > policy.max_message_length:
        raise MessageRejected(
            "message_too_long",
            f"message must be at most {policy.max_message_length} characters",
            "message",
        )
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise MessageRejected("invalid_metadata", "metadata must be an object", "metadata")

    channel = forced_channel or metadata.get("channel") or policy.default_channel
    if channel not in CHANNELS:
        raise MessageRejected(
            "invalid_channel", "metadata.channel must be 'phone' or 'chat'", "metadata.channel"
        )
    language = _language(metadata.get("language"))

    text, kinds = redact(_as_words(message), expecting_secret=expecting_secret)
    text, sealed_email = seal_addresses(text, policy.sealer)
    clean: Dict[str, Any] = {"channel": channel, "language": language, "redacted": kinds}
    confidence = confidence_of(metadata.get("confidence")) if channel == "phone" else None
    if confidence is not None:
        clean["confidence"] = confidence
    if sealed_email:
        clean[SEALED_EMAIL_METADATA] = sealed_email
    if client_address:
        clean["client_address"] = client_address
    if message_digest:
        clean[MESSAGE_DIGEST_METADATA] = message_digest
    return IncomingMessage(sender_id=sender.strip(), text=text, metadata=clean)


async def _stored_tracker(app: Any, sender_id: Any, why: str) -> Any:
    """The conversation's tracker from the store of ``app``'s agent; None when there is no agent, no
    such conversation or the store cannot be read (logged with the failure's type only)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None or not isinstance(sender_id, str) or not sender_id.strip():
        return None
    try:
        return await store.retrieve(sender_id.strip())
    except Exception as exc:  # noqa: BLE001 - the caller goes on without it
        logger.warning("tracker of a conversation unreadable %s: %s", why, type(exc).__name__)
        return None


async def expects_secret(app: Any, sender_id: Any, message: Any = None) -> bool:
    """Whether the bot's last question to ``sender_id`` invites a secret, from the tracker Rasa keeps
    (the requested slot or the last response's name); False when there is no agent or tracker.

    ``message``: the text about to be redacted. When its redaction is the same either way (most
    messages: several ordinary words), the answer changes nothing and the tracker is not read — that
    read was a whole tracker-store retrieve per turn (docs/BENCHMARKS.md, "Rasa process cost per turn").
    """
    if isinstance(message, str) and redact(message, expecting_secret=True) == redact(message, expecting_secret=False):
        return False
    tracker = await _stored_tracker(app, sender_id, "before redaction")  # None: the ordinary rules apply
    if tracker is None:
        return False
    if tracker.get_slot("requested_slot") in SECRET_INVITING_SLOTS:
        return True
    for event in reversed(tracker.events):
        if getattr(event, "type_name", None) == "bot":
            return (getattr(event, "metadata", None) or {}).get("utter_action") in SECRET_INVITING_RESPONSES
        if getattr(event, "type_name", None) == "user":
            return False
    return False


def client_message_id_of(data: Any) -> Optional[str]:
    """The widget's ``client_message_id`` of an event's data, when it is one (a string of 1-64 characters)."""
    cid = data.get("client_message_id") if isinstance(data, dict) else None
    return cid if isinstance(cid, str) and 0 < len(cid) <= MAX_CLIENT_MESSAGE_ID else None


def client_message_digest(key: bytes, client_message_id: str) -> str:
    """What the user event keeps of the widget's message id (128 bits of a keyed digest)."""
    return keyed_digest(key, "widget-message", client_message_id)[:32]


async def stored_user_text(app: Any, sender_id: str, digest: str) -> Optional[str]:
    """The stored text of the conversation's user event that carries ``digest`` (one of its last
    :data:`RESEND_LOOKBACK` user events), from the tracker Rasa keeps; None when it holds no such event
    or cannot be read (the message is then taken as new: at least once, never lost)."""
    tracker = await _stored_tracker(app, sender_id, "for a resent message")  # None: answered as new
    looked = 0
    for event in reversed(tracker.events if tracker is not None else []):
        if getattr(event, "type_name", None) != "user":
            continue
        if (getattr(event, "metadata", None) or {}).get(MESSAGE_DIGEST_METADATA) == digest:
            return event.text if isinstance(event.text, str) else ""
        looked += 1
        if looked >= RESEND_LOOKBACK:
            break
    return None


def session_token(key: bytes, session_id: str) -> str:
    """The credential the channel issues with a widget session id; only its holder may resume it."""
    return keyed_digest(key, "widget-session", session_id)


def session_key_from_env() -> bytes:
    """WIDGET_SESSION_KEY, or a fresh random key of this process (sessions end with the process)."""
    if os.environ.get(SESSION_KEY_ENV, ""):
        read = EnvReader()
        value = read.secret(SESSION_KEY_ENV)  # an example-looking or short key is refused, like every secret
        if read.errors:
            raise ChannelConfigError("; ".join(read.errors))
        return value.encode("utf-8")
    logger.info("%s is not set: widget sessions last as long as this Rasa process", SESSION_KEY_ENV)
    return secrets.token_bytes(32)


def client_address_of(peer: Optional[str], headers: Any, trusted_header: Optional[str]) -> Optional[str]:
    """The kernel's one rule (kernel.network): the socket peer; the proxy's header (``client_address_header``,
    default X-Forwarded-For) only when the peer is in TRUSTED_PROXIES, read from the right."""
    forwarded = headers.get(trusted_header or network.FORWARDED_FOR) if headers is not None else None
    return network.client_address(peer, forwarded, network.trusted_proxies_from_env())


def _error(rejection: MessageRejected, status: int = 400) -> HTTPResponse:
    return response.json(rejection.as_json(), status=status)


# --- REST --------------------------------------------------------------------------------------


class HelpdeskRestInput(RestInput):
    """REST channel of the gateway's phone line: ``POST /webhooks/helpdesk/webhook``.

    Only the gateway may speak here: a turn must carry RASA_CHANNEL_SECRET in the
    ``X-Helpdesk-Channel-Secret`` header, compared in constant time (digests of equal length), else
    401 before the body is even read: a ``sender`` is a CallSid or a chat id, and anyone who could post
    one would speak inside that live conversation. Rasa refuses to start without a good secret.
    """

    @classmethod
    def name(cls) -> Text:
        return "helpdesk"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        _check_keys(cls.name(), credentials, MessagePolicy.KEYS)
        policy = MessagePolicy.from_credentials(credentials)
        read = EnvReader()
        secret = read.secret(CHANNEL_SECRET_ENV)
        if read.errors:
            raise ChannelConfigError("; ".join(read.errors))
        tune_rasa_process(policy)
        return cls(policy, channel_secret=secret)

    def __init__(self, policy: Optional[MessagePolicy] = None, *, channel_secret: str) -> None:
        if not isinstance(channel_secret, str) or len(channel_secret) < 16:
            raise ChannelConfigError(f"{CHANNEL_SECRET_ENV}: the REST channel needs a secret of at least 16 characters")
        self.policy = policy or MessagePolicy()
        self._secret_digest = hashlib.sha256(channel_secret.encode()).digest()

    def caller_is_the_gateway(self, request: Request) -> bool:
        """Whether the request carries the channel secret (constant time: equal-length digests)."""
        given = request.headers.get(CHANNEL_SECRET_HEADER, "")
        return hmac.compare_digest(hashlib.sha256(given.encode()).digest(), self._secret_digest)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Health check and the webhook; bad input is a 400 with a JSON reason, never a 500."""
        on_new_message = counted_turns(on_new_message)
        module = inspect.getmodule(self)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", module.__name__ if module else None)

        @webhook.listener("before_server_start")
        async def observe(app: Any, loop: Any) -> None:
            instrument_rasa(app, loop)  # metrics, readiness (bot/observability.py); once per app

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.caller_is_the_gateway(request):
                return response.json({"error": "unauthorized",
                                      "message": f"this channel answers the gateway only ({CHANNEL_SECRET_HEADER})"},
                                     status=401)
            try:
                body = json.loads(request.body or b"null")
            except (ValueError, UnicodeDecodeError):
                return _error(MessageRejected("invalid_json", "the body must be a JSON object"))
            if not isinstance(body, dict):
                return _error(MessageRejected("invalid_json", "the body must be a JSON object"))
            try:
                incoming = prepare_message(
                    body.get("sender"), body.get("message"), body.get("metadata"), self.policy,
                    expecting_secret=await expects_secret(request.app, body.get("sender"), body.get("message")),
                )
            except MessageRejected as rejection:
                return _error(rejection)

            collector = CollectingOutputChannel()
            failed_actions = watch_turn()
            try:
                await on_new_message(incoming.user_message(collector, self.name()))
            except asyncio.CancelledError:
                logger.error("helpdesk message of %s timed out", incoming.sender_id)
                return response.json(
                    {"error": "timeout", "message": "the assistant did not answer in time"}, status=503
                )
            except Exception:  # noqa: BLE001 - a failing turn must not leak details to the caller
                logger.exception("helpdesk message of %s failed", incoming.sender_id)
                answered = False
            else:
                answered = not _failed_silently(self.name(), incoming.sender_id, failed_actions, collector.messages)
            if not answered:
                # 503, not 500: for the gateway this turn is "assistant unavailable" (kernel.contracts
                # outcome_of), and the caller gets the phone line's fallback; no detail leaves Rasa.
                return response.json(
                    {"error": "assistant_unavailable", "message": "the assistant could not handle the message"},
                    status=503,
                )
            return response.json(collector.messages)

        return webhook


# --- socket.io ---------------------------------------------------------------------------------


_SOCKETIO_KEYS = {
    "user_message_evt",
    "bot_message_evt",
    "namespace",
    "session_persistence",
    "socketio_path",
    "jwt_key",
    "jwt_method",
    "metadata_key",
    "client_address_header",
} | MessagePolicy.KEYS - {"default_channel"}

ERROR_EVENT = "helpdesk_error"

_UNAVAILABLE = {
    "hu": "Az asszisztens most nem tud válaszolni, kérem, próbálja újra néhány perc múlva. Sürgős ügyben az "
          "ügyfélvonal a nap 24 órájában segít: {phone} (külföldről {phone_abroad}).",
    "en": "The assistant cannot answer right now; please try again in a few minutes. Urgent? The customer line "
          "helps 24 hours a day: {phone} (from abroad {phone_abroad}).",
}


def unavailable_text(language: str) -> str:
    """What the widget shows when a turn fails inside Rasa (S11 contacts from kernel.facts)."""
    from kernel.facts import contact_params

    return _UNAVAILABLE.get(language, _UNAVAILABLE["hu"]).format(**contact_params(language))
STORED_EVENT = "helpdesk_stored"


_WEBSOCKET_CODE = ("/engineio/", "/socketio/", "/sanic/server/websockets/")


async def finish_websocket_tasks() -> int:
    """Cancel and await what the widgets' sockets left running when Rasa stops; how many there were.

    engine.io keeps a ping task per socket (asleep for its 25 s interval after the socket closed), and
    Sanic a task per websocket connection. Sanic closes the event loop right after its last stop
    listener, so each of them was logged at every stop or restart as an asyncio ERROR, "Task was
    destroyed but it is pending!", with a traceback ("Event loop is closed"). Only those tasks are
    touched (found by their code's module), nothing of Rasa's.
    """
    current = asyncio.current_task()
    left = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        if task is not current and code is not None and any(part in code.co_filename for part in _WEBSOCKET_CODE):
            task.cancel()
            left.append(task)
    if left:
        await asyncio.gather(*left, return_exceptions=True)
    return len(left)


class _SocketBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint, with the engine.io route marked as a websocket handler for Sanic.

    When a widget's websocket closes, engine.io's handler returns None (there is no HTTP response to
    a finished websocket), and Sanic 21.12 logs that as an ERROR with a traceback ("Invalid response
    type None (need HTTPResponse)") for every closed widget — sanic-org/sanic#2572, still open;
    python-socketio#711 declines it. Sanic accepts None from a handler that has ``is_websocket``
    (sanic/app.py, handle_request), so the route is added here with that mark instead of by
    ``sio.attach``; HTTP long-polling requests get their responses as before.
    """

    def register(self, app: Any, options: Dict[Text, Any]) -> None:
        sio = self.ctx.sio

        async def engineio_request(request: Request, *args: Any, **kwargs: Any) -> Any:
            return await sio.handle_request(request, *args, **kwargs)

        engineio_request.is_websocket = True  # type: ignore[attr-defined]
        app.add_route(engineio_request, f"/{self.ctx.socketio_path.strip('/')}/", methods=["GET", "POST", "OPTIONS"])
        app.enable_websocket()
        Blueprint.register(self, app, options)  # the blueprint's own routes (health), not sio.attach again


class HelpdeskSocketIOInput(SocketIOInput):
    """socket.io channel of the web widget; every message is a ``chat`` message."""

    @classmethod
    def name(cls) -> Text:
        return "helpdesk_socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        _check_keys(cls.name(), credentials, _SOCKETIO_KEYS)
        policy = MessagePolicy(
            max_message_length=_setting(credentials, "max_message_length", int, MAX_MESSAGE_LENGTH),
            default_channel="chat",
            action_timeout_seconds=_setting(
                credentials, "action_timeout_seconds", float, DEFAULT_ACTION_TIMEOUT_SECONDS
            ),
            sealer=sealer_from_env(),
        )
        channel = cls(
            user_message_evt=_setting(credentials, "user_message_evt", str, "user_uttered"),
            bot_message_evt=_setting(credentials, "bot_message_evt", str, "bot_uttered"),
            namespace=_setting(credentials, "namespace", str, None),
            session_persistence=_setting(credentials, "session_persistence", bool, False),
            socketio_path=_setting(credentials, "socketio_path", str, "/socket.io"),
            jwt_key=_setting(credentials, "jwt_key", str, None),
            jwt_method=_setting(credentials, "jwt_method", str, "HS256"),
            metadata_key=_setting(credentials, "metadata_key", str, "metadata"),
            policy=policy,
            client_address_header=_setting(credentials, "client_address_header", str, None),
        )
        tune_rasa_process(policy)
        return channel

    def __init__(self, *args: Any, policy: Optional[MessagePolicy] = None,
                 client_address_header: Optional[str] = None, session_key: Optional[bytes] = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Behind the production proxy: the header only that proxy sets (e.g. X-Forwarded-For, which it
        # overwrites); None = the socket peer's address.
        self.client_address_header = client_address_header or None
        self.session_key = session_key or session_key_from_env()
        self._app: Any = None
        # (conversation, client_message_id) of the messages whose turn runs in this process now
        self._in_turn: set[tuple[str, str]] = set()
        if not self.user_message_evt or not self.bot_message_evt:
            raise ChannelConfigError("user_message_evt and bot_message_evt must not be empty")
        if self.user_message_evt == self.bot_message_evt:
            raise ChannelConfigError("user_message_evt and bot_message_evt must differ")
        if not (self.socketio_path or "").startswith("/"):
            raise ChannelConfigError(f"socketio_path: must start with '/', got {self.socketio_path!r}")
        self.policy = policy or MessagePolicy(default_channel="chat")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's socket.io protocol; validation and redaction before the ``UserMessage``."""
        on_new_message = counted_turns(on_new_message)
        # Rasa's own setting: CORS is left to Sanic (`rasa run --cors`).
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        webhook = _SocketBlueprint(sio, self.socketio_path, "helpdesk_socketio_webhook", __name__)
        self.sio = sio

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.listener("after_server_stop")
        async def finish_socket_tasks(app: Any, loop: Any) -> None:
            await finish_websocket_tasks()

        @webhook.listener("before_server_start")
        async def remember_app(app: Any, loop: Any) -> None:
            self._app = app  # its agent's tracker store tells what the bot last asked
            instrument_rasa(app, loop)  # metrics, readiness (bot/observability.py); once per app

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            request = environ.get("sanic.request")
            address = client_address_of(getattr(request, "ip", None), getattr(request, "headers", None),
                                        self.client_address_header)
            await sio.save_session(sid, {"client_address": address}, namespace=self.namespace)
            if not self.jwt_key:
                return True
            from rasa.core.channels.channel import decode_bearer_token

            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None, *_: Any) -> None:
            # an event sent with no data or with more than one argument is still an event (socket.io
            # calls the handler with what came; a signature it does not fit was a silent TypeError)
            # The session id is the channel's, never the client's: a client resumes a conversation only
            # with the token issued with it; any other id (guessed, learnt) gets a fresh conversation.
            data = data if isinstance(data, dict) else {}
            session_id, token = data.get("session_id"), data.get("session_token")
            resumed = (
                isinstance(session_id, str) and 0 < len(session_id) <= MAX_SENDER_LENGTH
                and isinstance(token, str)
                and hmac.compare_digest(token.encode("utf-8"), session_token(self.session_key, session_id).encode())
            )
            if not resumed:
                session_id = secrets.token_hex(16)
            session = await sio.get_session(sid, namespace=self.namespace)
            session["session_id"] = session_id
            await sio.save_session(sid, session, namespace=self.namespace)
            if self.session_persistence:
                sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", {"session_id": session_id,
                                               "session_token": session_token(self.session_key, session_id)},
                           room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None, *_: Any) -> None:
            cid = client_message_id_of(data)
            about = {"client_message_id": cid} if cid else {}
            try:
                session = await sio.get_session(sid, namespace=self.namespace)
                incoming = await self._prepare(sid, data, session, cid)
            except MessageRejected as rejection:
                await sio.emit(ERROR_EVENT, rejection.as_json() | about, room=sid, namespace=self.namespace)
                return
            # The acknowledgement and the answers go to the conversation (the room every connection of
            # it joins at session_request), so a widget that reconnected mid-turn gets them too.
            room = incoming.sender_id
            taken = (incoming.sender_id, cid) if cid else None
            if taken is not None and taken in self._in_turn:
                # sent again while its turn runs here (a reconnect): that turn acknowledges and answers it
                return
            if taken is not None:
                self._in_turn.add(taken)
            try:
                if taken is not None and data.get("resend") is True:
                    text = await stored_user_text(self._app, incoming.sender_id,
                                                  incoming.metadata[MESSAGE_DIGEST_METADATA])
                    if text is not None:  # stored before (by this Rasa or one before a restart): not again
                        await sio.emit(STORED_EVENT, {"client_message_id": cid, "text": text},
                                       room=room, namespace=self.namespace)
                        return
                output = _CountingSocketIOOutput(sio, self.bot_message_evt)
                failed_actions = watch_turn()
                try:
                    await on_new_message(incoming.user_message(output, self.name()))
                except Exception:  # noqa: BLE001 - e.g. an action server past its timeout: the widget must not go silent
                    logger.exception("helpdesk_socketio message of %s failed", incoming.sender_id)
                    answered = False
                else:
                    answered = not _failed_silently(self.name(), incoming.sender_id, failed_actions, output.sent)
                if not answered:
                    language = "en" if (incoming.metadata or {}).get("language") == "en" else "hu"
                    failed = {"error": "assistant_unavailable", "message": unavailable_text(language)}
                    if cid:  # answered with the apology: the widget does not send it again
                        failed |= {"client_message_id": cid, "text": incoming.text}
                    await sio.emit(ERROR_EVENT, failed, room=room, namespace=self.namespace)
                    return
                if cid:
                    # Rasa has stored the turn (its processor saves the tracker at the turn's end): what
                    # was stored, secrets redacted; the widget keeps this, never the raw text, in its history.
                    await sio.emit(STORED_EVENT, {"client_message_id": cid, "text": incoming.text},
                                   room=room, namespace=self.namespace)
            finally:
                if taken is not None:
                    self._in_turn.discard(taken)

        return webhook

    async def _prepare(self, sid: str, data: Any, session: Dict[str, Any], cid: Optional[str] = None) -> IncomingMessage:
        if not isinstance(data, dict):
            raise MessageRejected("invalid_message", "the event data must be an object")
        if self.session_persistence:
            # The conversation is the one this connection was given at session_request; a session_id
            # in the message names nothing (it cannot address another user's conversation).
            sender = session.get("session_id")
            if not sender:
                raise MessageRejected(
                    "missing_session", "send session_request first", "session_id"
                )
        else:
            sender = sid
        metadata = data.get(self.metadata_key)
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                raise MessageRejected("invalid_metadata", "metadata must be an object", "metadata")
        return prepare_message(
            sender, data.get("message"), metadata, self.policy, forced_channel="chat",
            client_address=session.get("client_address"),
            expecting_secret=await expects_secret(self._app, sender, data.get("message")),
            message_digest=client_message_digest(self.session_key, cid) if cid else None,
        )
