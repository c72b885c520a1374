"""The field rules every room applies to what people give: usernames, e-mail addresses, names.

The credentials backend is the authority (it decides whether an account matches); the assistant
and the phone line use the same rules so that they never pass on what the backend would reject,
nor reject what it would take.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

LANGUAGES = ("hu", "en")
CHANNELS = ("chat", "phone")

USERNAME_MIN, USERNAME_MAX = 4, 32
EMAIL_MAX = 254
_USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
_EMAIL_RE = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)
USERNAME_RULE = (f"must be {USERNAME_MIN}-{USERNAME_MAX} characters long, start with a letter and use only "
                 "letters a-z, digits, '.', '_' or '-'")


class FieldError(ValueError):
    """A value that breaks a field rule: ``field`` names it, ``message`` says what is wrong."""

    def __init__(self, field: str, message: str, *, missing: bool = False) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.missing = missing


def required_text(value: object, field: str, max_len: Optional[int] = None) -> str:
    """A required string field, as given: missing when absent or blank, at most ``max_len`` characters."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise FieldError(field, "required", missing=True)
    if not isinstance(value, str):
        raise FieldError(field, "must be a string")
    if max_len is not None and len(value) > max_len:
        raise FieldError(field, f"must be at most {max_len} characters long")
    return value


def validate_username(username: object, field: str = "username") -> str:
    """A chosen username (S1): 4-32 characters, starts with a letter, then letters, digits, . _ -."""
    name = required_text(username, field).strip()
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        raise FieldError(field, f"must be {USERNAME_MIN}-{USERNAME_MAX} characters long")
    if not _USERNAME_RE.match(name):
        raise FieldError(field, "must start with a letter and use only letters a-z, digits, '.', '_' or '-'")
    return name


def is_username(value: Optional[str]) -> bool:
    """Whether ``value`` (stripped) could be a chosen username at all (S1)."""
    try:
        validate_username(value)
    except FieldError:
        return False
    return True


def username_key(username: str) -> str:
    """Usernames compare case-insensitively (S1)."""
    return username.strip().casefold()


def validate_email(email: object, field: str = "email") -> str:
    """An e-mail address as the office records it: one @, a dotted domain, at most 254 characters."""
    address = required_text(email, field).strip()
    if len(address) > EMAIL_MAX or ".." in address or not _EMAIL_RE.match(address):
        raise FieldError(field, "is not an e-mail address")
    return address


def is_email(value: Optional[str]) -> bool:
    """Whether ``value`` (stripped) is an e-mail address by :func:`validate_email`."""
    try:
        validate_email(value)
    except FieldError:
        return False
    return True


def email_key(email: str) -> str:
    """E-mail addresses compare case-insensitively when the help desk checks what a caller says."""
    return email.strip().casefold()


def validate_language(language: object, field: str = "language") -> str:
    """``hu`` or ``en``."""
    if language is None or language == "":
        raise FieldError(field, "required", missing=True)
    if language not in LANGUAGES:
        raise FieldError(field, "must be 'hu' or 'en'")
    return str(language)


def fold_accents(text: str) -> str:
    """``Kovács Jánosné`` -> ``kovacs janosne``: accent-insensitive, case-insensitive."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_key(text: str) -> str:
    """Order-insensitive key of a person's name (Hungarian order is family name first, people type
    either): accent-folded words sorted, e.g. ``Kovács János`` and ``janos.kovacs`` -> ``janos kovacs``."""
    words = re.findall(r"[^\W_]+", fold_accents(text))
    return " ".join(sorted(words))


def joined_name_keys(text: str) -> tuple[str, str]:
    """The name run together, in written and in reversed word order: ``Kovács János`` ->
    (``kovacsjanos``, ``janoskovacs``), for people who type their name as one word (S6)."""
    words = re.findall(r"[^\W_]+", fold_accents(text))
    return "".join(words), "".join(reversed(words))


def ascii_number(text: Optional[str], max_digits: int) -> Optional[int]:
    """The number ``text`` writes in 1 to ``max_digits`` ASCII digits 0-9 (and nothing else), or None.
    ``str.isdigit()`` is not this check: it also takes "²", "١٢", "１２" and "߁", which int() refuses
    or reads as a number no client meant; and a bound on the digits keeps it within a column's range."""
    if not isinstance(text, str) or not 0 < len(text) <= max_digits or not all("0" <= ch <= "9" for ch in text):
        return None
    return int(text)


NUL = "\x00"
NUL_RULE = "must not contain the NUL character (U+0000)"


def holds_nul(value: object, depth: int = 0) -> bool:
    """True when a string anywhere in ``value`` (a string, or lists and objects of them, keys included)
    holds U+0000, which no field of the help desk accepts and PostgreSQL's text columns cannot store.
    Deeper than 64 levels is left to the JSON reader's own refusal."""
    if isinstance(value, str):
        return NUL in value
    if depth > 64:
        return False
    if isinstance(value, dict):
        return any(holds_nul(k, depth + 1) or holds_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(holds_nul(v, depth + 1) for v in value)
    return False


def field_holding_nul(body: dict) -> Optional[str]:
    """The first field of a JSON object whose name or value holds U+0000 ("body" for a name), or None."""
    for key, value in body.items():
        if holds_nul(key):
            return "body"
        if holds_nul(value):
            return key
    return None
