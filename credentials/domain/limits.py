"""Counting verdicts: request rate limits and wrong code entries as sliding windows.

A counter is a log of the times it was hit (only the hits inside its longest window are kept). A rule
``(limit, window)`` says: at most ``limit`` hits in any ``window``. There is no fixed block: a key is
refused only while the window still holds ``limit`` hits, and refused requests are not logged, so a
burst of guesses cannot extend a block beyond one window after the last accepted one (issue 10, M10)."""
from __future__ import annotations

from datetime import datetime, timedelta

NO_MATCH, RATE_LIMITED, MATCHED = "no_match", "rate_limited", "matched"

Rule = tuple[int, timedelta]
Hits = tuple[datetime, ...]


def _trim(hits: Hits, now: datetime, rules: tuple[Rule, ...]) -> Hits:
    longest = max(window for _, window in rules)
    return tuple(sorted(h for h in hits if now - h < longest))


def _over(hits: Hits, now: datetime, rules: tuple[Rule, ...]) -> bool:
    return any(sum(1 for h in hits if now - h < window) >= limit for limit, window in rules)


def slide(hits: Hits, now: datetime, rules: tuple[Rule, ...]) -> tuple[Hits, bool]:
    """A request at ``now``: (the log after it, whether it is over a rule). A refused request is not logged."""
    kept = _trim(hits, now, rules)
    if _over(kept, now, rules):
        return kept, True
    return kept + (now,), False


def record(hits: Hits, now: datetime, rules: tuple[Rule, ...]) -> Hits:
    """The log after one more hit at ``now``, whatever the rules say (a wrong code entry that was evaluated)."""
    return _trim(hits, now, rules) + (now,)


def blocked_until(hits: Hits, now: datetime, rules: tuple[Rule, ...]) -> datetime | None:
    """When the key takes a hit again, or None when it takes one now."""
    ends = []
    for limit, window in rules:
        recent = sorted(h for h in hits if now - h < window)
        if len(recent) >= limit:
            ends.append(recent[-limit] + window)
    return max(ends, default=None)


def request_verdict(matched: bool, limited: bool) -> str:
    """A request about an account goes on only when username and e-mail match and no limit is hit."""
    if not matched:
        return NO_MATCH
    return RATE_LIMITED if limited else MATCHED
