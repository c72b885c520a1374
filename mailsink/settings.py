"""Settings of the SMTP sink, read from the environment and validated once at start."""
from __future__ import annotations

import pathlib
from dataclasses import dataclass

from kernel.settings import EnvReader, SettingsError
from mailsink.faults import FaultRuleError, RefusalRule, parse_refusal_rules

__all__ = ["SettingsError", "SinkSettings"]


@dataclass(frozen=True)
class SinkSettings:
    host: str
    port: int
    directory: pathlib.Path
    refusals: tuple[RefusalRule, ...]
    silent: bool = False  # MAILSINK_SILENT: accept connections, never answer (a fault for tests)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "SinkSettings":
        """Build settings from ``env`` (default: os.environ); raise SettingsError listing every bad value."""
        read = EnvReader(env)
        host = read.host("SMTP_HOST", "127.0.0.1")
        port = read.port("SMTP_PORT", 1025)

        directory = pathlib.Path(read.get("MAIL_SINK_DIR", "var/mail"))
        if directory.exists() and not directory.is_dir():
            read.errors.append(f"MAIL_SINK_DIR: {str(directory)!r} exists and is not a directory")

        refusals: tuple[RefusalRule, ...] = ()
        try:
            refusals = parse_refusal_rules(read.env.get("MAILSINK_REFUSE", ""))
        except FaultRuleError as exc:
            read.errors.append(str(exc))

        silent = read.boolean("MAILSINK_SILENT", False)
        read.raise_errors(SettingsError, "bad mail sink settings")
        return cls(host=host, port=port, directory=directory, refusals=refusals, silent=silent)
