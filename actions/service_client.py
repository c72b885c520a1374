"""The shared base of the action server's HTTP clients (actions/credentials_client.py,
actions/gateway_client.py): a bearer-token JSON POST with a timeout.

A missing token, a timeout, a refused connection or any other transport error raise the client's own
``Unavailable`` exception; the log names only the path and the error type (never the payload, which
carries usernames and e-mail addresses). What an answer's status means is each client's own business.
"""
from __future__ import annotations

import logging
import os
from typing import Any, ClassVar, Optional, TypeVar

import httpx

TIMEOUT_SECONDS = 3.0

Client = TypeVar("Client", bound="ServiceClient")


class ServiceClient:
    """Base of an async client that POSTs JSON to one service with a bearer token.

    A subclass sets ``URL_ENV``, ``TOKEN_ENV``, ``DEFAULT_URL``, ``SERVICE`` (its name in the log)
    and ``Unavailable`` (the exception every transport failure becomes).
    """

    URL_ENV: ClassVar[str]
    TOKEN_ENV: ClassVar[str]
    DEFAULT_URL: ClassVar[str]
    SERVICE: ClassVar[str]
    Unavailable: ClassVar[type[Exception]]

    def __init__(self, base_url: str, token: str, timeout: float = TIMEOUT_SECONDS,
                 transport: Optional[httpx.AsyncBaseTransport] = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._transport = transport

    @classmethod
    def from_env(cls: type[Client]) -> Client:
        """Built from the subclass's URL and token variables."""
        return cls(os.environ.get(cls.URL_ENV, cls.DEFAULT_URL), os.environ.get(cls.TOKEN_ENV, ""))

    @property
    def _log(self) -> logging.Logger:
        """The subclass module's logger, so that log records keep their origin."""
        return logging.getLogger(type(self).__module__)

    async def _send(self, path: str, payload: dict[str, Any]) -> httpx.Response:
        """POST ``payload`` as JSON to ``path``; the answer whatever its status."""
        if not self._token:
            raise self.Unavailable(f"{self.TOKEN_ENV} is not set")
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self._transport) as client:
                return await client.post(self.base_url + path, json=payload,
                                         headers={"Authorization": f"Bearer {self._token}"})
        except httpx.HTTPError as exc:  # timeouts, refused connections, protocol errors
            self._log.warning("%s %s unreachable: %s", self.SERVICE, path, type(exc).__name__)
            raise self.Unavailable(type(exc).__name__) from None
