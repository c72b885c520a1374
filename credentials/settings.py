"""Settings of the credentials backend, read from the environment and validated once at start:
one clear error per bad value (see .env.example)."""
from __future__ import annotations

import base64
import json
import os
import pathlib
import secrets
from dataclasses import dataclass
from typing import Mapping

from credentials.mail.smtp import SmtpSettings, SmtpSettingsError
from kernel.facts import CODE_TTL_DAYS_DEFAULT, CODE_TTL_DAYS_RANGE
from kernel.settings import EnvReader, SettingsError

__all__ = ["CALLER_TOKENS", "CredentialsSettings", "SettingsError"]

# Each caller of the backend has a bearer token of its own; credentials/api/auth.py says which
# routes each may call (the action server and the phone line never /login or /activate).
CALLER_TOKENS = {
    "assistant": "CREDENTIALS_ASSISTANT_TOKEN",  # the action server
    "phone": "CREDENTIALS_PHONE_TOKEN",  # the gateway's phone line
    "console": "CREDENTIALS_CONSOLE_TOKEN",  # the gateway's agent console
    "portal": "CREDENTIALS_PORTAL_TOKEN",  # the portal's login page (activation, login)
    "office": "CREDENTIALS_ADMIN_TOKEN",  # the document office (S1, S5, S9)
}


@dataclass(frozen=True)
class CredentialsSettings:
    host: str
    port: int
    threads: int
    database_url: str
    sqlite_synchronous: str
    caller_tokens: Mapping[str, str]  # caller (a key of CALLER_TOKENS) -> its bearer token
    code_ttl_days: int
    password_min_length: int
    login_lockout_threshold: int
    requests_per_hour: int
    requests_per_day: int
    requests_per_address_hour: int
    rate_block_hours: int
    min_answer_seconds: float
    max_body_bytes: int
    code_key: bytes
    outbox_key: bytes
    outbox_worker: bool
    outbox_poll_seconds: float
    outbox_lease_seconds: float
    smtp: SmtpSettings

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "CredentialsSettings":
        """Build settings from ``env`` (default: os.environ); raise SettingsError listing every bad value."""
        read = EnvReader(env)
        database_url = read.get("CREDENTIALS_DATABASE_URL", "sqlite:///var/credentials.db")
        if database_url and not database_url.startswith(("sqlite:", "postgresql")):
            read.errors.append(f"CREDENTIALS_DATABASE_URL: must be a sqlite:/// or postgresql+psycopg:// URL, got {database_url.split('@')[-1]!r}")
        caller_tokens = {caller: read.secret(name) for caller, name in CALLER_TOKENS.items()}
        first_with = {}
        for caller, token in caller_tokens.items():
            if token and token in first_with:
                read.errors.append(f"{CALLER_TOKENS[caller]}: must differ from {CALLER_TOKENS[first_with[token]]}")
            first_with.setdefault(token, caller)
        code_key, outbox_key = _keys(read)
        smtp = None
        try:
            smtp = SmtpSettings.from_env(read.env)
        except SmtpSettingsError as exc:  # the mail module validates SMTP_* and MAIL_FROM
            read.errors.extend(line.strip() for line in str(exc).splitlines()[1:])
        settings = cls(
            host=read.get("CREDENTIALS_HOST", "127.0.0.1"),
            port=read.port("CREDENTIALS_PORT", 8001),
            threads=read.integer("CREDENTIALS_THREADS", 16, 1, 256),
            database_url=database_url,
            sqlite_synchronous=_synchronous(read),
            caller_tokens=caller_tokens,
            code_ttl_days=read.integer("CODE_TTL_DAYS", CODE_TTL_DAYS_DEFAULT, *CODE_TTL_DAYS_RANGE),
            # NIST SP 800-63B: never below 8; and 64 must always be accepted.
            password_min_length=read.integer("PASSWORD_MIN_LENGTH", 15, 8, 64),
            login_lockout_threshold=read.integer("CREDENTIALS_LOCKOUT_THRESHOLD", 10, 3, 100),
            # Sliding windows (issue 10, M4/M10): per username, per source and per client address, at
            # most N in any hour and M in any CREDENTIALS_RATE_BLOCK_HOURS (the long window; no fixed block).
            requests_per_hour=read.integer("CREDENTIALS_REQUESTS_PER_HOUR", 5, 1, 100),
            requests_per_day=read.integer("CREDENTIALS_REQUESTS_PER_DAY", 10, 1, 1000),
            requests_per_address_hour=read.integer("CREDENTIALS_REQUESTS_PER_ADDRESS_HOUR", 30, 1, 10000),
            rate_block_hours=read.integer("CREDENTIALS_RATE_BLOCK_HOURS", 24, 1, 168),
            min_answer_seconds=read.number("CREDENTIALS_MIN_ANSWER_MS", 250, 0, 5000) / 1000,
            max_body_bytes=read.integer("CREDENTIALS_MAX_BODY_BYTES", 16384, 1024, 1048576),
            code_key=code_key,
            outbox_key=outbox_key,
            outbox_worker=read.boolean("CREDENTIALS_OUTBOX_WORKER", True),
            outbox_poll_seconds=read.number("CREDENTIALS_OUTBOX_POLL_SECONDS", 1.0, 0.05, 60.0),
            # a claimed mail whose worker died is sent by another worker after this long
            outbox_lease_seconds=read.number("CREDENTIALS_OUTBOX_LEASE_SECONDS", 300.0, 1.0, 86400.0),
            smtp=smtp,
        )
        read.raise_errors(SettingsError, "bad credentials settings")
        return settings


