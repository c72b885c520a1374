"""The fields of the backend's requests. Usernames, e-mail addresses, languages and name keys follow
the one set of field rules (kernel.fields); the backend's own rules raise InvalidField (a FieldError)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from credentials.domain.exceptions import InvalidField
from kernel import fields
from kernel.fields import email_key, fold_accents, joined_name_keys, name_key, username_key  # noqa: F401

# Who may ask over the API (kernel.fields.CHANNELS, plus the help desk's agents and the portal's web
# pages); the office uses "office"/"cli".
CHANNELS = (*fields.CHANNELS, "agent", "web")
MAX_INPUT = 256


@contextmanager
def _field_rule() -> Iterator[None]:
    try:
        yield
    except fields.FieldError as exc:
        raise InvalidField(exc.field, exc.message, missing=exc.missing) from None


def validate_username(username: object) -> str:
    """A chosen username (S1), by kernel.fields."""
    with _field_rule():
        return fields.validate_username(username)


def validate_email(email: object, field: str = "email") -> str:
    """An e-mail address, by kernel.fields."""
    with _field_rule():
        return fields.validate_email(email, field)


def validate_language(language: object) -> str:
    """``hu`` or ``en``."""
    with _field_rule():
        return fields.validate_language(language)


def validate_legal_name(legal_name: object) -> str:
    """A person's legal name: a family name and a given name, at most 200 characters."""
    with _field_rule():
        name = " ".join(fields.required_text(legal_name, "legal_name").split())
    if len(name) > 200:
        raise InvalidField("legal_name", "must be at most 200 characters long")
    if len(name_key(name).split()) < 2:
        raise InvalidField("legal_name", "must contain a family name and a given name")
    return name


def required_text(value: object, field: str) -> str:
    """A required string field of a request, at most MAX_INPUT characters, as given."""
    with _field_rule():
        return fields.required_text(value, field, MAX_INPUT)


def validate_channel(channel: object) -> str:
    """The channel a request came through (one of CHANNELS)."""
    channel = required_text(channel, "channel")
    if channel not in CHANNELS:
        raise InvalidField("channel", "must be one of " + ", ".join(CHANNELS))
    return channel
