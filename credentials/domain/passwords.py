"""The new-password rules of activation (S3), after NIST SP 800-63B 5.1.1.2: a minimum length
(15 by default, configurable), at least 64 characters accepted, no composition rules, and rejection
of common, repetitive or context-specific passwords. Each rejection names the rule that failed."""
from __future__ import annotations

import functools
import gzip
import pathlib
import re
import unicodedata
from dataclasses import dataclass

from credentials.domain.codes import canonical_code
from credentials.domain.exceptions import PasswordRejected

BLOCKLIST_PATH = pathlib.Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"
MAX_LENGTH = 128  # NIST: accept at least 64; the cap only bounds the hashing work
_EDGE_NOISE = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The offline blocklist shipped in the repository (see credentials/tools/build_blocklist.py)."""
    with gzip.open(BLOCKLIST_PATH, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 15

    def check(self, password: str, *, username: str, code: str | None = None) -> str:
        """Return the normalised password, or raise PasswordRejected naming the failed rule."""
        if not isinstance(password, str) or password == "":
            raise PasswordRejected("required", "a new password is required")
        # NIST: normalise Unicode so the same password typed on two keyboards hashes the same.
        normalised = unicodedata.normalize("NFKC", password)
        length = len(normalised)
        if length < self.min_length:
            raise PasswordRejected("too_short", f"the password must be at least {self.min_length} characters long")
        if length > MAX_LENGTH:
            raise PasswordRejected("too_long", f"the password must be at most {MAX_LENGTH} characters long")
        folded = normalised.casefold()
        user = username.strip().casefold()
        if user and folded == user:
            raise PasswordRejected("equals_username", "the password must not be the username")
        if user and user in folded:
            raise PasswordRejected("contains_username", "the password must not contain the username")
        typed_code = canonical_code(normalised)
        if code is not None and typed_code is not None and typed_code == canonical_code(code):
            raise PasswordRejected("equals_code", "the password must not be the one-time activation code (S7)")
        blocklist = common_passwords()
        if folded in blocklist or _EDGE_NOISE.sub("", folded) in blocklist:
            raise PasswordRejected("common_password", "the password is on the list of commonly used passwords")
        if _is_repetitive(folded):
            raise PasswordRejected("repetitive", "the password must not be one short pattern repeated")
        return normalised


def _is_repetitive(text: str) -> bool:
    """``aaaaaaaaaaaaaaa``, ``abcabcabcabcabc``: one unit of at most 4 characters repeated."""
    for unit in range(1, 5):
        if len(text) >= 2 * unit and text == (text[:unit] * (len(text) // unit + 1))[: len(text)]:
            return True
    return False
