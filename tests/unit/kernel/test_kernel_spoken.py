"""kernel.spoken: spelled usernames and spoken e-mail addresses, for the phone line and the assistant
alike (S4, S6, S8); a spelled username is only taken when the backend's rule (S1) would take it."""
from __future__ import annotations

import pytest

from kernel.spoken import parse_email, parse_keypad_username, parse_username, spell_out, spelled


@pytest.mark.parametrize("spoken, expected", [
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
])
def test_spelled_username_is_understood(spoken, expected):
    assert spelled(spoken) == expected


@pytest.mark.parametrize("spoken, expected", [
    ("k i s s p i s t a 7 7", "kisspista77"),
    ("K mint Károly, I mint Ilona, S mint Sándor, S mint Sándor", "kiss"),
    ("double you x-ray 4 2", "wx42"),
    ("Kis Pista 77", "kispista77"),
    ("kiss pont pista alulvonás 1", "kiss.pista_1"),
    ("My username is k i s s", "kiss"),
])
def test_a_spelling_that_fits_the_backends_rule_is_the_username_S1(spoken, expected):
    assert parse_username(spoken) == expected


@pytest.mark.parametrize("spoken, characters", [
    ("cs mint Csaba a mint Aladár", "csa"),     # 3 characters
    ("bé mint Béla é mint Éva", "bé"),          # too short and accented
    ("ká í es es", "kíss"),                     # accented
    ("a as in alpha b for bravo c like charlie", "abc"),
    ("dupla vé", "w"),
    ("kovács kötőjel anna", "kovács-anna"),     # accented
    ("hét hét nulla egy", "7701"),              # starts with a digit
])
def test_a_spelling_the_backend_would_reject_is_no_username_S1(spoken, characters):
    """Understood as characters, refused as a username: the phone line never reads back what the
    backend's rule (4-32 characters, starting with a letter, no accents) would refuse."""
    assert spelled(spoken) == characters
    assert parse_username(spoken) is None


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
