"""kernel.catalogue: every catalogue (phone prompts, widget texts, console texts) is checked the same way."""
from __future__ import annotations

import pytest

from kernel.catalogue import CatalogueError, check, folded, placeholders


def test_placeholders_are_the_names_a_template_asks_for():
    assert placeholders("A kód {days} napig érvényes, hívja: {phone}.") == {"days", "phone"}
    assert placeholders("no placeholder") == frozenset()


def test_a_file_is_folded_to_single_spaced_texts_and_must_be_a_mapping():
    assert folded({"a": "egy\n  ketto ", 3: 4}, "hu.yml") == {"a": "egy ketto", "3": "4"}
    with pytest.raises(CatalogueError, match="hu.yml: not a mapping"):
        folded(["a"], "hu.yml")


@pytest.mark.parametrize("en, fault", [
    ({"a": "one {x}"}, "differ in keys: b"),
    ({"a": "one", "b": "two {x}"}, "a has other placeholders"),
])
def test_languages_must_have_the_same_keys_and_placeholders(en, fault):
    with pytest.raises(CatalogueError, match=fault):
        check({"hu": {"a": "egy {x}", "b": "kettő {x}"}, "en": en})


def test_a_placeholder_nothing_fills_is_refused_only_when_fills_are_given():
    texts = {"hu": {"a": "{days} nap {typo}"}, "en": {"a": "{days} days {typo}"}}
    check(texts)
    with pytest.raises(CatalogueError, match=r"unknown placeholders \['typo'\]"):
        check(texts, {"hu": {"days"}, "en": {"days"}})
    check(texts, {"hu": {"days", "typo"}, "en": {"days", "typo"}})
