"""kernel.spoken: spelled usernames and spoken e-mail addresses, for the phone line and the assistant
alike (S4, S6, S8); a spelled username is only taken when the backend's rule (S1) would take it."""
from __future__ import annotations

import pytest

from kernel.spoken import (READ_BACK_SYMBOLS, confidence_of, keypad_keys_for, needs_confirmation, too_unsure, parse_email, parse_keypad_username, parse_username,
                           spell_out, spelled)

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
    # the spoken forms (#13): letter names, number words, spelling alphabet, separators, noise
    ("ká pé i es té a hetvenhét", "kpista77"),
    ("ká pé i es té á hetvenhét", "kpistá77"),
    ("k pista 77", "kpista77"),
    ("k mint Károly, p mint Péter, i mint Ilona, s mint Sándor, t mint Tamás, a mint Aladár, hét hét", "kpista77"),
    ("hetven hét", "77"),
    ("seventy seven", "77"),
    ("nineteen eighty five", "1985"),
    ("ezerkilencszáznyolcvanöt", "1985"),
    ("ezer kilencszáz nyolcvan öt", "1985"),
    ("két ezer huszonnégy", "2024"),
    ("kétezer-huszonnégy", "2024"),
    ("twenty twenty four", "2024"),
    ("two thousand and twenty four", "2024"),
    ("tizenegy", "11"),
    ("double seven", "77"),
    ("dupla vé ipszilon", "wy"),
    ("i grec", "y"),
    ("hosszú í", "í"),
    ("rövid i", "i"),
    ("hosszú ö", "ő"),
    ("Öö, K. P. I. S. T. A., hetven hét", "kpista77"),
    ("öö hát szóval ká pé izé i es té a", "kpista"),
    ("um k p i s t a", "kpista"),
    ("kiss alsóvonás pista", "kiss_pista"),
    ("kiss alsó vonás pista", "kiss_pista"),
    ("kiss aláhúzás pista", "kiss_pista"),
    ("kiss kötő jel pista", "kiss-pista"),
    ("kiss underscore pista dash 7", "kiss_pista-7"),
    ("kiss dot pista", "kiss.pista"),
]
# What the backend's username rule (S1: 4-32 characters, starting with a letter) refuses.
NO_USERNAME = {"csa", "bé", "abc", "w", "7701", "77", "1985", "2024", "11", "wy", "y", "í", "i", "ő"}


@pytest.mark.parametrize("spoken, expected", SPELLINGS)
def test_spelled_username_is_understood(spoken, expected):
    assert spelled(spoken) == expected


@pytest.mark.parametrize("spoken, expected", SPELLINGS)
def test_a_spelled_username_is_taken_only_when_the_backends_rule_takes_it_S1(spoken, expected):
    """The phone line never reads back a username the backend would refuse (too short, starting with
    a digit); accents, which no username has, are heard as the plain letter ("ká ... á" -> "a")."""
    plain = expected.translate(str.maketrans("áéíóöőúüű", "aeiooouuu"))
    assert parse_username(spoken) == (None if expected in NO_USERNAME else plain)


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
    # "kukac" as the recogniser mishears it, number words, fillers and capitals
    ("kiss pont pista kukacos gmail pont com", "kiss.pista@gmail.com"),
    ("kiss pont pista kukacka gmail pont com", "kiss.pista@gmail.com"),
    ("kiss pont pista kukac jel gmail pont com", "kiss.pista@gmail.com"),
    ("Öö, Kiss pont Pista hetvenhét kukac Gmail pont com.", "kiss.pista77@gmail.com"),
    ("john dot smith seventy seven at gmail dot com", "john.smith77@gmail.com"),
    ("anna alsóvonás kovács kukac freemail pont hu", "anna_kovács@freemail.hu"),
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


def test_keypad_username_is_typed_with_multi_tap_letters_S1():
    """The keypad's username is spelled as on a mobile phone (key 5 twice = k); digits alone can never
    be a username (S1: it starts with a letter), so they are refused, not read back."""
    assert parse_keypad_username("55744477778277777*77777#") == "kpista77"
    assert keypad_keys_for("kpista77") == "55744477778277777*77777"
    assert parse_keypad_username("1234567#") is None
    assert parse_keypad_username("12a34") is None
    assert parse_keypad_username("") is None


def test_read_back_names_symbols_and_keeps_digit_groups():
    names = {".": "pont", "@": "kukac", "_": "alulvonás", "-": "kötőjel"}
    assert spell_out("ab.c_7@x-y.hu", names) == "a, b, pont, c, alulvonás, 7, kukac, x, kötőjel, y, pont, h, u"
    assert spell_out("kp77", names) == "k, p, 77"


@pytest.mark.parametrize("spoken", [
    "kiss pista gmail pont com",     # the "kukac" is missing: re-prompt, never a guess
    "john smith gmail dot com",
    "kiss pista kukac",
])
def test_an_address_without_kukac_or_at_is_refused(spoken):
    assert parse_email(spoken) is None


def test_read_back_symbols_in_both_languages():
    assert spell_out("k.p_7", READ_BACK_SYMBOLS["hu"]) == "k, pont, p, alulvonás, 7"
    assert spell_out("k.p_7", READ_BACK_SYMBOLS["en"]) == "k, dot, p, underscore, 7"


@pytest.mark.parametrize("raw, value", [("0.92", 0.92), (" 0.1 ", 0.1), (0.5, 0.5), ("1", 1.0), ("0", 0.0),
                                        (None, None), ("", None), ("high", None), ("1.5", None), ("-0.2", None),
                                        ("nan", None), (True, None)])
def test_twilio_confidence_is_read_as_a_number_or_not_at_all(raw, value):
    assert confidence_of(raw) == value


def test_low_confidence_means_ask_again_then_confirm_never_guess():
    """Below 0.3 the words are not acted on; below 0.6 only after a read-back; keys (None) are sure."""
    assert too_unsure(0.2) and needs_confirmation(0.2)
    assert not too_unsure(0.45) and needs_confirmation(0.45)
    assert not too_unsure(0.9) and not needs_confirmation(0.9)
    assert not too_unsure(None) and not needs_confirmation(None)
