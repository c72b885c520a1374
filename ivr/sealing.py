"""What a caller spelled (username, e-mail) is kept between two webhooks only sealed, never in clear."""
from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class Sealer:
    """Authenticated encryption with a key derived from the gateway's secret key."""

    def __init__(self, secret_key: str):
        digest = hashlib.sha256(b"ivr-sealing:" + secret_key.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def unseal(self, token: str | None, max_age_seconds: int = 3600) -> str | None:
        """The sealed text, or None when missing, tampered with or older than ``max_age_seconds``."""
        if not token:
            return None
        try:
            return self._fernet.decrypt(token.encode("ascii"), ttl=max_age_seconds).decode("utf-8")
        except (InvalidToken, ValueError):
            return None
