"""HTTP clients of the phone line: the assistant (Rasa's REST channel) and the credentials backend.

Each call has a hard deadline so a webhook answers Twilio in about 3 s even when a service hangs;
failures become one exception per service that the IVR turns into its keypad fallback."""
from __future__ import annotations

import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)

RASA_CHANNEL_PATH = "/webhooks/helpdesk/webhook"


class AssistantUnavailable(RuntimeError):
    """Rasa did not answer in time or answered something unusable."""


class BackendUnavailable(RuntimeError):
    """The credentials backend did not take the request (timeout, connection, 5xx, auth)."""


def _timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=min(1.0, seconds))


class Assistant:
    """The Rasa assistant behind the custom REST channel, with the channel marked as phone."""

    def __init__(self, rasa_url: str, timeout: float, transport: httpx.BaseTransport | None = None):
        self.url = rasa_url.rstrip("/") + RASA_CHANNEL_PATH
        self._http = httpx.Client(timeout=_timeout(timeout), transport=transport)

    def turn(self, sender: str, message: str, language: str) -> list[dict[str, Any]]:
        """The assistant's messages for one user turn; raises AssistantUnavailable."""
        body = {"sender": sender, "message": message, "metadata": {"channel": "phone", "language": language}}
        try:
            response = self._http.post(self.url, json=body)
        except httpx.HTTPError as exc:
            log.warning("assistant unreachable: %s", type(exc).__name__)
            raise AssistantUnavailable(type(exc).__name__) from exc
        if response.status_code != 200:
            log.warning("assistant answered HTTP %s", response.status_code)
            raise AssistantUnavailable(f"HTTP {response.status_code}")
        try:
            messages = response.json()
        except ValueError as exc:
            raise AssistantUnavailable("not JSON") from exc
        if not isinstance(messages, list):
            raise AssistantUnavailable("not a list of messages")
        return [m for m in messages if isinstance(m, dict)]

    def close(self) -> None:
        self._http.close()


class CredentialsService:
    """The credentials backend's new-code request (S4, S8): always 202 for a well-formed request."""

    def __init__(self, base_url: str, token: str, timeout: float, transport: httpx.BaseTransport | None = None):
        self.url = base_url.rstrip("/") + "/api/v1/reset-requests"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._http = httpx.Client(timeout=_timeout(timeout), transport=transport)

    def request_new_code(self, username: str, email: str, source: str) -> None:
        """Ask for a new code to the e-mail on file; raises BackendUnavailable when not taken.

        A 4xx for a malformed username or address is not an error the caller may hear about: the answer
        must be the same as for an unknown account (no account enumeration)."""
        body = {"username": username, "email": email, "channel": "phone", "source": source}
        try:
            response = self._http.post(self.url, json=body, headers=self._headers)
        except httpx.HTTPError as exc:
            log.warning("credentials backend unreachable: %s", type(exc).__name__)
            raise BackendUnavailable(type(exc).__name__) from exc
        if response.status_code in (401, 403) or response.status_code >= 500:
            log.error("credentials backend refused the new-code request: HTTP %s", response.status_code)
            raise BackendUnavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            log.info("new-code request rejected as malformed: HTTP %s", response.status_code)

    def close(self) -> None:
        self._http.close()
