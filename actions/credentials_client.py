"""The one typed client of the credentials backend (docs/ARCHITECTURE.md, `CREDENTIALS_URL`).

Only the calls the assistant needs: a new-code request (S4, S5, S8) and a diagnosis. Every call has a
3 s timeout; a timeout, a connection error, a 5xx or a rejected service token raise
:class:`BackendUnavailable`, a 4xx about the request itself raises :class:`BackendRejected`. The
backend decides matching, rate limits and code validity; this client only carries the answer.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from actions.service_client import TIMEOUT_SECONDS, ServiceClient  # noqa: F401 (TIMEOUT_SECONDS: re-exported)

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8001"


class BackendUnavailable(Exception):
    """The backend did not answer usefully (timeout, connection error, 5xx, bad service token)."""


class BackendRejected(Exception):
    """The backend refused the request itself (4xx): a field it does not accept."""

    def __init__(self, error: str, field: Optional[str] = None) -> None:
        super().__init__(error)
        self.error = error
        self.field = field


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
        """The one place where the diagnosis wire JSON becomes objects."""
        if not isinstance(body, dict) or not isinstance(body.get("verified"), bool):
            raise BackendUnavailable("diagnosis answer without 'verified'")
        if not body["verified"]:
            return cls(verified=False)
        live = body.get("live_code") or {}
        mail = body.get("last_code_mail")
        failures = [
            LoginFailure(at=_parse_time(f.get("at")), reason=str(f.get("reason", "")))
            for f in body.get("recent_failures") or []
            if isinstance(f, dict)
        ]
        return cls(
            verified=True,
            state=body.get("state"),
            live_code=LiveCode(
                exists=bool(live.get("exists")),
                expires_at=_parse_time(live.get("expires_at")),
                last_expired=bool(live.get("last_expired")),
            ),
            recent_failures=failures,
            last_code_mail=CodeMail(status=str(mail.get("status", "")), at=_parse_time(mail.get("at")))
            if isinstance(mail, dict)
            else None,
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


def _parse_time(value: Any) -> Optional[datetime]:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class CredentialsClient(ServiceClient):
    """Async client of the credentials backend's service API (CREDENTIALS_URL, CREDENTIALS_SERVICE_TOKEN)."""

    URL_ENV = "CREDENTIALS_URL"
    TOKEN_ENV = "CREDENTIALS_SERVICE_TOKEN"
    DEFAULT_URL = DEFAULT_URL
    SERVICE = "credentials backend"
    Unavailable = BackendUnavailable

    async def request_new_code(self, username: str, email: str, channel: str, source: str) -> None:
        """POST /api/v1/reset-requests: always 202, whether or not the account matched (S4, S5, S8)."""
        await self._post("/api/v1/reset-requests",
                         {"username": username, "email": email, "channel": channel, "source": source})

    async def diagnose(self, username: str, email: str, channel: str, source: str) -> Diagnosis:
        """POST /api/v1/diagnose: details only for a verified username + e-mail pair."""
        body = await self._post("/api/v1/diagnose",
                                {"username": username, "email": email, "channel": channel, "source": source})
        return Diagnosis.from_json(body)

    async def _post(self, path: str, payload: dict[str, Any]) -> Any:
        response = await self._send(path, payload)
        if response.status_code >= 500 or response.status_code in (401, 403):
            logger.warning("credentials backend %s answered %s", path, response.status_code)
            raise BackendUnavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise BackendUnavailable(f"HTTP {response.status_code} without JSON") from None
        if response.status_code >= 400:
            error = body.get("error", "rejected") if isinstance(body, dict) else "rejected"
            field_name = body.get("field") if isinstance(body, dict) else None
            logger.info("credentials backend %s rejected the request: %s (%s)", path, error, field_name)
            raise BackendRejected(str(error), field_name)
        return body