def _synchronous(read: EnvReader) -> str:
    """CREDENTIALS_SQLITE_SYNCHRONOUS: normal (default: no fsync per commit; WAL keeps every commit
    through a crash of our processes) or full (an fsync per commit: also through a power cut)."""
    value = read.get("CREDENTIALS_SQLITE_SYNCHRONOUS", "normal").lower()
    if value not in ("normal", "full"):
        read.errors.append(f"CREDENTIALS_SQLITE_SYNCHRONOUS: must be normal or full, got {value!r}")
        return "NORMAL"
    return value.upper()


def _decode_key(name: str, text: str, errors: list[str]) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.encode())
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        errors.append(f"{name}: must be 32 bytes in url-safe base64 (make one with "
                      f"`python -c 'import secrets,base64;print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())'`)")
        return b""
    return text.encode() if name == "CREDENTIALS_OUTBOX_KEY" else raw


def _keys(read: EnvReader) -> tuple[bytes, bytes]:
    """CREDENTIALS_CODE_KEY (HMAC key of codes) and CREDENTIALS_OUTBOX_KEY (Fernet key). Production
    sets both; the embedded default keeps generated ones in CREDENTIALS_KEY_FILE (mode 0600) so that
    codes and queued mails survive a restart."""
    code_text, outbox_text = read.get("CREDENTIALS_CODE_KEY", ""), read.get("CREDENTIALS_OUTBOX_KEY", "")
    if not (code_text and outbox_text):
        key_file = pathlib.Path(read.get("CREDENTIALS_KEY_FILE", "var/credentials-keys.json"))
        try:
            stored = json.loads(key_file.read_text()) if key_file.exists() else {}
            if not stored:
                stored = {name: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
                          for name in ("CREDENTIALS_CODE_KEY", "CREDENTIALS_OUTBOX_KEY")}
                key_file.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as fh:
                    json.dump(stored, fh)
        except FileExistsError:  # another process created it first
            stored = json.loads(key_file.read_text())
        except (OSError, ValueError) as exc:
            read.errors.append(f"CREDENTIALS_KEY_FILE: cannot read or create {str(key_file)!r}: {exc}")
            return b"", b""
        code_text = code_text or stored.get("CREDENTIALS_CODE_KEY", "")
        outbox_text = outbox_text or stored.get("CREDENTIALS_OUTBOX_KEY", "")
    return _decode_key("CREDENTIALS_CODE_KEY", code_text, read.errors), _decode_key("CREDENTIALS_OUTBOX_KEY", outbox_text, read.errors)
