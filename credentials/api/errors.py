"""Every error is JSON: ``{"error", "message", "field"?}``; never a stack trace."""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from credentials.domain.exceptions import AccountNotFound, ActivationFailed, LoginFailed, PasswordRejected, UsernameTaken
from kernel.fields import FieldError

log = logging.getLogger("credentials.api")


def error(status: int, code: str, message: str, **extra):
    body = {"error": code, "message": message}
    body.update(extra)
    return jsonify(body), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(FieldError)  # kernel.fields rules and the backend's own (InvalidField)
    def _invalid(exc: FieldError):
        if exc.missing:
            return error(400, "missing_field", f"{exc.field} is required", field=exc.field)
        return error(422, "invalid_field", exc.message, field=exc.field)

    @app.errorhandler(UsernameTaken)
    def _taken(exc):
        return error(409, "username_taken", "this username is already taken", field="username")

    @app.errorhandler(AccountNotFound)
    def _not_found(exc):
        return error(404, "account_not_found", "no account with this username", field="username")

    @app.errorhandler(ActivationFailed)
    def _activation_failed(exc):
        return error(401, "activation_failed", "the username or the one-time code is not valid")

    @app.errorhandler(PasswordRejected)
    def _password(exc: PasswordRejected):
        return error(422, "password_rejected", exc.message, rule=exc.rule, field="new_password")

    @app.errorhandler(LoginFailed)
    def _login_failed(exc):
        return error(401, "login_failed", "the username or the password is not valid")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return error(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _storage(exc):
        # a full disk, a database that is down or locked too long: nothing was stored, and the caller
        # is told so (503, retry later) instead of a silent loss; the log names the kind, never a value
        full = storage_full(exc)
        log.error("the credentials database refused a write or read: %s%s", type(getattr(exc, "orig", exc)).__name__,
                  " (disk full)" if full else "")
        response, status = error(503, "storage_full" if full else "database_unavailable",
                                 "the credentials backend cannot store this right now; nothing was saved, try again later")
        response.headers["Retry-After"] = "30"
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error")
        return error(500, "internal_error", "the credentials backend failed; try again later")


def storage_full(exc: Exception) -> bool:
    """Whether a database error is a full disk (SQLite SQLITE_FULL, PostgreSQL SQLSTATE 53100 disk_full)."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlite_errorname", "") == "SQLITE_FULL" or getattr(orig, "sqlstate", "") == "53100":
        return True
    return "disk is full" in str(orig).lower() or "no space left" in str(orig).lower()
