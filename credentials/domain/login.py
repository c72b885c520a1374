"""Which reason a failed login records (S3, S4, S6, S7, S8); the client only ever sees a generic failure."""
from __future__ import annotations

from datetime import datetime

from credentials.domain.model import (CODE_EXPIRED, CODE_USED_AS_PASSWORD, LOCKED, LOCKED_REASON, NOT_ACTIVATED,
                                      UNKNOWN_USERNAME, USERNAME_LOOKS_LIKE_LEGAL_NAME, WRONG_PASSWORD, Account,
                                      ActivationCode)


def unknown_account_reason(namesakes: list[int]) -> str:
    """S6: a username that is someone's legal name (accounts ``namesakes``) is the own-name mistake."""
    return USERNAME_LOOKS_LIKE_LEGAL_NAME if namesakes else UNKNOWN_USERNAME


def refusal_before_password(account: Account, matched_code: ActivationCode | None, now: datetime) -> str | None:
    """The reason a login fails whatever the password (locked, or never activated), else None.
    ``matched_code`` is the account's code the typed password equals, if any."""
    if account.state == LOCKED:
        return LOCKED_REASON
    if account.password_hash is not None:
        return None
    latest = account.latest_code()
    if matched_code is not None and not matched_code.is_expired(now):
        return CODE_USED_AS_PASSWORD  # S7: the code is for activation, not for login
    if matched_code is not None or (latest is not None and latest.is_expired(now)):
        return CODE_EXPIRED  # S4
    return NOT_ACTIVATED  # S3


def wrong_password_reason(matched_code: ActivationCode | None) -> str:
    """S7/S8: the one-time code alone never gives access, not even right after a reset."""
    return CODE_USED_AS_PASSWORD if matched_code is not None else WRONG_PASSWORD
