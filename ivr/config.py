"""Settings of the phone line, read once when the blueprint is mounted; each bad value is named."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from gateway.settings import SettingsError
from kernel.hours import HoursError, WorkingHours
from kernel.settings import EnvReader

ENV = {
    "rasa_timeout": "IVR_RASA_TIMEOUT_SECONDS",
    "backend_timeout": "IVR_BACKEND_TIMEOUT_SECONDS",
    "queue_message_after": "IVR_QUEUE_MESSAGE_AFTER_SECONDS",
    "queue_pause": "IVR_QUEUE_PAUSE_SECONDS",
    "max_speech_chars": "IVR_MAX_SPEECH_CHARS",
    "agent_numbers": "IVR_AGENT_NUMBERS",
    "withheld_new_codes_per_hour": "IVR_WITHHELD_NEW_CODES_PER_HOUR",
    "agent_pin_misses_per_hour": "IVR_AGENT_PIN_MISSES_PER_HOUR",
    # the agents' working hours (kernel.hours; the same settings as the assistant's and the console's)
    "hours": "AGENTS_HOURS",
    "holidays": "AGENTS_HOLIDAYS",
    "timezone": "AGENTS_TIMEZONE",
}


@dataclass(frozen=True)
class IvrConfig:
    """Deadlines and queue policy of the phone line (Twilio gives a webhook 15 s; we aim for 3 s)."""

    rasa_timeout: float = 2.5
    backend_timeout: float = 2.0
    queue_message_after: int = 180
    queue_pause: int = 20
    max_speech_chars: int = 500
    # Optional, on top of the PIN (caller ID can be spoofed): only these numbers may ring the agent
    # line. Empty means no extra filter, never "anyone": every agent always keys in a PIN.
    agent_numbers: tuple[str, ...] = ()
    # All withheld callers share one bucket, stricter than the backend's per-number limit.
    withheld_new_codes_per_hour: int = 3
    # Wrong agent PINs per calling number an hour (withheld numbers: one bucket of a third of it).
    agent_pin_misses_per_hour: int = 10
    # When people answer (kernel.hours): outside, a caller who asks for a person hears when they are
    # back and may leave a message (a call-back ticket) or go on with the assistant (docs/phone.md).
    hours: WorkingHours = field(default_factory=lambda: WorkingHours.from_env({}))

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> "IvrConfig":
        """Values from ``overrides`` (app.config["IVR"]), else the environment, else the defaults;
        raises SettingsError naming every bad value."""
        read = EnvReader(_with_overrides(env, overrides or {}))
        try:
            hours = WorkingHours.from_env(read.env)
        except HoursError as exc:
            read.errors.extend(line.strip() for line in str(exc).splitlines()[1:])
            hours = WorkingHours.from_env({})
        config = cls(
            hours=hours,
            rasa_timeout=read.number(ENV["rasa_timeout"], cls.rasa_timeout, 0.1, 10.0),
            backend_timeout=read.number(ENV["backend_timeout"], cls.backend_timeout, 0.1, 10.0),
            queue_message_after=read.integer(ENV["queue_message_after"], cls.queue_message_after, 10, 3600),
            queue_pause=read.integer(ENV["queue_pause"], cls.queue_pause, 1, 120),
            max_speech_chars=read.integer(ENV["max_speech_chars"], cls.max_speech_chars, 50, 5000),
            agent_numbers=tuple(n.strip().replace(" ", "") for n in read.get(ENV["agent_numbers"], "").split(",")
                                if n.strip()),
            withheld_new_codes_per_hour=read.integer(ENV["withheld_new_codes_per_hour"],
                                                     cls.withheld_new_codes_per_hour, 1, 100),
            agent_pin_misses_per_hour=read.integer(ENV["agent_pin_misses_per_hour"],
                                                   cls.agent_pin_misses_per_hour, 3, 100),
        )
        read.raise_errors(SettingsError, "bad phone line settings")
        return config


def _with_overrides(env: Mapping[str, str] | None, overrides: Mapping[str, Any]) -> dict[str, str]:
    """The environment with ``overrides`` (by field name) written over it under their variable names."""
    merged = dict(os.environ if env is None else env)
    for name, value in overrides.items():
        if name in ENV and value not in ("", None):
            merged[ENV[name]] = ",".join(value) if isinstance(value, (list, tuple)) else str(value)
    return merged
