"""Hashes and encryption of the backend's secrets.

- One-time codes: HMAC-SHA256 under a server-side key. A code has 80 random bits, so even the bare
  hash could not be reversed by brute force (2^80 guesses); the key adds that a stolen database
  alone does not even allow trying. A slow hash (argon2) would buy nothing for 80-bit secrets and
  would cost ~50 ms per comparison on every login (S7 check) and activation.
- Passwords: argon2id with the OWASP parameters (19 MiB, t=2, p=1), since people choose them.
- Outbox: the code a mail must carry is kept encrypted (Fernet: AES-128-CBC + HMAC-SHA256) until the
  mail is sent, then wiped.
"""
from __future__ import annotations

import hashlib
import hmac
import json

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

from credentials.domain.codes import canonical_code

ARGON2_MEMORY_KIB, ARGON2_TIME_COST, ARGON2_PARALLELISM = 19456, 2, 1


class CodeHasher:
    """Keyed hash of canonical codes; also keys the hashes of rate-limit sources (caller numbers)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def hash_code(self, code: str) -> str | None:
        canonical = canonical_code(code)
        if canonical is None:
            return None
        return hmac.new(self._key, b"code:" + canonical.encode(), hashlib.sha256).hexdigest()

    def matches(self, typed: str, code_hash: str) -> bool:
        candidate = self.hash_code(typed)
        # Compare even when the input is not a code so both paths cost the same.
        return hmac.compare_digest(candidate or "0" * 64, code_hash) and candidate is not None

    def subject_key(self, kind: str, value: str) -> str:
        """A stable pseudonym for rate limiting, so caller numbers are never stored in clear."""
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


class PasswordHasher:
    """argon2id, OWASP parameters; ``dummy_verify`` spends the same time when there is no account."""

    def __init__(self) -> None:
        self._argon2 = _Argon2(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB,
                               parallelism=ARGON2_PARALLELISM)
        self._dummy = self._argon2.hash("no account has this password; timing only")

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def dummy_verify(self, password: str) -> None:
        self.verify(self._dummy, password)


class OutboxCipher:
    """Encrypts the short-lived payload of a code mail (the code) while it waits in the outbox."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, payload: dict) -> str:
        return self._fernet.encrypt(json.dumps(payload).encode()).decode()

    def open(self, token: str) -> dict:
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise ValueError("outbox payload cannot be decrypted with CREDENTIALS_OUTBOX_KEY") from exc


def tokens_equal(given: str, expected: str) -> bool:
    """Constant-time comparison of bearer tokens."""
    return hmac.compare_digest(given.encode(), expected.encode())
