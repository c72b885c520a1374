"""Why a typed code cannot activate an account (S3, S4, S8): the decision, without any storage."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from credentials.domain.model import CODE_EXPIRED, WRONG_CODE_ACCOUNT_LIMIT, WRONG_CODE_LIMIT, WRONG_CODE_WINDOW, Account

UNKNOWN_USERNAME = "unknown_username"
NO_CODE = "no_code"
WRONG_CODE = "wrong_code"
CODE_SUPERSEDED = "code_superseded"  # the person's own earlier code: a mistake to explain, not a guess
CODE_USED = "code_used"
CODE_BURNED = "code_burned"
CODE_ENTRY_BLOCKED = "code_entry_blocked"  # too many wrong entries from this source (or in all) lately

# The sliding windows of credentials.domain.limits for wrong entries (issue 10, M10).
SOURCE_RULES = ((WRONG_CODE_LIMIT, WRONG_CODE_WINDOW),)
ACCOUNT_RULES = ((WRONG_CODE_ACCOUNT_LIMIT, WRONG_CODE_WINDOW),)


@dataclass(frozen=True)
class Refusal:
    """An activation refused for ``reason``; ``wrong_entry`` when it counts against the live code."""

    reason: str
    wrong_entry: bool = False


def activation_refusal(account: Account, typed: str, matches: Callable[[str, str], bool],
                       now: datetime, *, entry_blocked: bool) -> Refusal | None:
    """The refusal for ``typed`` on ``account`` at ``now``, or None when the newest code may be claimed.
    ``matches(typed, code_hash)`` compares the typed code with a stored hash; ``entry_blocked``: too many
    wrong entries from this source or in all (then nothing is compared at all)."""
    latest = account.latest_code()
    if entry_blocked:
        return Refusal(CODE_ENTRY_BLOCKED)
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


def entry_source(channel: str, source: str | None, client_address: str | None) -> str:
    """Whose wrong entries count together: the client address the calling service saw at its trusted
    hop, else the source it names, else everyone on that channel."""
    if client_address:
        return f"addr:{client_address.strip().casefold()}"
    if source:
        return f"src:{channel}:{source}"
    return f"chan:{channel}"
