"""Sealing: a short value that must pass through a store which may not hold it in clear.

The chat channel seals the e-mail address a user types or says before Rasa's tracker sees the message
(the tracker keeps the masked text and the sealed value); the action server unseals it for the one
backend call. The phone line seals what a caller spelled between two webhooks. Both sides of one seal
hold the same key, and a seal is bound to its *purpose*: a value sealed for one use does not open
under another.

The one kernel module outside the standard library: it needs ``cryptography`` (Fernet: AES-128-CBC
with HMAC-SHA256, a timestamp checked on opening), which both environments' lock files carry.
Hand-written encryption from the standard library's pieces would be the worse exception.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Mapping, Optional, Union

from cryptography.fernet import Fernet, InvalidToken

# What a sealed value looks like when it carries a label: "sealed-email:gAAAAAB...". A label makes a
# stored value recognisable as sealed (a tracker dump, a canary scan); the phone line's seals have none.
LABEL_SEPARATOR = ":"


class Sealer:
    """Authenticated encryption of one text under a key derived from ``key`` and ``purpose``."""

    def __init__(self, key: Union[str, bytes], purpose: str, label: Optional[str] = None) -> None:
        raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        if len(raw) < 16:
            raise ValueError("a sealing key needs at least 16 bytes")
        digest = hashlib.sha256(purpose.encode("utf-8") + b":" + raw).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._prefix = f"sealed-{label}{LABEL_SEPARATOR}" if label else ""

    def seal(self, text: str) -> str:
        return self._prefix + self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def is_sealed(self, value: object) -> bool:
        """Whether ``value`` has this sealer's shape (it may still fail to open)."""
        return isinstance(value, str) and bool(self._prefix) and value.startswith(self._prefix)

    def unseal(self, token: Optional[str], max_age_seconds: int = 3600) -> Optional[str]:
        """The sealed text, or None when missing, not sealed here, tampered with or older than
        ``max_age_seconds``."""
        if not token or not isinstance(token, str):
            return None
        if self._prefix:
            if not token.startswith(self._prefix):
                return None
            token = token[len(self._prefix):]
        try:
            return self._fernet.decrypt(token.encode("ascii"), ttl=max_age_seconds).decode("utf-8")
        except (InvalidToken, ValueError, UnicodeError):
            return None


# --- the chat's e-mail seal: the Rasa channel seals, the action server opens ---------------------
CHAT_SEAL_KEY_ENV = "CHAT_SEAL_KEY"
# The message metadata key the channel puts the sealed address in (a client's own value is dropped).
SEALED_EMAIL_METADATA = "sealed_email"
# A sealed address opens for this long: a form's read-back and confirmation, a diagnosis, an offer.
CHAT_EMAIL_MAX_AGE_SECONDS = 2 * 3600


def chat_email_sealer(key: Union[str, bytes]) -> Sealer:
    """The sealer of e-mail addresses given in a conversation (chat or spoken turns)."""
    return Sealer(key, purpose="chat-email", label="email")


class SealKeyError(ValueError):
    """CHAT_SEAL_KEY is missing or not a secret (the settings reader's complaint, never the value)."""


def chat_email_sealer_from_env(env: Optional[Mapping[str, str]] = None) -> Sealer:
    """The chat's e-mail sealer of CHAT_SEAL_KEY, checked by the one settings rule for secrets
    (kernel.settings.EnvReader.secret): the Rasa channels and the action server both read it here."""
    from kernel.settings import EnvReader  # the kernel's own module; kept out of the import of Sealer

    read = EnvReader(env)
    key = read.secret(CHAT_SEAL_KEY_ENV)
    if read.errors:
        raise SealKeyError("; ".join(read.errors))
    return chat_email_sealer(key)
