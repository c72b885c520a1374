"""What crosses between the help desk's processes, in one place: wire JSON <-> typed objects.

* the escalation the assistant or the phone line hands to the agents (``POST /api/v1/escalations``)
  and the answer (:class:`EscalationRequest`, :class:`EscalationTicket`);
* the handoff the assistant asks of the phone line, which creates the escalation itself
  (:class:`HandoffRequest`, carried in a custom payload of the assistant's answer);
* the new-code request and the diagnosis asked of the credentials backend (:class:`NewCodeRequest`,
  :class:`Diagnosis`);
* a statistics event (:class:`ConversationEvent`);
* :func:`outcome_of`: the one mapping from a service's HTTP status to what its caller does.

Validation raises :class:`ContractError` naming the first bad field; callers map it to a 4xx.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Optional

from kernel.fields import CHANNELS, LANGUAGES

TRANSCRIPT_ROLES = ("user", "bot", "agent")
MAX_TRANSCRIPT_TURNS = 500
MAX_TEXT = 4000
EVENT_KINDS = ("started", "topic", "ended")
# The header with which the gateway's phone line proves itself to the assistant's REST channel.
CHANNEL_SECRET_HEADER = "X-Helpdesk-Channel-Secret"
_CODE = re.compile(r"^[a-z0-9_]{1,64}$")


class ContractError(ValueError):
    """A field of a message is missing or wrong; ``status`` is 400 for a malformed body, 422 for a bad field."""

    def __init__(self, message: str, field: Optional[str] = None, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


# --- outcomes of a call to another service ------------------------------------------------------

class Outcome(str, Enum):
    """What a caller of another service does with its answer."""

    DONE = "done"              # 2xx: the service took the request
    REJECTED = "rejected"      # 4xx about the request itself (a field, the body): say so, do not retry
    UNAVAILABLE = "unavailable"  # 5xx, 401/403 (our own credentials), 408/429, no answer: fall back


def outcome_of(status: Optional[int]) -> Outcome:
    """The one mapping from an HTTP status (None: timeout or connection error) to an :class:`Outcome`.

    401 and 403 mean the caller's own service token is wrong, 408 and 429 that the service is busy:
    nothing the user said can fix those, so they count as unavailable, like a 5xx.
    """
    if status is None or status >= 500 or status in (401, 403, 408, 429):
        return Outcome.UNAVAILABLE
    if 200 <= status < 300:
        return Outcome.DONE
    if 400 <= status < 500:
        return Outcome.REJECTED
    return Outcome.UNAVAILABLE


class Unavailable(Exception):
    """The service did not take the call (timeout, connection error, 5xx, refused service token)."""


class Rejected(Exception):
    """The service refused the request itself (4xx); ``error`` is its error code, ``field`` the field at fault."""

    def __init__(self, error: str, field: Optional[str] = None) -> None:
        super().__init__(error)
        self.error = error
        self.field = field


def error_of(body: Any) -> tuple[str, Optional[str]]:
    """(error code, field) of a service's JSON error body ``{"error", "message", "field"}``."""
    if not isinstance(body, dict):
        return "rejected", None
    error = body.get("error")
    fld = body.get("field")
    return (str(error) if error else "rejected"), (str(fld) if isinstance(fld, str) and fld else None)


# --- field helpers -------------------------------------------------------------------------------

def _text(body: dict, name: str, max_len: int) -> str:
    value = body.get(name)
    if value is None or value == "":
        raise ContractError(f"'{name}' is required.", name)
    if not isinstance(value, str):
        raise ContractError(f"'{name}' must be a string.", name)
    value = value.strip()
    if not value or len(value) > max_len:
        raise ContractError(f"'{name}' must be 1-{max_len} characters.", name)
    return value


def _optional_text(body: dict, name: str, max_len: int) -> Optional[str]:
    if body.get(name) in (None, ""):
        return None
    return _text(body, name, max_len)


def _choice(body: dict, name: str, allowed: tuple[str, ...]) -> str:
    value = _text(body, name, 32)
    if value not in allowed:
        raise ContractError(f"'{name}' must be one of {', '.join(allowed)}.", name)
    return value


def _code(body: dict, name: str, example: str) -> str:
    value = _text(body, name, 64)
    if not _CODE.match(value):
        raise ContractError(f"'{name}' must be a lower-case code such as {example}.", name)
    return value


def parse_time(value: Any, where: str = "at") -> Optional[str]:
    """An ISO 8601 time (or a Rasa event timestamp) as an ISO 8601 UTC string; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # Rasa event timestamps
        return datetime.fromtimestamp(value, timezone.utc).isoformat()
    if not isinstance(value, str):
        raise ContractError(f"'{where}' must be an ISO 8601 time.", where)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ContractError(f"'{where}' must be an ISO 8601 time.", where) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).isoformat()


def _datetime(value: Any) -> Optional[datetime]:
    """A lenient ISO 8601 read of an answer's time field (None when absent or unreadable)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


