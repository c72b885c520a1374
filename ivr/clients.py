"""The phone line's client of the assistant (Rasa's REST channel, channel phone).

Each turn has a hard deadline so a webhook answers Twilio in about 3 s even when Rasa hangs; every
failure is one exception, which the phone line turns into its keypad menu. (The credentials
backend's client is the gateway's, gateway.credentials_client.)"""
from __future__ import annotations

import logging
from typing import Any

import httpx

from kernel.contracts import CHANNEL_SECRET_HEADER

log = logging.getLogger(__name__)

RASA_CHANNEL_PATH = "/webhooks/helpdesk/webhook"


class AssistantUnavailable(RuntimeError):
    """Rasa did not answer in time or answered something unusable."""


class Assistant:
    """The Rasa assistant behind the custom REST channel, with the channel marked as phone; every turn
    carries RASA_CHANNEL_SECRET, without which the channel answers nobody."""

    def __init__(self, rasa_url: str, timeout: float, channel_secret: str,
                 transport: httpx.BaseTransport | None = None):
        self.url = rasa_url.rstrip("/") + RASA_CHANNEL_PATH
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(1.0, timeout)), transport=transport,
                                  headers={CHANNEL_SECRET_HEADER: channel_secret})

    def turn(self, sender: str, message: str, language: str, confidence: float | None = None) -> list[dict[str, Any]]:
        """The assistant's messages for one user turn; raises AssistantUnavailable. ``confidence`` is
        Twilio's recogniser confidence of a speech turn (the forms confirm or ask again when it is low)."""
        metadata: dict[str, Any] = {"channel": "phone", "language": language}
        if confidence is not None:
            metadata["confidence"] = round(confidence, 3)
        body = {"sender": sender, "message": message, "metadata": metadata}
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
