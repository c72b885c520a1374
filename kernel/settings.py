"""Reading settings from the environment: every process of both environments reads its settings here.

An :class:`EnvReader` reads one environment mapping and collects one error line per bad value
(``NAME: what is wrong``), so that a bad configuration is reported all at once::

    read = EnvReader(env)
    port = read.port("SMTP_PORT", 1025)
    token = read.token("GATEWAY_SERVICE_TOKEN")
    read.raise_errors(SettingsError, "bad gateway settings")

Values that are set but bad are echoed in the message; tokens and secrets never are.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Mapping, Optional
from urllib.parse import urlparse

class SettingsError(ValueError):
    """Settings that cannot be used; the message has one line per bad value."""


TRUE, FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})


class EnvReader:
    """Typed getters over ``env`` (default: os.environ) that collect their complaints in ``errors``.

    ``strip``: whether values lose surrounding white space before they are checked.
    """

    def __init__(self, env: Optional[Mapping[str, str]] = None, *, strip: bool = True) -> None:
        self.env = dict(os.environ if env is None else env)
        self.errors: list[str] = []
        self._strip = strip

    def get(self, name: str, default: Optional[str] = None) -> str:
        """The value of ``name``, ``default`` when unset or empty; without a default it is required."""
        value = str(self.env.get(name, ""))
        if self._strip:
            value = value.strip()
        if value == "" and default is not None:
            return default
        if value == "":
            self.errors.append(f"{name}: required, not set")
        return value

    def host(self, name: str, default: str) -> str:
        """A host name or IP address (no white space, no slash)."""
        value = self.get(name, default)
        if any(c.isspace() for c in value) or "/" in value:
            self.errors.append(f"{name}: must be a host name or IP address, got {value!r}")
        return value

    def port(self, name: str, default: int) -> int:
        """A TCP port 1-65535 (0 when bad)."""
        text = self.get(name, str(default))
        try:
            value = int(text)
            if not 1 <= value <= 65535:
                raise ValueError
        except ValueError:
            self.errors.append(f"{name}: must be a port number 1-65535, got {text!r}")
            return 0
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high``."""
        return self._ranged(name, default, low, high, int, "a whole number")

    def number(self, name: str, default: float, low: float, high: float) -> float:
        """A number from ``low`` to ``high``."""
        return self._ranged(name, default, low, high, float, "a number")

    def _ranged(self, name: str, default: Any, low: Any, high: Any, convert: Callable[[str], Any], kind: str) -> Any:
        text = self.get(name, str(default))
        try:
            value = convert(text)
        except ValueError:
            self.errors.append(f"{name}: must be {kind} {low}-{high}, got {text!r}")
            return default
        if not low <= value <= high:
            self.errors.append(f"{name}: must be between {low} and {high}, got {value}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        """true/false, yes/no, on/off or 1/0."""
        text = self.get(name, "true" if default else "false").lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        self.errors.append(f"{name}: must be true or false, got {text!r}")
        return default

    def token(self, name: str, default: Optional[str] = None) -> str:
        """A secret of at least 16 characters (required unless a default is given); never echoed."""
        value = self.get(name, default)
        if value and len(value) < 16:
            self.errors.append(f"{name}: must be at least 16 characters")
        return value

    def url(self, name: str, default: str) -> str:
        """An http(s) URL, without a trailing slash."""
        value = self.get(name, default)
        parsed = urlparse(value)
        if value and (parsed.scheme not in ("http", "https") or not parsed.netloc):
            self.errors.append(f"{name}: must be an http(s) URL, got {value!r}")
        return value.rstrip("/")

    def raise_errors(self, error_type: type[Exception], title: str) -> None:
        """Raise ``error_type("<title>:\\n  <one line per bad value>")`` if anything was bad."""
        if self.errors:
            raise error_type(f"{title}:\n  " + "\n  ".join(self.errors))
