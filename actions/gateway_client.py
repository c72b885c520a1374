"""The typed client of the gateway's service API: escalations and conversation events
(docs/ARCHITECTURE.md, docs/agents.md, `GATEWAY_URL`)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Optional

import httpx

from actions.service_client import TIMEOUT_SECONDS, ServiceClient  # noqa: F401 (TIMEOUT_SECONDS: re-exported)

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8000"


class GatewayUnavailable(Exception):
    """The gateway did not take the call (timeout, connection error, non-2xx answer, no token)."""


@dataclass(frozen=True)
class TranscriptTurn:
    role: str  # user | bot
    text: str  # already redacted by bot/ before Rasa stored it
    at: Optional[str]  # ISO 8601 UTC


@dataclass(frozen=True)
class EscalationRequest:
    idempotency_key: str
    channel: str
    conversation_id: str
    language: str
    reason: str
    transcript: list[TranscriptTurn] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)
    diagnosis: Optional[dict[str, Any]] = None
    caller_number_masked: Optional[str] = None

    def as_json(self) -> dict[str, Any]:
        return {
            "idempotency_key": self.idempotency_key,
            "channel": self.channel,
            "conversation_id": self.conversation_id,
            "language": self.language,
            "reason": self.reason,
            "transcript": [{"role": t.role, "text": t.text, "at": t.at} for t in self.transcript],
            "tried": list(self.tried),
            "diagnosis": self.diagnosis,
            "caller_number_masked": self.caller_number_masked,
        }


@dataclass(frozen=True)
class Escalation:
    id: str
    reference: str
    status: str
    chat_token: Optional[str] = None  # chat only: the widget's credential for the gateway's relay


@dataclass(frozen=True)
class ConversationEvent:
    """One statistics event: a chat conversation `started`, or a `topic` (S4–S9 mistake) came up."""

    conversation_id: str
    channel: str  # chat | phone
    language: Optional[str]  # hu | en
    kind: str  # started | topic | ended
    detail: Optional[str] = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"conversation_id": self.conversation_id, "channel": self.channel,
                                "language": self.language, "kind": self.kind}
        if self.detail:
            body["detail"] = self.detail
        return body


class GatewayClient(ServiceClient):
    """Async client of POST /api/v1/escalations and POST /api/v1/conversation-events (201 new, 200 again)."""

    URL_ENV = "GATEWAY_URL"
    TOKEN_ENV = "GATEWAY_SERVICE_TOKEN"
    DEFAULT_URL = DEFAULT_URL
    SERVICE = "gateway"
    Unavailable = GatewayUnavailable

    async def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        response = await self._send(path, body)
        if response.status_code not in (200, 201):
            logger.warning("gateway refused %s: HTTP %s", path, response.status_code)
            raise GatewayUnavailable(f"HTTP {response.status_code}")
        return response

    async def create_escalation(self, request: EscalationRequest) -> Escalation:
        """Create (or fetch, for a repeated idempotency key) the escalation."""
        response = await self._post("/api/v1/escalations", request.as_json())
        try:
            body = response.json()
            token = body.get("chat_token")
            return Escalation(id=str(body["id"]), reference=str(body["reference"]), status=str(body.get("status", "")),
                              chat_token=token if isinstance(token, str) and token else None)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise GatewayUnavailable("escalation answer without id/reference") from None

    async def record_conversation_event(self, event: ConversationEvent) -> None:
        """Store a statistics event (the gateway ignores a repeated one)."""
        await self._post("/api/v1/conversation-events", event.as_json())
