"""Settings of the SMTP sink, read from the environment and validated once at start."""
from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass

from mailsink.faults import FaultRuleError, RefusalRule, parse_refusal_rules


class SettingsError(ValueError):
    """One or more settings are bad; the message names each one."""


@dataclass(frozen=True)
class SinkSettings:
    host: str
    port: int
    directory: pathlib.Path
    refusals: tuple[RefusalRule, ...]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "SinkSettings":
        """Build settings from ``env`` (default: os.environ); raise SettingsError listing every bad value."""
        env = dict(os.environ if env is None else env)
        errors: list[str] = []

        host = env.get("SMTP_HOST", "").strip() or "127.0.0.1"
        if any(c.isspace() for c in host) or "/" in host:
            errors.append(f"SMTP_HOST: must be a host name or IP address, got {host!r}")

        port_text = env.get("SMTP_PORT", "").strip() or "1025"
        port = 0
        try:
            port = int(port_text)
            if not 1 <= port <= 65535:
                raise ValueError
        except ValueError:
            errors.append(f"SMTP_PORT: must be a port number 1-65535, got {port_text!r}")

        directory = pathlib.Path(env.get("MAIL_SINK_DIR", "").strip() or "var/mail")
        if directory.exists() and not directory.is_dir():
            errors.append(f"MAIL_SINK_DIR: {str(directory)!r} exists and is not a directory")

        refusals: tuple[RefusalRule, ...] = ()
        try:
            refusals = parse_refusal_rules(env.get("MAILSINK_REFUSE", ""))
        except FaultRuleError as exc:
            errors.append(str(exc))

        if errors:
            raise SettingsError("bad mail sink settings:\n  " + "\n  ".join(errors))
        return cls(host=host, port=port, directory=directory, refusals=refusals)
