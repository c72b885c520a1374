"""One-time activation codes (S2, S4, S8): 80 random bits from ``secrets``, written in Crockford
base32 as four groups of four (``K7QM-3XPA-9TDE-W2HF``) so they read aloud and type unambiguously."""
from __future__ import annotations

import secrets

from kernel.redaction import code_is_recognisable

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_BITS = 80
CODE_LENGTH = CODE_BITS // 5  # 16 symbols of 5 bits
GROUP = 4
# What people type instead of the canonical symbol (Crockford's decoding rules).
_TYPED_ALIASES = {"O": "0", "I": "1", "L": "1"}
_SEPARATORS = " -_.\t"


def generate_code() -> str:
    """A fresh code in display form, e.g. ``K7QM-3XPA-9TDE-W2HF``; drawn again (about 1 time in 150)
    until the chat's redaction recognises it in every shape it may be typed in
    (kernel.redaction.code_is_recognisable: letters and digits mixed), at a cost of 0.01 bits."""
    while True:
        value = secrets.randbits(CODE_BITS)
        symbols = []
        for _ in range(CODE_LENGTH):
            symbols.append(CROCKFORD_ALPHABET[value & 31])
            value >>= 5
        canonical = "".join(symbols)
        if code_is_recognisable(canonical):
            return format_code(canonical)


def format_code(canonical: str) -> str:
    """Group a canonical 16-symbol code with dashes."""
    return "-".join(canonical[i:i + GROUP] for i in range(0, len(canonical), GROUP))


def canonical_code(typed: str) -> str | None:
    """The canonical form of what someone typed (case, dashes, spaces, O/I/L forgiven), or None
    when it cannot be a code at all."""
    if not isinstance(typed, str) or len(typed) > 64:
        return None
    out = []
    for ch in typed.upper():
        if ch in _SEPARATORS:
            continue
        ch = _TYPED_ALIASES.get(ch, ch)
        if ch not in CROCKFORD_ALPHABET:
            return None
        out.append(ch)
    return "".join(out) if len(out) == CODE_LENGTH else None
