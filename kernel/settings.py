"""Reading settings from the environment: every process of both environments reads its settings here.

An :class:`EnvReader` reads one environment mapping and collects one error line per bad value
(``NAME: what is wrong``), so that a bad configuration is reported all at once::

    read = EnvReader(env)
    port = read.port("SMTP_PORT", 1025)
    token = read.secret("GATEWAY_SERVICE_TOKEN")
    read.raise_errors(SettingsError, "bad gateway settings")

Values that are set but bad are echoed in the message; tokens and secrets never are. A secret that
equals or looks like an example value (``change-me``, ``dev-``, ``example``, the values once shipped in
.env.example) is refused; when ``PUBLIC_BASE_URL`` is https (the help desk faces the internet) a
secret must also look like at least 32 random bytes (``secrets.token_urlsafe(32)``).
"""
from __future__ import annotations

import math
import os
import string
from typing import Any, Callable, Mapping, Optional
from urllib.parse import urlparse

class SettingsError(ValueError):
    """Settings that cannot be used; the message has one line per bad value."""


TRUE, FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})

# The secrets .env.example shipped before it stopped shipping any: public, so never a secret.
SHIPPED_EXAMPLE_SECRETS = frozenset({
    "dev-service-token-change-me-0123456789",
    "dev-office-token-change-me-0123456789",
    "dev-rasa-token-change-me-0123456789",
    "dev-gateway-token-change-me-0123456789",
    "dev-session-secret-change-me-0123456789abcdef",
    "dev-twilio-auth-token-0123456789",
})
# What an example, a placeholder or a typed-in value contains (compared case-insensitively).
EXAMPLE_MARKERS = ("change-me", "changeme", "change_me", "example", "placeholder", "replace-me", "replace_me",
                   "your-", "your_", "secret-here", "xxxxxxxx")
EXAMPLE_PREFIXES = ("dev-", "dev_", "demo-", "default")
MIN_SECRET_CHARS = 16
PUBLIC_SECRET_BYTES = 32
_HEX = frozenset(string.hexdigits)
_BASE64 = frozenset(string.ascii_letters + string.digits + "-_+/")


def looks_like_example(value: str) -> bool:
    """Whether ``value`` is or looks like an example or placeholder secret (never a real one)."""
    lowered = value.strip().lower()
    return (value.strip() in SHIPPED_EXAMPLE_SECRETS or lowered.startswith(EXAMPLE_PREFIXES)
            or any(marker in lowered for marker in EXAMPLE_MARKERS))


def random_bits(value: str) -> float:
    """An upper estimate of the randomness in ``value``: its length times the bits per character of
    the smallest alphabet it is written in (hex 4, base64 6, printable ASCII 6.55), and 0 when it does
    not look drawn at random (few distinct characters, a long run of one character or of a sequence
    such as 01234567 or abcdefgh)."""
    core = value.strip().rstrip("=")
    if not core:
        return 0.0
    if len(set(core)) < min(8, len(core)):
        return 0.0
    run, longest, step = 1, 1, None
    for before, after in zip(core, core[1:]):
        diff = ord(after) - ord(before)
        run = run + 1 if diff == step and diff in (-1, 0, 1) else 2
        step, longest = diff, max(longest, run)
    if longest >= 8:
        return 0.0
    chars = set(core)
    per_char = 4.0 if chars <= _HEX else 6.0 if chars <= _BASE64 else math.log2(94)
    return len(core) * per_char


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

    @property
    def public(self) -> bool:
        """Whether the help desk faces the internet: PUBLIC_BASE_URL is an https URL."""
        return str(self.env.get("PUBLIC_BASE_URL", "")).strip().lower().startswith("https://")

    def secret(self, name: str, default: Optional[str] = None, *, public_bytes: int = PUBLIC_SECRET_BYTES) -> str:
        """A secret (required unless a default is given; never echoed): at least 16 characters, not an
        example value, and when :attr:`public` at least ``public_bytes`` random bytes (Twilio's auth
        token, which Twilio makes, has 16)."""
        fresh = "run `python -m ops.new_env` or set one from `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        complaints = len(self.errors)
        value = self.get(name, default)
        if len(self.errors) > complaints:
            self.errors[-1] += f"; {fresh}"
        if not value:
            return value
        if looks_like_example(value):
            self.errors.append(f"{name}: is an example value (change-me, dev-, example), never a secret; {fresh}")
        elif len(value) < MIN_SECRET_CHARS:
            self.errors.append(f"{name}: must be at least {MIN_SECRET_CHARS} characters")
        elif self.public and random_bits(value) < 8 * public_bytes:
            self.errors.append(f"{name}: PUBLIC_BASE_URL is https, so it must be at least {public_bytes} random bytes "
                               f"(e.g. {math.ceil(public_bytes * 8 / 6)} url-safe base64 characters); {fresh}")
        return value

    def token(self, name: str, default: Optional[str] = None) -> str:
        """A bearer token: the same rules as :meth:`secret`."""
        return self.secret(name, default)

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
