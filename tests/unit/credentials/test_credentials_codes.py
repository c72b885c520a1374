"""One-time codes (S2): from `secrets`, at least 64 bits, Crockford base32 in groups, forgiving when typed."""
from __future__ import annotations

import math
import re

from credentials.domain.codes import CODE_BITS, CROCKFORD_ALPHABET, canonical_code, generate_code
from credentials.security import CodeHasher


def test_code_has_at_least_64_bits_and_reads_in_groups_of_four():
    code = generate_code()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code)
    assert CODE_BITS >= 64
    assert len(code.replace("-", "")) * math.log2(len(CROCKFORD_ALPHABET)) >= 64


def test_codes_are_random_and_never_use_ambiguous_letters():
    codes = {generate_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert not set("".join(codes)) & set("ILOU")


def test_typed_code_forgives_lowercase_missing_dashes_and_look_alikes():
    assert canonical_code("k7qm-3xpa-9tde-w2hf") == "K7QM3XPA9TDEW2HF"
    assert canonical_code("K7QM3XPA9TDEW2HF") == "K7QM3XPA9TDEW2HF"
    assert canonical_code(" K7QM 3XPA 9TDE W2HF ") == "K7QM3XPA9TDEW2HF"
    assert canonical_code("OOOO-IIII-LLLL-oooo") == "0000111111110000"


def test_typed_code_rejects_what_cannot_be_a_code():
    assert canonical_code("K7QM-3XPA-9TDE") is None  # too short
    assert canonical_code("K7QM-3XPA-9TDE-W2HU") is None  # U is not in the alphabet
    assert canonical_code("correct horse battery staple") is None
    assert canonical_code("x" * 1000) is None


def test_code_hash_is_keyed_and_matches_typed_variants():
    hasher = CodeHasher(b"k" * 32)
    code = generate_code()
    stored = hasher.hash_code(code)
    assert code not in stored and len(stored) == 64
    assert hasher.matches(code.lower().replace("-", ""), stored)
    assert not hasher.matches(generate_code(), stored)
    assert CodeHasher(b"j" * 32).hash_code(code) != stored  # a stolen table alone is not enough to try codes
