"""Case references: short, read-aloud-friendly, unambiguous, and found again however a person types them."""
from __future__ import annotations

from hypothesis import given, strategies as st

from agents.references import ALPHABET, new_reference, normalise_reference

CONFUSABLE = set("0O1IL5S2Z8B6GQ")


def test_reference_is_short_and_uses_only_the_unambiguous_alphabet():
    for _ in range(2000):
        ref = new_reference()
        assert ref.startswith("HD-") and len(ref) == 7
        assert not set(ref[3:]) & CONFUSABLE
        assert set(ref[3:]) <= set(ALPHABET)


def test_references_are_spread_enough_that_collisions_are_rare():
    refs = {new_reference() for _ in range(2000)}
    assert len(refs) > 1950


@given(st.text(alphabet=ALPHABET, min_size=4, max_size=4))
def test_reference_typed_loosely_is_normalised(code):
    assert normalise_reference(f"hd {code.lower()}") == f"HD-{code}"
    assert normalise_reference(code) == f"HD-{code}"
    assert normalise_reference(f"HD–{code}") == f"HD-{code}"


def test_reference_with_foreign_characters_is_rejected():
    assert normalise_reference("HD-12") is None
    assert normalise_reference("") is None
    assert normalise_reference("HD-O0O0") is None
