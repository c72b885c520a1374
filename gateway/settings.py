"""Settings of the help-desk gateway, read from the environment and validated once at start."""
from __future__ import annotations

from dataclasses import dataclass

from kernel.settings import EnvReader, SettingsError

__all__ = ["GatewaySettings", "SettingsError", "ROLES"]

ROLES = ("all", "web", "streams")


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
    rasa_jwt_secret: str  # signs the JWTs of Rasa's HTTP API (agents/rasa_api.py)
    rasa_channel_secret: str  # proves to Rasa's REST channel that a turn comes from the gateway
    credentials_url: str
    credentials_phone_token: str  # the phone line's token at the credentials backend
    credentials_console_token: str  # the agent console's
    # "all" (embedded default: one process serves everything), "web" (production: every route but the
    # relay's event streams) or "streams" (production: only the event streams, on gevent workers)
    role: str = "all"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "GatewaySettings":
        """Build settings from ``env`` (default: os.environ); raise SettingsError listing every bad value."""
        # Values are taken as they are, white space and all (unlike the credentials backend's).
        read = EnvReader(env, strip=False)
        port = read.port("GATEWAY_PORT", 8000)
        database_url = read.get("GATEWAY_DATABASE_URL", "sqlite:///var/gateway.db")
        if database_url and "://" not in database_url:
            read.errors.append(f"GATEWAY_DATABASE_URL: not a database URL: {database_url!r}")
        role = read.get("GATEWAY_ROLE", "all")
        if role not in ROLES:
            read.errors.append(f"GATEWAY_ROLE: one of {', '.join(ROLES)}, got {role!r}")
        settings = cls(
            host=read.get("GATEWAY_HOST", "127.0.0.1"),
            port=port,
            database_url=database_url,
            service_token=read.secret("GATEWAY_SERVICE_TOKEN"),
            secret_key=read.secret("GATEWAY_SECRET_KEY"),
            # Twilio makes its auth tokens: 16 random bytes (32 hex digits)
            twilio_auth_token=read.secret("TWILIO_AUTH_TOKEN", public_bytes=16),
            public_base_url=read.url("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
            rasa_url=read.url("RASA_URL", "http://127.0.0.1:5005"),
            rasa_jwt_secret=read.secret("RASA_JWT_SECRET"),
            rasa_channel_secret=read.secret("RASA_CHANNEL_SECRET"),
            credentials_url=read.url("CREDENTIALS_URL", "http://127.0.0.1:8001"),
            credentials_phone_token=read.secret("CREDENTIALS_PHONE_TOKEN"),
            credentials_console_token=read.secret("CREDENTIALS_CONSOLE_TOKEN"),
            role=role,
        )
        read.raise_errors(SettingsError, "bad gateway settings")
        return settings
