"""Masked forms of addresses and usernames: what logs, audit rows and diagnoses may hold."""
from __future__ import annotations

import re


def mask_email(address: str) -> str:
    """``kiss.pista@gmail.com`` -> ``ki***@g***.com``; anything that is not an address -> ``***``."""
    local, sep, domain = address.strip().rpartition("@")
    if not sep or not local or not domain:
        return "***"
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{host[0]}***.{tld}" if dot and host and tld else "***"
    return f"{local[:2]}***@{masked_domain}"


def mask_username(username: str) -> str:
    """``kisspista77`` -> ``ki***``: enough for the owner to recognise, too little to reveal it (S9)."""
    username = username.strip()
    return f"{username[:2]}***" if username else "***"


def scrub_addresses(text: str, *addresses: str) -> str:
    """``text`` with the given addresses, and anything else address-shaped, replaced by their masks.

    Mail servers echo the recipient in their replies; a reply kept for a diagnosis must not hold it.
    """
    for address in addresses:
        if address:
            text = re.sub(re.escape(address), mask_email(address), text, flags=re.IGNORECASE)
    return re.sub(r"[^\s<>\"'(),;:@\[\]*]+@[^\s<>\"'(),;:@\[\]=*]+", lambda m: mask_email(m.group(0)), text)
