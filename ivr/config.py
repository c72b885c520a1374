"""Settings of the phone line, read once when the blueprint is mounted; each bad value is named."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

from gateway.settings import SettingsError


@dataclass(frozen=True)
class IvrConfig:
    """Deadlines and queue policy of the phone line (Twilio gives a webhook 15 s; we aim for 3 s)."""

    rasa_timeout: float = 2.5
    backend_timeout: float = 2.0
    queue_message_after: int = 180
    queue_pause: int = 20
    max_speech_chars: int = 500
    agent_numbers: tuple[str, ...] = ()

    ENV = {
        "rasa_timeout": "IVR_RASA_TIMEOUT_SECONDS",
        "backend_timeout": "IVR_BACKEND_TIMEOUT_SECONDS",
        "queue_message_after": "IVR_QUEUE_MESSAGE_AFTER_SECONDS",
        "queue_pause": "IVR_QUEUE_PAUSE_SECONDS",
        "max_speech_chars": "IVR_MAX_SPEECH_CHARS",
        "agent_numbers": "IVR_AGENT_NUMBERS",
    }

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> "IvrConfig":
        """Values from ``overrides`` (app.config["IVR"]), else the environment, else the defaults."""
        overrides = dict(overrides or {})
        env = os.environ if env is None else env
        errors: list[str] = []
        values: dict[str, Any] = {}
        limits = {"rasa_timeout": (0.1, 10.0), "backend_timeout": (0.1, 10.0), "queue_message_after": (10, 3600),
                  "queue_pause": (1, 120), "max_speech_chars": (50, 5000)}
        for name, env_name in cls.ENV.items():
            raw = overrides.get(name, env.get(env_name, ""))
            if raw in ("", None):
                continue
            if name == "agent_numbers":
                items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
                values[name] = tuple(n.strip().replace(" ", "") for n in items if n.strip())
                continue
            kind = float if name.endswith("timeout") else int
            low, high = limits[name]
            try:
                value = kind(raw)
                if not low <= value <= high:
                    raise ValueError
                values[name] = value
            except (TypeError, ValueError):
                errors.append(f"{env_name}: must be a number from {low} to {high}, got {raw!r}")
        if errors:
            raise SettingsError("bad phone line settings:\n  " + "\n  ".join(errors))
        return cls(**values)
