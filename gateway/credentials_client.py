"""The gateway's client of the credentials backend's new-code call, used by the phone line and the
agent console alike (S4, S5, S8: the code goes only to the address on file, the answer is 202
whatever the account). One status policy, :func:`kernel.contracts.outcome_of`: a 4xx raises
:class:`~kernel.contracts.Rejected`, anything else that is not 2xx raises
:class:`~kernel.contracts.Unavailable`; what the user hears or sees is the caller's decision."""
from __future__ import annotations

import logging
from typing import Optional

import httpx

from kernel.contracts import NewCodeRequest, Outcome, Rejected, Unavailable, error_of, outcome_of

log = logging.getLogger(__name__)

RESET_REQUESTS_PATH = "/api/v1/reset-requests"


class CredentialsClient:
    """``POST /api/v1/reset-requests`` with the gateway's service token and a short deadline."""

    def __init__(self, base_url: str, token: str, timeout: float = 3.0,
                 transport: Optional[httpx.BaseTransport] = None) -> None:
        self.url = base_url.rstrip("/") + RESET_REQUESTS_PATH
        self._headers = {"Authorization": f"Bearer {token}"}
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)), transport=transport)

    def request_new_code(self, request: NewCodeRequest) -> None:
        """Ask for a new code to the e-mail on file; raises Rejected (4xx) or Unavailable."""
        try:
            response = self._http.post(self.url, json=request.as_json(), headers=self._headers)
        except httpx.HTTPError as exc:
            log.warning("credentials backend unreachable: %s", type(exc).__name__)
            raise Unavailable(type(exc).__name__) from exc
        outcome = outcome_of(response.status_code)
        if outcome is Outcome.DONE:
            return
        if outcome is Outcome.REJECTED:
            try:
                body = response.json()
            except ValueError:
                body = None
            error, field = error_of(body)
            log.info("new-code request (%s) rejected: HTTP %s %s", request.channel, response.status_code, error)
            raise Rejected(error, field)
        log.error("credentials backend did not take the new-code request: HTTP %s", response.status_code)
        raise Unavailable(f"HTTP {response.status_code}")

    def close(self) -> None:
        self._http.close()
