"""Why a typed code cannot activate an account (S3, S4, S8): the decision, without any storage."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from credentials.domain.model import CODE_EXPIRED, WRONG_CODE_LIMIT, Account

UNKNOWN_USERNAME = "unknown_username"
NO_CODE = "no_code"
WRONG_CODE = "wrong_code"
CODE_SUPERSEDED = "code_superseded"  # the person's own earlier code: a mistake to explain, not a guess
CODE_USED = "code_used"
CODE_BURNED = "code_burned"


@dataclass(frozen=True)
class Refusal:
    """An activation refused for ``reason``; ``wrong_entry`` when it counts against the live code."""

    reason: str
    wrong_entry: bool = False


def activation_refusal(account: Account, typed: str, matches: Callable[[str, str], bool],
                       now: datetime) -> Refusal | None:
    """The refusal for ``typed`` on ``account`` at ``now``, or None when the newest code may be claimed.
    ``matches(typed, code_hash)`` compares the typed code with a stored hash."""
    latest = account.latest_code()
    if account.code_entry_blocked(now):
        return Refusal(CODE_BURNED)
    if latest is None:
        return Refusal(NO_CODE)
    if not matches(typed, latest.code_hash):
        if any(matches(typed, c.code_hash) for c in account.codes if c is not latest):
            return Refusal(CODE_SUPERSEDED)
        return Refusal(WRONG_CODE, wrong_entry=latest.is_live(now))
    if latest.used_at is not None:
        return Refusal(CODE_USED)
    if latest.burned_at is not None or latest.superseded_at is not None:
        return Refusal(CODE_BURNED)
    if latest.is_expired(now):
        return Refusal(CODE_EXPIRED)
    return None


def burns_code(wrong_entries: int) -> bool:
    """Five wrong entries in the window burn the live code."""
    return wrong_entries >= WRONG_CODE_LIMIT
