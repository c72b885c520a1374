"""The JSON answers of the API, made from the use cases' results (credentials.services)."""
from __future__ import annotations

from datetime import datetime

from credentials.services import Diagnosis, EmailCorrection, Registration


def iso(value: datetime | None) -> str | None:
    """``2026-03-02T09:00:00Z``: UTC times on the wire."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def registration(result: Registration) -> dict:
    return {"username": result.username, "state": result.state, "language": result.language,
            "code_expires_at": iso(result.code_expires_at)}


def email_correction(result: EmailCorrection) -> dict:
    return {"username": result.username, "email_masked": result.email_masked}


def usernames(found: list[str]) -> dict:
    return {"usernames": found}


def activated(state: str) -> dict:
    return {"status": state}


def logged_in() -> dict:
    return {"status": "ok"}


def accepted() -> dict:
    """The one answer to every new-code request, whatever happened (S5, S9)."""
    return {"status": "accepted"}


def diagnosis(report: Diagnosis | None) -> dict:
    """``{"verified": false}`` for no match (or a rate-limited request), else the account's report."""
    if report is None:
        return {"verified": False}
    mail = report.last_code_mail
    last_mail = None
    if mail is not None:
        last_mail = {"status": mail.status, "at": iso(mail.sent_at or mail.updated_at), "attempts": mail.attempts,
                     "smtp_code": mail.smtp_code, "detail": mail.smtp_detail or ""}
    return {
        "verified": True,
        "state": report.state,
        "language": report.language,
        "live_code": {"exists": report.live_code_expires_at is not None,
                      "expires_at": iso(report.live_code_expires_at),
                      "last_issued_at": iso(report.last_issued_at),
                      "last_expired": report.last_expired},
        "code_entry_blocked_until": iso(report.code_entry_blocked_until),
        "code_entry_blocked_somewhere_until": iso(report.code_entry_blocked_somewhere_until),
        "reset_blocked_until": iso(report.reset_blocked_until),
        "recent_failures": [{"at": iso(at), "reason": reason} for at, reason in report.recent_failures],
        "last_code_mail": last_mail,
    }
