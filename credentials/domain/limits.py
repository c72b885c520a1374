"""Counting verdicts: request rate limits, wrong code entries and the login lockout."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from credentials.domain.model import WRONG_CODE_WINDOW

NO_MATCH, RATE_LIMITED, MATCHED = "no_match", "rate_limited", "matched"


@dataclass(frozen=True)
class RateWindow:
    """One counter per (operation, account or source pseudonym): a fixed window, then a block."""

    window_start: datetime
    count: int = 0
    blocked_until: datetime | None = None


def count_request(state: RateWindow | None, now: datetime, *, limit: int, window: timedelta,
                  block: timedelta) -> tuple[RateWindow, bool]:
    """The counter after one more request, and whether that request is over the limit. More than
    ``limit`` requests within ``window`` block the key for ``block``."""
    state = state or RateWindow(window_start=now)
    if state.blocked_until is not None and state.blocked_until > now:
        return state, True
    if now - state.window_start >= window or state.blocked_until is not None:
        state = RateWindow(window_start=now)
    state = replace(state, count=state.count + 1)
    if state.count > limit:
        return replace(state, blocked_until=now + block), True
    return state, False


def request_verdict(matched: bool, source_limited: bool, account_limited: bool) -> str:
    """A request about an account goes on only when username and e-mail match and no limit is hit."""
    if not matched:
        return NO_MATCH
    return RATE_LIMITED if source_limited or account_limited else MATCHED


def count_wrong_entry(entries: int, window_start: datetime | None, now: datetime) -> tuple[int, datetime]:
    """(entries, window start) after one more wrong code entry: a lapsed 24 h window starts again."""
    if window_start is None or window_start <= now - WRONG_CODE_WINDOW:
        return 1, now
    return entries + 1, window_start


def lockout_due(failures: int, threshold: int, *, locked: bool, activated: bool) -> bool:
    """An activated, unlocked account locks when its failed logins reach the threshold."""
    return not locked and activated and failures >= threshold
