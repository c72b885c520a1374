"""kernel.spoken: spelled usernames and spoken e-mail addresses, for the phone line and the assistant
alike (S4, S6, S8); a spelled username is only taken when the backend's rule (S1) would take it."""
from __future__ import annotations

import pytest

from kernel.spoken import parse_email, parse_keypad_username, parse_username, spell_out, spelled

SPELLINGS = [
    ("k i s s p i s t a 7 7", "kisspista77"),
    ("K, I, S, S, P, I, S, T, A, 7, 7.", "kisspista77"),
    ("K mint Károly, I mint Ilona, S mint Sándor, S mint Sándor", "kiss"),
    ("cs mint Csaba a mint Aladár", "csa"),
    ("bé mint Béla é mint Éva", "bé"),
    ("ká í es es", "kíss"),
    ("kilo india sierra sierra", "kiss"),
    ("a as in alpha b for bravo c like charlie", "abc"),
    ("double you x-ray 4 2", "wx42"),
    ("dupla vé", "w"),
    ("nagy K i dupla s", "kiss"),
    ("capital k i double s", "kiss"),
    ("Kis Pista 77", "kispista77"),
    ("kiss pont pista alulvonás 1", "kiss.pista_1"),
    ("kovács kötőjel anna", "kovács-anna"),
    ("My username is k i s s", "kiss"),
    ("a felhasználónevem k i s s", "kiss"),
    ("hét hét nulla egy", "7701"),
    ("seven seven zero one", "7701"),
]
# What the backend's username rule (S1: 4-32 characters, starting with a letter, no accents) refuses.
NO_USERNAME = {"csa", "bé", "kíss", "abc", "w", "kovács-anna", "7701"}


@pytest.mark.parametrize("spoken, expected", SPELLINGS)
def test_spelled_username_is_understood(spoken, expected):
    assert spelled(spoken) == expected


@pytest.mark.parametrize("spoken, expected", SPELLINGS)
def test_a_spelled_username_is_taken_only_when_the_backends_rule_takes_it_S1(spoken, expected):
    """The phone line never reads back a username the backend would refuse (too short, accented,
    starting with a digit)."""
    assert parse_username(spoken) == (None if expected in NO_USERNAME else expected)


@pytest.mark.parametrize("spoken", ["", "   ", "!!!", "kiss@pista", "x" * 1001, "k " * 70])
def test_unusable_username_is_refused_not_guessed(spoken):
    assert parse_username(spoken) is None


def test_mint_word_decides_over_a_misheard_letter():
    """The spelling alphabet exists because "bé" and "pé" sound alike: the name wins."""
    assert spelled("pé mint Béla") == "b"
    assert spelled("dee as in tango") == "t"


@pytest.mark.parametrize("spoken, expected", [
    ("kiss pont pista kukac gmail pont com", "kiss.pista@gmail.com"),
    ("kiss.pista@gmail.com", "kiss.pista@gmail.com"),
    ("Kiss.Pista@Gmail.com.", "kiss.pista@gmail.com"),
    ("john dot smith at example dot co dot uk", "john.smith@example.co.uk"),
    ("k i s s alulvonás p kukac freemail pont hu", "kiss_p@freemail.hu"),
    ("kiss kötőjel pista at gmail dot com", "kiss-pista@gmail.com"),
    ("anna underscore 9 at citromail dot hu", "anna_9@citromail.hu"),
    ("j mint János o mint Olga kukac example pont hu", "jo@example.hu"),
    ("my e-mail address is anna at example dot com", "anna@example.com"),
    ("az e-mail címem anna kukac example pont hu", "anna@example.hu"),
])
def test_spoken_email_is_understood(spoken, expected):
    assert parse_email(spoken) == expected


@pytest.mark.parametrize("spoken", [
    "kiss pista gmail com",          # no @
    "kiss kukac gmail",              # no domain part
    "kukac gmail pont com",          # no local part
    "kiss kukac kukac gmail pont com",
    "a kód ABCD kukac",
    "",
])
def test_implausible_email_is_refused(spoken):
    assert parse_email(spoken) is None


def test_keypad_username_takes_digits_only():
    assert parse_keypad_username("1234567#") == "1234567"
    assert parse_keypad_username("12*34") is None
    assert parse_keypad_username("") is None


def test_read_back_names_symbols_and_keeps_digit_groups():
    names = {".": "pont", "@": "kukac", "_": "alulvonás", "-": "kötőjel"}
    assert spell_out("ab.c_7@x-y.hu", names) == "a, b, pont, c, alulvonás, 7, kukac, x, kötőjel, y, pont, h, u"
    assert spell_out("kp77", names) == "k, p, 77"
