"""actions/language.py and actions/email_address.py: the helpers the slot mappings and forms rely on."""
from __future__ import annotations

import pytest

from dialogue_fakes import rendered

from actions import email_address, language


@pytest.mark.parametrize("text,expected", [
    ("nem kaptam meg a kódot", "hu"),
    ("nem kaptam meg a kodot", "hu"),  # without accents
    ("lejárt", "hu"),
    ("I did not get my code", "en"),
    ("my password does not work", "en"),
    ("kisspista77", None),
    ("ok", None),
    ("kiss.pista@gmail.com", None),
])
def test_language_is_detected_from_words_and_accents(text, expected):
    assert language.detect(text) == expected


def test_only_a_whole_sentence_switches_the_conversation_language():
    assert language.is_strong("I forgot my password, can you help me", "en")
    assert not language.is_strong("ok thanks", "en")
    assert not language.is_strong("hello kód", "en")  # mixed


@pytest.mark.parametrize("said,address", [
    ("kiss pista kukac gmail pont com", "kisspista@gmail.com"),
    ("az e-mail címem kiss pont pista kukac freemail pont hu", "kiss.pista@freemail.hu"),
    ("anna alulvonás k kukac citromail pont hu", "anna_k@citromail.hu"),
    ("john dot smith at example dot com", "john.smith@example.com"),
    ("My e-mail is John.Smith@Example.com.", "john.smith@example.com"),
])
def test_spoken_and_typed_email_addresses_are_normalised(said, address):
    assert email_address.address_in(said) == address


@pytest.mark.parametrize("said", ["nem tudom", "kiss pista gmail", "a@b", "kiss..pista@gmail.com", "x at y"])
def test_what_is_no_email_address_is_refused(said):
    assert email_address.address_in(said) is None


def test_masked_email_shows_only_first_letters_and_the_top_level_domain():
    assert email_address.masked_slots("kiss.pista@gmail.com")["email_masked"] == "ki***@g***.com"
    assert email_address.masked_slots("ab@freemail.hu")["email_masked"] == "a***@f***.hu"
    slots = email_address.masked_slots("kiss.pista@gmail.com")
    spoken = rendered("utter_ask_email_confirmed", language="en", channel="phone", **slots)
    assert "K I" in spoken and "gmail" not in spoken and "pista" not in spoken
