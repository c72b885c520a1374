"""Rasa's Redis lock store configured by one URL (REDIS_URL), as every other process here is.

Rasa 3.6's ``type: redis`` takes host, port, db and password as separate keys; the production
settings name Redis by ``REDIS_URL`` (``redis://[user:password@]host:port/db``, ``rediss://`` for
TLS), so endpoints.production.yml uses ``type: bot.lock_store.RedisUrlLockStore`` with
``url: ${REDIS_URL}``. A bad URL stops Rasa at start-up with a message naming it.
"""
from __future__ import annotations

from typing import Any, Dict
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig


def redis_settings(url: str) -> Dict[str, Any]:
    """The ``RedisLockStore`` arguments of a ``redis://`` or ``rediss://`` URL."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError("REDIS_URL is empty; expected redis://host:port/db")
    parts = urlsplit(url.strip())
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ValueError("REDIS_URL must look like redis://host:port/db or rediss://host:port/db")
    path = parts.path.strip("/") or "0"
    if not path.isdigit():
        raise ValueError("REDIS_URL: the database after the last '/' must be a number")
    try:
        port = parts.port or 6379
    except ValueError as exc:
        raise ValueError("REDIS_URL: the port must be a number") from exc
    return {
        "host": parts.hostname,
        "port": port,
        "db": int(path),
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
    }


class RedisUrlLockStore(RedisLockStore):
    """``RedisLockStore`` built from ``url`` (plus Rasa's other lock-store keys)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        kwargs = dict(endpoint_config.kwargs)
        allowed = {"key_prefix", "socket_timeout", "ssl_certfile", "ssl_keyfile", "ssl_ca_certs"}
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise ValueError(f"lock_store: unknown setting(s) {', '.join(unknown)}")
        super().__init__(**redis_settings(endpoint_config.url), **kwargs)
        self.red.ping()  # fail at start-up, not on the first message
