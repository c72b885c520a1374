"""Masking and defensive redaction of what the gateway stores: secrets (via bot.redaction, the one
redaction rule of the project), e-mail addresses and caller numbers are never kept in clear."""
from __future__ import annotations

import re
from typing import Any

try:  # bot/redaction.py is pure Python so the gateway can share it (bot-contract Addendum)
    from kernel import redaction as _redaction

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


def _hungarian(area: str, last_two: str) -> str:
    return f"+36 {area} *** **{last_two}" if area and len(last_two) == 2 else "+36 *** ****"


def _area_code(national: str) -> str:
    """Budapest is ``1``; every other area or mobile network code (20, 30, 31, 50, 70, 62, ...) has two digits."""
    return national[:1] if national.startswith("1") else national[:2]


def _international(number: str) -> tuple[str, bool]:
    """The digits in international form (``06`` domestic and ``00`` prefixes resolved), and whether
    they start with the country code."""
    plus = number.strip().startswith("+")
    digits = re.sub(r"\D", "", number)
    if not plus and digits.startswith("00"):
        digits, plus = digits[2:], True
    elif not plus and digits.startswith("06"):
        digits, plus = "36" + digits[2:], True
    return digits, plus


def _remask(number: str) -> str:
    """An already-masked number: only what a masked form may show (country, area, last two digits) survives."""
    head, tail = number[:number.index("*")], number[number.rindex("*") + 1:]
    head_digits, plus = _international(head)
    tail_digits = re.sub(r"\D", "", tail)
    last_two = tail_digits[-2:] if len(tail_digits) >= 2 else ""
    if head_digits.startswith("36"):
        return _hungarian(_area_code(head_digits[2:]), last_two)
    if plus and head_digits and last_two:
        return f"+{head_digits[:2]} *** **{last_two}"
    return f"*** **{last_two}" if last_two else "*** ****"


def mask_phone_number(number: str | None) -> str | None:
    """Keep the country code, the area/network code and the last two digits: ``+36 30 *** **12``.

    Already-masked input is re-masked from what it shows, so masking is idempotent and a full number
    can never slip through."""
    if not number or not re.search(r"[\d*]", number):
        return None
    if "*" in number:
        return _remask(number)
    digits, plus = _international(number)
    if digits.startswith("36"):
        national = digits[2:]
        area = _area_code(national)
        local = national[len(area):]
        return _hungarian(area, local[-2:]) if len(local) >= 4 else "+36 *** ****"
    if len(digits) < 6:
        return "*** ****"
    return f"+{digits[:2]} *** **{digits[-2:]}" if plus else f"*** **{digits[-2:]}"