# --- escalations --------------------------------------------------------------------------------

@dataclass(frozen=True)
class TranscriptTurn:
    role: str  # user | bot | agent
    text: str  # already redacted
    at: Optional[str] = None  # ISO 8601 UTC

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role, "text": self.text, "at": self.at}


def transcript_from_json(value: Any) -> list[TranscriptTurn]:
    """Validated transcript turns (at most 500, texts at most 4,000 characters)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ContractError("'transcript' must be a list of turns.", "transcript")
    if len(value) > MAX_TRANSCRIPT_TURNS:
        raise ContractError(f"'transcript' may hold at most {MAX_TRANSCRIPT_TURNS} turns.", "transcript")
    turns = []
    for i, turn in enumerate(value):
        where = f"transcript[{i}]"
        if not isinstance(turn, dict):
            raise ContractError(f"'{where}' must be an object.", where)
        role = turn.get("role")
        if role not in TRANSCRIPT_ROLES:
            raise ContractError(f"'{where}.role' must be one of user, bot, agent.", f"{where}.role")
        text = turn.get("text")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise ContractError(f"'{where}.text' must be a string of at most {MAX_TEXT} characters.", f"{where}.text")
        turns.append(TranscriptTurn(role=role, text=text, at=parse_time(turn.get("at"), f"{where}.at")))
    return turns


def _tried(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 50 or any(
            not isinstance(v, str) or not 0 < len(v) <= 64 for v in value):
        raise ContractError("'tried' must be a list of at most 50 short strings.", "tried")
    return list(value)


def _diagnosis(value: Any) -> Optional[dict[str, Any]]:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ContractError("'diagnosis' must be an object or null.", "diagnosis")
    return value


@dataclass(frozen=True)
class EscalationRequest:
    """``POST /api/v1/escalations``: a conversation handed to the agents, idempotent on its key."""

    idempotency_key: str
    channel: str  # chat | phone
    conversation_id: str
    language: str  # hu | en
    reason: str
    transcript: list[TranscriptTurn] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)
    diagnosis: Optional[dict[str, Any]] = None
    caller_number_masked: Optional[str] = None

    @classmethod
    def from_json(cls, body: Any) -> "EscalationRequest":
        """Validate ``body`` (already-parsed JSON); raise ContractError naming the first bad field."""
        if not isinstance(body, dict):
            raise ContractError("The body must be a JSON object.", status=400)
        return cls(
            idempotency_key=_text(body, "idempotency_key", 200),
            channel=_choice(body, "channel", CHANNELS),
            conversation_id=_text(body, "conversation_id", 128),
            language=_choice(body, "language", LANGUAGES),
            reason=_code(body, "reason", "user_asked"),
            transcript=transcript_from_json(body.get("transcript")),
            tried=_tried(body.get("tried")),
            diagnosis=_diagnosis(body.get("diagnosis")),
            caller_number_masked=_optional_text(body, "caller_number_masked", 32),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "idempotency_key": self.idempotency_key,
            "channel": self.channel,
            "conversation_id": self.conversation_id,
            "language": self.language,
            "reason": self.reason,
            "transcript": [t.as_json() for t in self.transcript],
            "tried": list(self.tried),
            "diagnosis": self.diagnosis,
            "caller_number_masked": self.caller_number_masked,
        }


@dataclass(frozen=True)
class EscalationTicket:
    """The answer to an escalation: ``201`` new, ``200`` the same key again."""

    id: str
    reference: str  # HD-XXXX, what the user is told
    status: str
    chat_token: Optional[str] = None  # chat only: the widget's credential for the gateway's relay

    @classmethod
    def from_json(cls, body: Any) -> "EscalationTicket":
        if not isinstance(body, dict) or not body.get("id") or not body.get("reference"):
            raise ContractError("escalation answer without id/reference", status=400)
        token = body.get("chat_token")
        return cls(id=str(body["id"]), reference=str(body["reference"]), status=str(body.get("status", "")),
                   chat_token=token if isinstance(token, str) and token else None)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "reference": self.reference, "status": self.status, "chat_token": self.chat_token}


HANDOFF_REQUEST_KEY = "handoff_request"


@dataclass(frozen=True)
class HandoffRequest:
    """The assistant, in a phone call, asks the phone line to put the caller through to a person.

    The phone line creates the escalation itself (in the gateway, with its own transcript of the
    call), so the data goes one way: gateway -> assistant -> back in the answer -> escalation.
    Carried as the custom payload ``{"handoff_request": {...}}`` of the assistant's answer.
    """

    reason: str
    tried: list[str] = field(default_factory=list)
    diagnosis: Optional[dict[str, Any]] = None

    def as_payload(self) -> dict[str, Any]:
        return {HANDOFF_REQUEST_KEY: {"reason": self.reason, "tried": list(self.tried), "diagnosis": self.diagnosis}}

    @classmethod
    def from_payload(cls, custom: Any) -> Optional["HandoffRequest"]:
        """The request inside a custom payload, or None when it carries none (or a malformed one)."""
        body = custom.get(HANDOFF_REQUEST_KEY) if isinstance(custom, dict) else None
        if not isinstance(body, dict):
            return None
        try:
            return cls(reason=_code(body, "reason", "user_asked"), tried=_tried(body.get("tried")),
                       diagnosis=_diagnosis(body.get("diagnosis")))
        except ContractError:
            return None


# --- statistics events ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ConversationEvent:
    """One statistics event: a conversation ``started``, a ``topic`` (S4–S9 mistake) came up, ``ended``."""

    conversation_id: str
    channel: str  # chat | phone
    language: Optional[str]  # hu | en
    kind: str  # started | topic | ended
    detail: Optional[str] = None

    @classmethod
    def from_json(cls, body: Any) -> "ConversationEvent":
        if not isinstance(body, dict):
            raise ContractError("The body must be a JSON object.", status=400)
        kind = body.get("kind")
        if kind not in EVENT_KINDS:
            raise ContractError("'kind' must be one of started, topic, ended.", "kind")
        detail = body.get("detail")
        if kind == "topic" and not (isinstance(detail, str) and _CODE.match(detail)):
            raise ContractError("'detail' must be a lower-case topic code for kind=topic.", "detail")
        language = body.get("language")
        if language not in (None, "") and language not in LANGUAGES:
            raise ContractError(f"'language' must be one of {', '.join(LANGUAGES)}.", "language")
        return cls(conversation_id=_text(body, "conversation_id", 128), channel=_choice(body, "channel", CHANNELS),
                   language=language or None, kind=kind,
                   detail=detail if isinstance(detail, str) and detail else None)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"conversation_id": self.conversation_id, "channel": self.channel,
                                "language": self.language, "kind": self.kind}
        if self.detail:
            body["detail"] = self.detail
        return body


# The statistics read from Rasa's event broker (production: agents/broker_consumer.py). The mistake
# types a user's intent names itself, and the responses by which an action says it recognised one
# (actions/diagnosis.py RESPONSE_TOPICS, actions/login_help.py): one list for the actions' own reports
# and for the consumer of the broker's events.
STATS_TOPIC_INTENTS = ("code_expired", "code_not_received", "own_name_as_username", "code_as_password",
                       "forgot_password", "forgot_username")
STATS_TOPIC_RESPONSES = {
    "utter_diagnosis_own_name": "own_name_as_username",
    "utter_diagnosis_code_as_password": "code_as_password",
    "utter_diagnosis_code_expired": "code_expired",
    "utter_diagnosis_not_activated": "not_activated",
    "utter_diagnosis_mail_failed": "code_not_received",
    "utter_login_mistake_own_name": "own_name_as_username",
    "utter_login_mistake_code_as_password": "code_as_password",
    "utter_login_not_activated": "not_activated",
    # Said only once the backend took the request (action_request_new_code): the new-codes-by-the-bot
    # figure in production, where the actions send no statistics events of their own.
    "utter_new_code_requested": "new_code_completed",
}
# Rasa's input channels (credentials.yml, bot/channels.py) and the conversation channel they carry.
_INPUT_CHANNELS = {"helpdesk_socketio": "chat", "socketio": "chat"}


def rasa_event_conversation(event: Any) -> tuple[Optional[str], Optional[str], Optional[str]]:
    """(conversation id, channel or None, language or None) of one event of Rasa's event broker
    (``{"sender_id": ..., "event": "user" | "bot" | "slot" | ..., ...}``); (None, None, None) when it
    is not one. The channel and language come from a user message's metadata (the channel's own name
    decides when the metadata does not say) or from a ``channel`` / ``language`` slot event."""
    if not isinstance(event, dict):
        return None, None, None
    sender = event.get("sender_id")
    if not isinstance(sender, str) or not sender or len(sender) > 128:
        return None, None, None
    channel = language = None
    if event.get("event") == "user":
        metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
        channel = metadata.get("channel") if metadata.get("channel") in CHANNELS else None
        if channel is None and isinstance(event.get("input_channel"), str):
            channel = _INPUT_CHANNELS.get(event["input_channel"])
        language = metadata.get("language") if metadata.get("language") in LANGUAGES else None
    elif event.get("event") == "slot":
        if event.get("name") == "channel" and event.get("value") in CHANNELS:
            channel = event["value"]
        if event.get("name") == "language" and event.get("value") in LANGUAGES:
            language = event["value"]
    return sender, channel, language


def conversation_events_from_rasa(event: Any, channel: str, language: Optional[str]) -> list[ConversationEvent]:
    """The statistics events one broker event stands for, in a conversation of ``channel``:
    a chat user's message → ``started`` (the statistics keep one per conversation; the phone line
    records its own calls); a user's intent naming a mistake → ``topic``; a response saying an action
    recognised one → ``topic``. Anything else, or an event that is not Rasa's: nothing."""
    sender, _, _ = rasa_event_conversation(event)
    if sender is None or channel not in CHANNELS:
        return []
    language = language if language in LANGUAGES else None
    found: list[ConversationEvent] = []
    if event.get("event") == "user":
        if channel == "chat":
            found.append(ConversationEvent(sender, channel, language, "started"))
        parse = event.get("parse_data") if isinstance(event.get("parse_data"), dict) else {}
        intent = parse.get("intent") if isinstance(parse.get("intent"), dict) else {}
        if intent.get("name") in STATS_TOPIC_INTENTS:
            found.append(ConversationEvent(sender, channel, language, "topic", intent["name"]))
    elif event.get("event") == "bot":
        metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
        topic = STATS_TOPIC_RESPONSES.get(metadata.get("utter_action"))
        if topic:
            found.append(ConversationEvent(sender, channel, language, "topic", topic))
    return found


