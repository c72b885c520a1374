"""Masking and defensive redaction of what the gateway stores: secrets (via bot.redaction, the one
redaction rule of the project), e-mail addresses and caller numbers are never kept in clear."""
from __future__ import annotations

import re
from typing import Any

try:  # bot/redaction.py is pure Python so the gateway can share it (bot-contract Addendum)
    from bot import redaction as _redaction

    _redact = _redaction.redact
    REDACTED_TOKEN = getattr(_redaction, "REDACTED_TOKEN", None) or _redaction.REDACTION_TOKEN
except ImportError:  # pragma: no cover - only while bot/ has not landed
    REDACTED_TOKEN = "REDACTEDSECRET"
    _CODE_LIKE = re.compile(r"(?<![\w@.])(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{8,}(?![\w@])")

    def _redact(text: str) -> tuple[str, list[str]]:
        text, n = _CODE_LIKE.subn(REDACTED_TOKEN, text)
        return text, ["code"] * n

EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def redact_text(text: str) -> tuple[str, list[str]]:
    """Secrets replaced by REDACTEDSECRET (S7, S8) and e-mail addresses masked; returns the kinds found."""
    text, kinds = _redact(text or "")
    text, n = EMAIL.subn(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return text, list(kinds) + (["email"] if n else [])


def mask_email(email: str) -> str:
    """``kiss.pista@gmail.com`` → ``k***@gmail.com``."""
    return redact_text(email)[0] if "@" in (email or "") else "***"


def redact_structure(value: Any) -> Any:
    """Redact every string inside nested JSON (the diagnosis) without changing its shape."""
    if isinstance(value, str):
        return redact_text(value)[0]
    if isinstance(value, list):
        return [redact_structure(v) for v in value]
    if isinstance(value, dict):
        return {str(k): redact_structure(v) for k, v in value.items()}
    return value


def mask_phone_number(number: str | None) -> str | None:
    """Keep the country code, the area/network code and the last two digits: ``+36 30 *** **12``.

    Already-masked input is re-masked from its digits, so a full number can never slip through."""
    if not number:
        return None
    digits = re.sub(r"\D", "", number)
    if not digits:
        return None
    if number.strip().startswith("+36") or digits.startswith("36"):
        rest = digits[2:]
        area_len = 1 if rest.startswith("1") else 2
        area, local = rest[:area_len], rest[area_len:]
        if "*" in number:  # masked input: keep only what a masked form may show
            return f"+36 {area} *** **{digits[-2:]}" if len(digits) >= 6 else "+36 *** ****"
        return f"+36 {area} *** **{local[-2:]}" if len(local) >= 4 else "+36 *** ****"
    if len(digits) < 6:
        return "*** ****"
    return f"+{digits[:2]} *** **{digits[-2:]}" if number.strip().startswith("+") else f"*** **{digits[-2:]}"
