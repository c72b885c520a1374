"""The one place where the escalation API's wire JSON becomes typed objects; every check names its field."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from agents.models import CHANNELS, LANGUAGES

TRANSCRIPT_ROLES = ("user", "bot", "agent")
MAX_TRANSCRIPT_TURNS = 500
MAX_TEXT = 4000
_REASON = re.compile(r"^[a-z0-9_]{1,64}$")


class InvalidRequest(ValueError):
    """A request field is missing or wrong; ``status`` is 400 for a malformed body, 422 for a bad field."""

    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


@dataclass(frozen=True)
class TranscriptTurn:
    role: str
    text: str
    at: str | None

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role, "text": self.text, "at": self.at}


@dataclass(frozen=True)
class EscalationRequest:
    idempotency_key: str
    channel: str
    conversation_id: str
    language: str
    reason: str
    transcript: list[TranscriptTurn] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)
    diagnosis: dict[str, Any] | None = None
    caller_number_masked: str | None = None

    @classmethod
    def from_json(cls, body: Any) -> "EscalationRequest":
        """Validate ``body`` (already-parsed JSON); raise InvalidRequest naming the first bad field."""
        if not isinstance(body, dict):
            raise InvalidRequest("The body must be a JSON object.", status=400)
        return cls(
            idempotency_key=_text(body, "idempotency_key", 200),
            channel=_choice(body, "channel", CHANNELS),
            conversation_id=_text(body, "conversation_id", 128),
            language=_choice(body, "language", LANGUAGES),
            reason=_reason(body),
            transcript=_transcript(body.get("transcript")),
            tried=_tried(body.get("tried")),
            diagnosis=_diagnosis(body.get("diagnosis")),
            caller_number_masked=_optional_text(body, "caller_number_masked", 32),
        )


def _text(body: dict, name: str, max_len: int) -> str:
    value = body.get(name)
    if value is None or value == "":
        raise InvalidRequest(f"'{name}' is required.", name)
    if not isinstance(value, str):
        raise InvalidRequest(f"'{name}' must be a string.", name)
    value = value.strip()
    if not value or len(value) > max_len:
        raise InvalidRequest(f"'{name}' must be 1-{max_len} characters.", name)
    return value


def _optional_text(body: dict, name: str, max_len: int) -> str | None:
    if body.get(name) in (None, ""):
        return None
    return _text(body, name, max_len)


def _choice(body: dict, name: str, allowed: tuple[str, ...]) -> str:
    value = _text(body, name, 32)
    if value not in allowed:
        raise InvalidRequest(f"'{name}' must be one of {', '.join(allowed)}.", name)
    return value


def _reason(body: dict) -> str:
    value = _text(body, "reason", 64)
    if not _REASON.match(value):
        raise InvalidRequest("'reason' must be a lower-case code such as user_asked.", "reason")
    return value


def _transcript(value: Any) -> list[TranscriptTurn]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequest("'transcript' must be a list of turns.", "transcript")
    if len(value) > MAX_TRANSCRIPT_TURNS:
        raise InvalidRequest(f"'transcript' may hold at most {MAX_TRANSCRIPT_TURNS} turns.", "transcript")
    turns = []
    for i, turn in enumerate(value):
        where = f"transcript[{i}]"
        if not isinstance(turn, dict):
            raise InvalidRequest(f"'{where}' must be an object.", where)
        role = turn.get("role")
        if role not in TRANSCRIPT_ROLES:
            raise InvalidRequest(f"'{where}.role' must be one of user, bot, agent.", f"{where}.role")
        text = turn.get("text")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise InvalidRequest(f"'{where}.text' must be a string of at most {MAX_TEXT} characters.", f"{where}.text")
        turns.append(TranscriptTurn(role=role, text=text, at=_timestamp(turn.get("at"), f"{where}.at")))
    return turns


def _timestamp(value: Any, where: str) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # Rasa event timestamps
        return datetime.fromtimestamp(value, timezone.utc).isoformat()
    if not isinstance(value, str):
        raise InvalidRequest(f"'{where}' must be an ISO 8601 time.", where)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest(f"'{where}' must be an ISO 8601 time.", where) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).isoformat()


def _tried(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 50 or any(not isinstance(v, str) or not 0 < len(v) <= 64 for v in value):
        raise InvalidRequest("'tried' must be a list of at most 50 short strings.", "tried")
    return list(value)


def _diagnosis(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidRequest("'diagnosis' must be an object or null.", "diagnosis")
    return value
