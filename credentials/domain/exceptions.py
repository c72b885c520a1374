"""Domain exceptions; the HTTP layer maps each to one status code (credentials/api/errors.py)."""
from __future__ import annotations

from kernel.fields import FieldError


class CredentialsError(Exception):
    """Base of every domain refusal."""


class InvalidField(CredentialsError, FieldError):
    """A request field is missing or malformed (a kernel.fields rule or the backend's own); ``field`` names it."""


class UsernameTaken(CredentialsError):
    """Usernames are unique, case-insensitively (S1)."""


class AccountNotFound(CredentialsError):
    """Office-only: no account with that username (never raised on a public path)."""


class ActivationFailed(CredentialsError):
    """Generic activation refusal; ``reason`` is recorded, never shown to the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PasswordRejected(CredentialsError):
    """The new password breaks one NIST SP 800-63B rule; ``rule`` names it."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


class LoginFailed(CredentialsError):
    """Generic login refusal; ``reason`` is recorded server-side only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
