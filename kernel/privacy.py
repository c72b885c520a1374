"""What may be shown of personal data: the one set of masks, and redaction of what people type.

* :func:`mask_email` — ``kiss.pista@gmail.com`` -> ``ki***@g***.com``: enough for the owner to
  recognise the address read back, too little to reuse it (S5: the address on file is never revealed).
* :func:`mask_username` — ``kisspista77`` -> ``ki***`` (S9: the username is never revealed).
* :func:`mask_phone_number` — ``+36301234512`` -> ``+36 30 *** **12``.
* :func:`mask_emails_in` — every address inside a text (a mail server's reply, a log line) masked.
* :func:`redact_text` / :func:`redact_structure` — secrets (codes, passwords: S7, S8) replaced by
  ``REDACTEDSECRET`` and addresses masked, in a text or in nested JSON.
* :class:`MaskingLogFilter` — a logging filter that masks any address reaching a log record.

Every mask is idempotent: masking a masked value gives the same masked value.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
from typing import Any, Optional, Union

from kernel.redaction import REDACTED_TOKEN, redact
from kernel.spoken import ADDRESS_FILLER, parse_email

__all__ = [
    "REDACTED_TOKEN", "email_mask_parts", "mask_email", "mask_username", "mask_phone_number", "mask_emails_in",
    "mask_spoken_emails_in",
    "redact_text", "redact_structure", "MaskingLogFilter", "keyed_digest", "e164",
]

MASK = "***"
# An address-shaped token inside free text (also inside <...>, quotes or a mail server's reply).
_ADDRESS_IN_TEXT = re.compile(r"[^\s<>\"'(),;:@\[\]*]+@[^\s<>\"'(),;:@\[\]=*]+")


def email_mask_parts(address: Optional[str]) -> Optional[tuple[str, str, str]]:
    """What a masked address shows: (start of the local part, first letter of the host, top-level
    domain), e.g. ``("ki", "g", "com")``; None for what is not an address. A one- or two-letter local
    part shows one letter. Spoken read-backs say these parts; :func:`mask_email` writes them."""
    local, sep, domain = (address or "").strip().strip("<>").rpartition("@")
    already_masked = local.endswith("*")
    local = local.rstrip("*")
    if not sep or not local or not domain:
        return None
    host, dot, tld = domain.rpartition(".")
    shown = local[:2] if len(local) > 2 or already_masked else local[:1]
    host = host.rstrip("*")
    if not dot or not host or not tld:
        return shown, "", ""
    return shown, host[:1], tld


def mask_email(address: Optional[str]) -> str:
    """``kiss.pista@gmail.com`` -> ``ki***@g***.com``; anything that is not an address -> ``***``."""
    parts = email_mask_parts(address)
    if parts is None:
        return MASK
    shown, host, tld = parts
    return f"{shown}{MASK}@{host}{MASK}.{tld}" if host else f"{shown}{MASK}@{MASK}"


def mask_username(username: Optional[str]) -> str:
    """``kisspista77`` -> ``ki***``: enough for its owner to recognise, too little to reveal it (S9)."""
    name = (username or "").strip().rstrip("*")
    return f"{name[:2]}{MASK}" if name else MASK


def mask_emails_in(text: Optional[str], *known: str) -> str:
    """``text`` with the given addresses (in any letter case), and anything else address-shaped, masked.

    Mail servers echo the recipient in their replies; a reply kept for a diagnosis must not hold it.
    """
    text = text or ""
    for address in known:
        if address:
            text = re.sub(re.escape(address), mask_email(address), text, flags=re.IGNORECASE)
    return _ADDRESS_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)


# A spoken address: "<local words> kukac|at <host words> pont|dot <tld>" ("kiss pista kukac gmail pont com").
_SPOKEN_AT = frozenset({"kukac", "kukacjel", "kukacos", "kukacka", "csiga", "at", "@"})
_SPOKEN_DOT = frozenset({"pont", "dot", "pötty", "point", "."})
_TLD_WORD = re.compile(r"^[a-z]{2,24}$")
_NOT_ADDRESS = ADDRESS_FILLER | frozenset({
    "for", "to", "on", "in", "new", "code", "please", "send", "address", "kód", "kódot", "kódom", "kérem",
    "küldje", "küldjön", "új", "újat", "címre", "címemre", "erre", "arra", "nem", "not", "no", "és", "and",
    "vagy", "or", "de", "but"})
_SPOKEN_REACH = 12  # words on each side of the spoken '@' that can belong to the address


def _word(token: str) -> str:
    return token.strip(" \t,;:!?\"'()[]<>").lower()


def _address_part(word: str) -> bool:
    """Whether a word next to a spoken '@' can be part of the address: any single letter or digit
    (a spelled address), or a word that is neither a filler word nor an already-masked address."""
    if len(word) == 1:
        return word.isalnum()
    return bool(word) and word not in _NOT_ADDRESS and word not in _SPOKEN_AT and "*" not in word and "@" not in word


def mask_spoken_emails_in(text: Optional[str]) -> str:
    """``text`` with every spoken or spelled address ("kiss pista kukac gmail pont com", "john dot
    smith at example dot com") replaced by its mask (``***`` when it cannot be read as one)."""
    text = text or ""
    tokens = list(re.finditer(r"\S+", text))
    words = [_word(t.group()) for t in tokens]
    spans: list[tuple[int, int]] = []
    for at, word in enumerate(words):
        if word not in _SPOKEN_AT or (spans and tokens[at].start() < spans[-1][1]):
            continue
        end, j = None, at + 1
        while j < len(words) and j <= at + _SPOKEN_REACH:
            if words[j] in _SPOKEN_DOT and j + 1 < len(words) and _TLD_WORD.match(words[j + 1]):
                end, j = j + 1, j + 2
                continue
            if end is not None or not _address_part(words[j]):
                break
            j += 1
        start = at
        while start - 1 >= 0 and at - (start - 1) <= _SPOKEN_REACH and _address_part(words[start - 1]):
            start -= 1
        if end is None or start == at:
            continue
        last = tokens[end]
        spans.append((tokens[start].start(), last.start() + len(last.group().rstrip(",;:!?.)\"'"))))
    for begin, finish in reversed(spans):
        address = parse_email(text[begin:finish])
        text = text[:begin] + (mask_email(address) if address else MASK) + text[finish:]
    return text


def mask_addresses_in(text: Optional[str], *known: str) -> str:
    """``text`` with every e-mail address in it, written or spoken, masked (``known`` ones first)."""
    return mask_spoken_emails_in(mask_emails_in(text, *known))


def redact_text(text: Optional[str]) -> tuple[str, list[str]]:
    """Secrets replaced by REDACTEDSECRET (S7, S8) and e-mail addresses, written or spoken, masked;
    returns the kinds found."""
    redacted, kinds = redact(text or "")
    masked = mask_addresses_in(redacted)
    found: list[str] = list(kinds)
    if masked != redacted:
        found.append("email")
    return masked, found


def redact_structure(value: Any) -> Any:
    """Every string inside nested JSON (a diagnosis, a transcript) redacted, the shape unchanged."""
    if isinstance(value, str):
        return redact_text(value)[0]
    if isinstance(value, list):
        return [redact_structure(v) for v in value]
    if isinstance(value, dict):
        return {str(k): redact_structure(v) for k, v in value.items()}
    return value


# --- phone numbers ------------------------------------------------------------------------------

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


def mask_phone_number(number: Optional[str]) -> Optional[str]:
    """Keep the country code, the area/network code and the last two digits: ``+36 30 *** **12``;
    None when there is no number.

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


def e164(number: Optional[str]) -> Optional[str]:
    """A caller number in E.164 form (``+36301234512``; ``06``/``00`` prefixes resolved), or None for a
    withheld, masked or implausible number. Only for keys and comparisons: never shown or stored."""
    if not number or "*" in number:
        return None
    digits, plus = _international(number)
    if not plus or not 8 <= len(digits) <= 15:
        return None
    return "+" + digits


def keyed_digest(key: Union[str, bytes], *parts: str) -> str:
    """HMAC-SHA256 (hex) of ``parts`` under a server secret: a stable key for a rate limit or a lookup
    that reveals nothing of the value (a username, a phone number) and cannot be recomputed without it."""
    secret = key.encode("utf-8") if isinstance(key, str) else key
    if not secret:
        raise ValueError("keyed_digest needs a non-empty key")
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class MaskingLogFilter(logging.Filter):
    """Masks any e-mail address that reaches a log record, also from third-party loggers (aiosmtpd)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_emails_in(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