# --- the credentials backend ---------------------------------------------------------------------

NEW_CODE_CHANNELS = ("chat", "phone", "agent", "web")


@dataclass(frozen=True)
class NewCodeRequest:
    """``POST /api/v1/reset-requests`` (S4, S8): a new code to the address on file, if both match.

    The answer is always ``202`` (identical for unknown accounts); the same body shape asks
    ``POST /api/v1/diagnose``. ``source`` keys the rate limit (a call, a conversation, an agent).
    """

    username: str
    email: str
    channel: str  # chat | phone | agent | web
    source: str
    # The end user's address as the calling service's trusted proxy hop saw it (never a header the
    # user set); the backend keys a per-address limit on it. None when the caller has none.
    client_address: Optional[str] = None

    def as_json(self) -> dict[str, Any]:
        body = {"username": self.username, "email": self.email, "channel": self.channel, "source": self.source}
        if self.client_address:
            body["client_address"] = self.client_address
        return body


@dataclass(frozen=True)
class LiveCode:
    exists: bool
    expires_at: Optional[datetime]
    last_expired: bool = False


@dataclass(frozen=True)
class LoginFailure:
    at: Optional[datetime]
    reason: str


@dataclass(frozen=True)
class CodeMail:
    status: str
    at: Optional[datetime]


