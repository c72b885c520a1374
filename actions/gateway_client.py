"""The assistant's client of the gateway's service API: escalations and conversation events
(docs/ARCHITECTURE.md, docs/agents.md, `GATEWAY_URL`); the messages are :mod:`kernel.contracts`'."""
from __future__ import annotations

from actions.service_client import TIMEOUT_SECONDS, ServiceClient  # noqa: F401 (TIMEOUT_SECONDS: re-exported)
from kernel.contracts import ConversationEvent, EscalationRequest, EscalationTicket, Rejected, Unavailable

DEFAULT_URL = "http://127.0.0.1:8000"


class GatewayUnavailable(Unavailable):
    """The gateway did not take the call (timeout, connection error, 5xx, no token, an answer without a case)."""


class GatewayRejected(Rejected, GatewayUnavailable):
    """The gateway refused the request itself (4xx). The conversation cannot be handed over either,
    so the assistant falls back as for an unavailable gateway (S11 contacts): it is both."""


class GatewayClient(ServiceClient):
    """Async client of POST /api/v1/escalations and POST /api/v1/conversation-events (201 new, 200 again)."""

    URL_ENV = "GATEWAY_URL"
    TOKEN_ENV = "GATEWAY_SERVICE_TOKEN"
    DEFAULT_URL = DEFAULT_URL
    SERVICE = "gateway"
    Unavailable = GatewayUnavailable
    Rejected = GatewayRejected

    async def create_escalation(self, request: EscalationRequest) -> EscalationTicket:
        """Create (or fetch, for a repeated idempotency key) the escalation."""
        response = await self._post("/api/v1/escalations", request.as_json())
        try:
            return EscalationTicket.from_json(response.json())
        except ValueError:  # not JSON, or a ContractError: no id/reference
            raise GatewayUnavailable("escalation answer without id/reference") from None

    async def record_conversation_event(self, event: ConversationEvent, account: str | None = None) -> None:
        """Store a statistics event (the gateway ignores a repeated one). ``account``: the username the
        user gave; the gateway keeps only its keyed digest, to tell a repeat contact (containment)."""
        body = event.as_json()
        if account:
            body["account"] = account
        await self._post("/api/v1/conversation-events", body)
