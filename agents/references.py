"""Case references such as ``HD-7K3R``: short, easy to read aloud in Hungarian and English, and
unambiguous when heard or typed (no 0/O, 1/I/L, 5/S, 2/Z, 8/B, 6/G; Q dropped, it is read 'kú')."""
from __future__ import annotations

import re
import secrets

PREFIX = "HD"
ALPHABET = "3479ACDEFHJKMNPRTUVWXY"
LENGTH = 4


def new_reference(length: int = LENGTH) -> str:
    """A random reference; uniqueness is checked by the caller against the database."""
    return f"{PREFIX}-" + "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_reference(text: str) -> str | None:
    """Turn what a person typed ("hd 7k3q", "7K3Q", "HD–7K3Q") into ``HD-7K3R``; None if it cannot be one."""
    compact = re.sub(r"[^0-9A-Za-z]", "", text or "").upper()
    if compact.startswith(PREFIX) and len(compact) > LENGTH:
        compact = compact[len(PREFIX):]
    if not LENGTH <= len(compact) <= LENGTH + 2:
        return None
    if any(ch not in ALPHABET for ch in compact):
        return None
    return f"{PREFIX}-{compact}"
