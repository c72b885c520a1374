"""The assistant's client of the credentials backend (docs/ARCHITECTURE.md, `CREDENTIALS_URL`).

Only the calls the assistant needs: a new-code request (S4, S5, S8) and a diagnosis
(:class:`kernel.contracts.Diagnosis`). Every call has a 3 s timeout; a timeout, a connection error,
a 5xx or a rejected service token raise :class:`BackendUnavailable`, a 4xx about the request itself
raises :class:`BackendRejected` (:func:`kernel.contracts.outcome_of`). The backend decides matching,
rate limits and code validity; this client only carries the answer.
"""
from __future__ import annotations

from typing import Any, Optional

from actions.service_client import TIMEOUT_SECONDS, ServiceClient  # noqa: F401 (TIMEOUT_SECONDS: re-exported)
from kernel.contracts import ContractError, Diagnosis, NewCodeRequest, Rejected, Unavailable

DEFAULT_URL = "http://127.0.0.1:8001"


class BackendUnavailable(Unavailable):
    """The backend did not answer usefully (timeout, connection error, 5xx, bad service token)."""


class BackendRejected(Rejected):
    """The backend refused the request itself (4xx): a field it does not accept."""


class CredentialsClient(ServiceClient):
    """Async client of the credentials backend's service API (CREDENTIALS_URL, and the assistant's own
    token CREDENTIALS_ASSISTANT_TOKEN: new codes and the account check, never login or activation)."""

    URL_ENV = "CREDENTIALS_URL"
    TOKEN_ENV = "CREDENTIALS_ASSISTANT_TOKEN"
    DEFAULT_URL = DEFAULT_URL
    SERVICE = "credentials backend"
    Unavailable = BackendUnavailable
    Rejected = BackendRejected

    async def request_new_code(self, username: str, email: str, channel: str, source: str,
                               client_address: Optional[str] = None) -> None:
        """POST /api/v1/reset-requests: always 202, whether or not the account matched (S4, S5, S8)."""
        await self._post("/api/v1/reset-requests", _body(username, email, channel, source, client_address))

    async def diagnose(self, username: str, email: str, channel: str, source: str,
                       client_address: Optional[str] = None) -> Diagnosis:
        """POST /api/v1/diagnose: details only for a verified username + e-mail pair."""
        response = await self._post("/api/v1/diagnose", _body(username, email, channel, source, client_address))
        try:
            return Diagnosis.from_json(_json(response))
        except ContractError as exc:
            raise BackendUnavailable(exc.message) from None


def _body(username: str, email: str, channel: str, source: str, client_address: Optional[str]) -> dict:
    """The request body; ``client_address`` (the connecting address the chat channel saw, from a
    trusted hop) keys the backend's per-client limit, ``source`` (the conversation) is kept as well."""
    body = NewCodeRequest(username, email, channel, source).as_json()
    if client_address:
        body["client_address"] = client_address
    return body


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        raise BackendUnavailable(f"HTTP {response.status_code} without JSON") from None