@dataclass(frozen=True)
class Diagnosis:
    """What the backend tells about an account; only filled in when username AND e-mail match."""

    verified: bool
    state: Optional[str] = None
    live_code: Optional[LiveCode] = None
    recent_failures: list[LoginFailure] = field(default_factory=list)
    last_code_mail: Optional[CodeMail] = None

    @classmethod
    def from_json(cls, body: Any) -> "Diagnosis":
        """The diagnosis answer as objects; ContractError when it has no boolean ``verified``."""
        if not isinstance(body, dict) or not isinstance(body.get("verified"), bool):
            raise ContractError("diagnosis answer without 'verified'", "verified", status=400)
        if not body["verified"]:
            return cls(verified=False)
        live = body.get("live_code") or {}
        mail = body.get("last_code_mail")
        failures = [
            LoginFailure(at=_datetime(f.get("at")), reason=str(f.get("reason", "")))
            for f in body.get("recent_failures") or []
            if isinstance(f, dict)
        ]
        return cls(
            verified=True,
            state=body.get("state"),
            live_code=LiveCode(exists=bool(live.get("exists")), expires_at=_datetime(live.get("expires_at")),
                               last_expired=bool(live.get("last_expired"))),
            recent_failures=failures,
            last_code_mail=CodeMail(status=str(mail.get("status", "")), at=_datetime(mail.get("at")))
            if isinstance(mail, dict) else None,
        )

    def latest_failure_reason(self) -> Optional[str]:
        """Reason code of the most recent failed login, if any."""
        known = [f for f in self.recent_failures if f.reason]
        if not known:
            return None
        return max(known, key=lambda f: f.at.timestamp() if f.at else float("-inf")).reason

    def summary(self) -> dict[str, Any]:
        """A secret-free summary for an agent (no username, no e-mail)."""
        if not self.verified:
            return {"verified": False}
        return {
            "verified": True,
            "state": self.state,
            "live_code": bool(self.live_code and self.live_code.exists),
            "last_failure_reason": self.latest_failure_reason(),
            "last_code_mail": self.last_code_mail.status if self.last_code_mail else None,
        }
