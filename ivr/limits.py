"""Who is calling, as a rate-limit key, and the phone line's own limits.

A caller is keyed on ``keyed_digest(GATEWAY_SECRET_KEY, "ivr-caller", e164(From))``: two callers whose
numbers end in the same digits never share a bucket, and the key reveals nothing of the number
without the gateway's secret. Withheld and unparsable numbers (Twilio's placeholders for them
included) all share ONE key, with stricter limits of the line's own on top of the backend's."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from gateway import sessions_of, settings_of
from ivr.calls import form_field
from ivr.models import PhoneLimit
from kernel.clock import as_utc, utcnow
from kernel.privacy import e164, keyed_digest

HOUR = timedelta(hours=1)
# What Twilio puts in From when the caller withheld their number (ANONYMOUS, RESTRICTED, BLOCKED,
# UNKNOWN, UNAVAILABLE spelled on a keypad): numbers in shape, nobody's in fact.
WITHHELD_PLACEHOLDERS = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})


@dataclass(frozen=True)
class Caller:
    key: str        # keyed digest of the full E.164 number, or the one shared key of withheld numbers
    withheld: bool


def caller_of(number: str | None, secret: str) -> Caller:
    full = e164(number)
    if full is None or full in WITHHELD_PLACEHOLDERS:
        return Caller(keyed_digest(secret, "ivr-caller", "withheld"), True)
    return Caller(keyed_digest(secret, "ivr-caller", full), False)


def caller_of_request() -> Caller:
    """The caller of this webhook (its From field) as a limit key."""
    return caller_of(form_field("From", 32), settings_of(current_app).secret_key)


def reached(kind: str, key: str, limit: int, window: timedelta = HOUR) -> bool:
    """Whether ``limit`` hits of ``kind`` under ``key`` happened in the current window (nothing counted)."""
    with sessions_of(current_app)() as session:
        row = session.get(PhoneLimit, f"{kind}:{key}")
        return row is not None and as_utc(row.window_start) + window > utcnow() and row.count >= limit


def take(kind: str, key: str, limit: int, window: timedelta = HOUR) -> bool:
    """Count one hit of ``kind`` under ``key`` if fewer than ``limit`` happened in the current window:
    True when counted, False when the limit is reached (in its own transaction)."""
    for _ in range(2):  # a concurrent first hit of the same key: the second try finds its row
        with sessions_of(current_app)() as session:
            now = utcnow()
            row = session.get(PhoneLimit, f"{kind}:{key}", with_for_update=True)
            if row is None:
                row = PhoneLimit(key=f"{kind}:{key}", window_start=now, count=0)
                session.add(row)
            elif as_utc(row.window_start) + window <= now:
                row.window_start, row.count = now, 0
            if row.count >= limit:
                return False
            row.count += 1
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
            return True
    return False
