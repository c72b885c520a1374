"""Usernames, legal names and e-mail addresses: validation and the normalised keys used to compare them."""
from __future__ import annotations

import re
import unicodedata

from credentials.domain.exceptions import InvalidField

USERNAME_MIN, USERNAME_MAX = 4, 32
_USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")
LANGUAGES = ("hu", "en")
CHANNELS = ("chat", "phone", "agent", "web")  # who may ask over the API; the office uses "office"/"cli"
MAX_INPUT = 256


def _required_text(value: object, field: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidField(field, "required", missing=True)
    if not isinstance(value, str):
        raise InvalidField(field, "must be a string")
    return value


def validate_username(username: object) -> str:
    """A chosen username (S1): 4-32 characters, starts with a letter, then letters, digits, . _ -."""
    username = _required_text(username, "username")
    name = username.strip()
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        raise InvalidField("username", f"must be {USERNAME_MIN}-{USERNAME_MAX} characters long")
    if not _USERNAME_RE.match(name):
        raise InvalidField("username", "must start with a letter and use only letters a-z, digits, '.', '_' or '-'")
    return name


def username_key(username: str) -> str:
    """Usernames compare case-insensitively (S1)."""
    return username.strip().casefold()


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


def validate_legal_name(legal_name: object) -> str:
    legal_name = _required_text(legal_name, "legal_name")
    name = " ".join(legal_name.split())
    if len(name) > 200:
        raise InvalidField("legal_name", "must be at most 200 characters long")
    if len(name_key(name).split()) < 2:
        raise InvalidField("legal_name", "must contain a family name and a given name")
    return name


def validate_email(email: object, field: str = "email") -> str:
    email = _required_text(email, field)
    address = email.strip()
    if len(address) > 254 or not _EMAIL_RE.match(address):
        raise InvalidField(field, "is not an e-mail address")
    return address


def email_key(email: str) -> str:
    """E-mail addresses compare case-insensitively when the help desk checks what a caller says."""
    return email.strip().casefold()


def validate_language(language: object) -> str:
    if language is None or language == "":
        raise InvalidField("language", "required", missing=True)
    if language not in LANGUAGES:
        raise InvalidField("language", "must be 'hu' or 'en'")
    return language


def required_text(value: object, field: str) -> str:
    """A required string field of a request, at most MAX_INPUT characters, as given."""
    if value is None or value == "":
        raise InvalidField(field, "required", missing=True)
    if not isinstance(value, str):
        raise InvalidField(field, "must be a string")
    if len(value) > MAX_INPUT:
        raise InvalidField(field, f"must be at most {MAX_INPUT} characters long")
    return value


def validate_channel(channel: object) -> str:
    """The channel a request came through (one of CHANNELS)."""
    channel = required_text(channel, "channel")
    if channel not in CHANNELS:
        raise InvalidField("channel", "must be one of " + ", ".join(CHANNELS))
    return channel
