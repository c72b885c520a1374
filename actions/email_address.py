"""E-mail addresses as users type or say them: normalising spoken forms, checking syntax, masking.

Spoken forms come from the phone line's speech recognition ("kiss pista kukac gmail pont com",
"john dot smith at example dot com"). Only the syntax is checked here; whether the address is the
one on file is the backend's business (S5). Full addresses never go to a log: use :func:`mask`.
"""
from __future__ import annotations

import re
from typing import Optional

_EMAIL = re.compile(
    r"^(?=.{6,254}$)[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$"
)
_IN_TEXT = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

_AT = {"kukac", "at", "@", "kukacjel", "csiga"}
_SYMBOLS = {
    "pont": ".", "dot": ".", "pötty": ".", "alulvonás": "_", "alulvonas": "_", "underscore": "_",
    "kötőjel": "-", "kotojel": "-", "dash": "-", "hyphen": "-", "minus": "-", "mínusz": "-", "minusz": "-",
}
# Words around a spoken address that are not part of it.
_FILLER = {
    "az", "a", "e-mail", "email", "emailem", "e-mailem", "címem", "cimem", "cím", "cim", "e-mail-címem",
    "my", "is", "it", "it's", "its", "address", "the", "email's", "mail", "mailem", "ez", "this", "en", "én",
    "i", "gave", "megadott", "adtam", "meg", "hogy", "volt", "was", "it's:", "címe", "cime", "címre", "cimre",
    "szerintem", "talán", "talan", "maybe", "think", "igen", "yes",
}


def _clean_token(token: str) -> str:
    return token.strip(" \t\n,;:!?\"'()[]<>").lower()


def normalise(text: str) -> Optional[str]:
    """The e-mail address in ``text`` (typed or spoken), lower-cased, or None if there is none."""
    if not text:
        return None
    typed = _IN_TEXT.search(text)
    if typed:
        candidate = typed.group(0).strip(".").lower()
        return candidate if is_valid(candidate) else None
    tokens = [_clean_token(t) for t in text.split()]
    tokens = [t for t in tokens if t]
    at_positions = [i for i, t in enumerate(tokens) if t in _AT]
    if len(at_positions) != 1:
        return None
    at = at_positions[0]
    local = _collect(reversed(tokens[:at]))
    domain = _collect(tokens[at + 1:])
    if not local or not domain:
        return None
    candidate = "".join(reversed(local)) + "@" + "".join(domain)
    return candidate if is_valid(candidate) else None


def _collect(tokens) -> list[str]:
    """Address parts next to the spoken '@', stopping at the first filler word."""
    parts: list[str] = []
    for token in tokens:
        if token in _SYMBOLS:
            parts.append(_SYMBOLS[token])
        elif token in _FILLER and not parts:
            continue  # "... com az" — trailing filler right next to the address
        elif token in _FILLER:
            break
        else:
            parts.append(token.strip("."))
    return parts


def is_valid(address: str) -> bool:
    """Syntax check of a lower-cased address (no consecutive dots, a real-looking domain)."""
    return bool(address) and ".." not in address and bool(_EMAIL.match(address))


def mask(address: str) -> str:
    """``kiss.pista@gmail.com`` -> ``ki***@g***.com``: enough to recognise, not enough to reuse."""
    if not address or "@" not in address:
        return "***"
    local, _, domain = address.partition("@")
    host, _, tld = domain.rpartition(".")
    shown_local = local[:2] if len(local) > 2 else local[:1]
    shown_host = (host or domain)[:1]
    return f"{shown_local}***@{shown_host}***" + (f".{tld}" if host else "")


def mask_spoken(address: str, language: str) -> str:
    """The masked address as a sentence a phone caller can follow."""
    if not address or "@" not in address:
        return ""
    local, _, domain = address.partition("@")
    host, _, tld = domain.rpartition(".")
    letters = " ".join(local[:2] if len(local) > 2 else local[:1]).upper()
    host_letter = (host or domain)[:1].upper()
    if language == "en":
        return f"an address starting with {letters}, at a provider starting with {host_letter}, dot {tld}"
    return f"{letters} betűkkel kezdődő cím, kukac, {host_letter} betűvel kezdődő szolgáltató, pont {tld}"
