"""The shared base of the action server's HTTP clients (actions/credentials_client.py,
actions/gateway_client.py): a bearer-token JSON POST with a timeout, and what its status means.

A missing token, a timeout, a refused connection or any other transport error raise the client's own
``Unavailable`` exception; what an answer's status means is :func:`kernel.contracts.outcome_of`
(2xx done, a 4xx about the request raises the client's ``Rejected``, anything else ``Unavailable``).
The log names only the path, the status and the error type (never the payload, which carries
usernames and e-mail addresses).
"""
from __future__ import annotations

import functools
import logging
import ssl
from typing import Any, ClassVar, Optional, TypeVar

import httpx

from kernel.contracts import Outcome, Rejected, Unavailable, error_of, outcome_of
from kernel.settings import EnvReader, SettingsError

TIMEOUT_SECONDS = 3.0

Client = TypeVar("Client", bound="ServiceClient")


@functools.lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """The certificate check of every call, built once per process: httpx builds a new one (loading
    the CA bundle) for each client otherwise, about 20 ms of CPU for every call to a service."""
    return httpx.create_ssl_context()


class ServiceClient:
    """Base of an async client that POSTs JSON to one service with a bearer token.

    A subclass sets ``URL_ENV``, ``TOKEN_ENV``, ``DEFAULT_URL``, ``SERVICE`` (its name in the log),
    ``Unavailable`` and ``Rejected`` (subclasses of the kernel's, which its callers catch).
    """

    URL_ENV: ClassVar[str]
    TOKEN_ENV: ClassVar[str]
    DEFAULT_URL: ClassVar[str]
    SERVICE: ClassVar[str]
    Unavailable: ClassVar[type[Unavailable]]
    Rejected: ClassVar[type[Rejected]]

    def __init__(self, base_url: str, token: str, timeout: float = TIMEOUT_SECONDS,
                 transport: Optional[httpx.AsyncBaseTransport] = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._transport = transport

    @classmethod
    def from_env(cls: type[Client]) -> Client:
        """Built from the subclass's URL and token variables (SettingsError naming a bad URL or an
        example or weak token; scripts/actions-serve.sh refuses to start with one, kernel.settings rules)."""
        read = EnvReader()
        url, token = read.url(cls.URL_ENV, cls.DEFAULT_URL), read.secret(cls.TOKEN_ENV, "")
        read.raise_errors(SettingsError, f"bad {cls.SERVICE} settings of the action server")
        return cls(url, token)

    @property
    def _log(self) -> logging.Logger:
        """The subclass module's logger, so that log records keep their origin."""
        return logging.getLogger(type(self).__module__)

    async def _send(self, path: str, payload: dict[str, Any]) -> httpx.Response:
        """POST ``payload`` as JSON to ``path``; the answer whatever its status."""
        if not self._token:
            raise self.Unavailable(f"{self.TOKEN_ENV} is not set")
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self._transport,
                                         verify=tls_context()) as client:
                return await client.post(self.base_url + path, json=payload,
                                         headers={"Authorization": f"Bearer {self._token}"})
        except httpx.HTTPError as exc:  # timeouts, refused connections, protocol errors
            self._log.warning("%s %s unreachable: %s", self.SERVICE, path, type(exc).__name__)
            raise self.Unavailable(type(exc).__name__) from None

    async def _post(self, path: str, payload: dict[str, Any]) -> httpx.Response:
        """POST and map the status by :func:`kernel.contracts.outcome_of`; the answer when it is a 2xx."""
        response = await self._send(path, payload)
        outcome = outcome_of(response.status_code)
        if outcome is Outcome.DONE:
            return response
        if outcome is Outcome.REJECTED:
            error, field = error_of(_json_or_none(response))
            self._log.info("%s %s rejected the request: %s (%s)", self.SERVICE, path, error, field)
            raise self.Rejected(error, field)
        self._log.warning("%s %s answered HTTP %s", self.SERVICE, path, response.status_code)
        raise self.Unavailable(f"HTTP {response.status_code}")


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
