"""Settings of the help-desk gateway, read from the environment and validated once at start."""
from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlparse


class SettingsError(ValueError):
    """One or more settings are bad; the message names each one."""


@dataclass(frozen=True)
class GatewaySettings:
    host: str
    port: int
    database_url: str
    service_token: str
    secret_key: str
    twilio_auth_token: str
    public_base_url: str
    rasa_url: str
    rasa_token: str
    credentials_url: str
    credentials_service_token: str

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "GatewaySettings":
        """Build settings from ``env`` (default: os.environ); raise SettingsError listing every bad value."""
        env = dict(os.environ if env is None else env)
        errors: list[str] = []

        def get(name: str, default: str | None = None) -> str:
            value = env.get(name, "")
            if value == "" and default is not None:
                return default
            if value == "":
                errors.append(f"{name}: required, not set")
            return value

        def token(name: str, default: str | None = None) -> str:
            value = get(name, default)
            if value and len(value) < 16:
                errors.append(f"{name}: must be at least 16 characters")
            return value

        def url(name: str, default: str) -> str:
            value = get(name, default)
            parsed = urlparse(value)
            if value and (parsed.scheme not in ("http", "https") or not parsed.netloc):
                errors.append(f"{name}: must be an http(s) URL, got {value!r}")
            return value.rstrip("/")

        port_text = get("GATEWAY_PORT", "8000")
        port = 0
        try:
            port = int(port_text)
            if not 1 <= port <= 65535:
                raise ValueError
        except ValueError:
            errors.append(f"GATEWAY_PORT: must be a port number 1-65535, got {port_text!r}")
        database_url = get("GATEWAY_DATABASE_URL", "sqlite:///var/gateway.db")
        if database_url and "://" not in database_url:
            errors.append(f"GATEWAY_DATABASE_URL: not a database URL: {database_url!r}")
        settings = cls(
            host=get("GATEWAY_HOST", "127.0.0.1"),
            port=port,
            database_url=database_url,
            service_token=token("GATEWAY_SERVICE_TOKEN"),
            secret_key=token("GATEWAY_SECRET_KEY"),
            twilio_auth_token=token("TWILIO_AUTH_TOKEN"),
            public_base_url=url("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
            rasa_url=url("RASA_URL", "http://127.0.0.1:5005"),
            rasa_token=token("RASA_TOKEN"),
            credentials_url=url("CREDENTIALS_URL", "http://127.0.0.1:8001"),
            credentials_service_token=token("CREDENTIALS_SERVICE_TOKEN"),
        )
        if errors:
            raise SettingsError("bad gateway settings:\n  " + "\n  ".join(errors))
        return settings
