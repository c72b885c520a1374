"""kernel.spoken, properties (Hypothesis): whatever way a caller spells a username (S1) or an e-mail
address — letters, Hungarian letter names, either spelling alphabet, digits or number words in
Hungarian or English, separators said aloud — with the recogniser's noise (capitals, stray
punctuation, fillers), the parser gives back exactly what was spelled; the keypad's multi-tap
spelling is the inverse of its encoder; no input makes it raise."""
from __future__ import annotations

import string

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kernel.spoken import (HUNGARIAN_ALPHABET, LETTER_NAMES, NATO_ALPHABET, keypad_keys_for, parse_email,
                           parse_keypad_username, parse_username, spelled)

ASCII = string.ascii_lowercase
USERNAMES = st.from_regex(r"\A[a-z][a-z0-9._-]{3,31}\Z", fullmatch=True)

_HU_DIGIT = {"0": ["nulla"], "1": ["egy", "egyes"], "2": ["kettő", "kettes"], "3": ["három", "hármas"],
             "4": ["négy"], "5": ["öt"], "6": ["hat"], "7": ["hét", "hetes"], "8": ["nyolc"], "9": ["kilenc"]}
_EN_DIGIT = {"0": ["zero"], "1": ["one"], "2": ["two"], "3": ["three"], "4": ["four"], "5": ["five"],
             "6": ["six"], "7": ["seven"], "8": ["eight"], "9": ["nine"]}
_SEPARATORS = {".": ["pont", "dot", "point"], "_": ["alulvonás", "alsóvonás", "aláhúzás", "underscore", "alsó vonás"],
               "-": ["kötőjel", "dash", "hyphen", "kötő jel"]}
FILLERS = ["öö", "hát", "szóval", "um", "uh", "hmm", "izé"]


def _names_of(letter: str, table: dict[str, str]) -> list[str]:
    return sorted(word for word, value in table.items() if value == letter)


@st.composite
def spoken_char(draw, ch: str) -> str:
    """One character as a caller may say it and a recogniser may write it."""
    if ch in _SEPARATORS:
        return draw(st.sampled_from(_SEPARATORS[ch]))
    if ch.isdigit():
        return draw(st.sampled_from([ch] + _HU_DIGIT[ch] + _EN_DIGIT[ch]))
    ways = [ch, ch.upper(), ch.upper() + ".", ch + ","]
    ways += _names_of(ch, LETTER_NAMES)
    ways += [f"{ch} mint {w.capitalize()}" for w in _names_of(ch, HUNGARIAN_ALPHABET)]
    ways += [f"{ch} as in {w}" for w in _names_of(ch, NATO_ALPHABET)] + _names_of(ch, NATO_ALPHABET)
    if ch == "w":
        ways += ["dupla vé", "double you"]
    return draw(st.sampled_from(ways))


@st.composite
def spoken_spelling(draw, value: str) -> str:
    """``value`` spelled character by character, with fillers here and there."""
    words: list[str] = []
    for ch in value:
        if draw(st.integers(0, 9)) == 0:
            words.append(draw(st.sampled_from(FILLERS)))
        words.append(draw(spoken_char(ch)))
    return " ".join(words)


@settings(max_examples=120, deadline=None)
@given(data=st.data(), username=USERNAMES)
def test_any_username_spelled_any_way_is_understood_S1(data, username):
    said = data.draw(spoken_spelling(username))
    # Digits said one by one as number words stay digits one by one ("hét hét" = 77).
    assert parse_username(said) == username, said


@settings(max_examples=200, deadline=None)
@given(data=st.data(),
       local=st.from_regex(r"\A[a-z][a-z0-9]{0,8}(\.[a-z0-9]{1,6})?\Z", fullmatch=True),
       host=st.from_regex(r"\A[a-z]{2,10}\Z", fullmatch=True),
       tld=st.sampled_from(["hu", "com", "co.uk", "eu", "org"]),
       at=st.sampled_from(["kukac", "kukacos", "kukacka", "at", "kukac jel"]))
def test_any_address_spelled_with_kukac_or_at_is_understood(data, local, host, tld, at):
    address = f"{local}@{host}.{tld}"
    said = " ".join([data.draw(spoken_spelling(local)), at, data.draw(spoken_spelling(host)),
                     *[f"pont {part}" for part in tld.split(".")]])
    assert parse_email(said) == address, said


@settings(max_examples=100, deadline=None)
@given(data=st.data(), local=st.from_regex(r"\A[a-z][a-z0-9]{0,8}\Z", fullmatch=True),
       host=st.from_regex(r"\A[a-z]{2,10}\Z", fullmatch=True))
def test_an_address_without_its_at_word_is_never_guessed(data, local, host):
    said = " ".join([data.draw(spoken_spelling(local)), data.draw(spoken_spelling(host)), "pont hu"])
    assert parse_email(said) is None, said


# --- number words --------------------------------------------------------------------------------

_HU_UNIT = ["", "egy", "kettő", "három", "négy", "öt", "hat", "hét", "nyolc", "kilenc"]
_HU_PREFIX = ["", "", "két", "három", "négy", "öt", "hat", "hét", "nyolc", "kilenc"]  # before száz/ezer
_HU_TEN = ["", "tíz", "húsz", "harminc", "negyven", "ötven", "hatvan", "hetven", "nyolcvan", "kilencven"]
_HU_TEN_JOIN = ["", "tizen", "huszon", "harminc", "negyven", "ötven", "hatvan", "hetven", "nyolcvan", "kilencven"]


def hungarian_words(n: int, *, split: bool) -> str:
    """1-9999 in Hungarian: one compound word ("ezerkilencszáznyolcvanöt", "kétezer-huszonnégy") or,
    as recognisers also write it, one word per part ("ezer kilencszáz nyolcvan öt")."""
    thousands, hundreds, tens, units = n // 1000, n // 100 % 10, n // 10 % 10, n % 10
    parts = []
    if thousands:
        parts.append(_HU_PREFIX[thousands] + "ezer")
    if hundreds:
        parts.append(_HU_PREFIX[hundreds] + "száz")
    if tens and units:
        parts += [_HU_TEN[tens], _HU_UNIT[units]] if split and tens > 2 else [_HU_TEN_JOIN[tens] + _HU_UNIT[units]]
    elif tens:
        parts.append(_HU_TEN[tens])
    elif units:
        parts.append(_HU_UNIT[units])
    if split:
        return " ".join(parts)
    head, tail = "".join(parts[:1]), "".join(parts[1:])
    return head + ("-" if n > 2000 and thousands and tail else "") + tail


_EN_SMALL = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
             "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_EN_TEN = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def english_words(n: int) -> str:
    """1-9999 in British English ("one thousand nine hundred and eighty five")."""
    def below_100(m: int) -> list[str]:
        if m < 20:
            return [_EN_SMALL[m]] if m else []
        return [_EN_TEN[m // 10]] + ([_EN_SMALL[m % 10]] if m % 10 else [])
    words: list[str] = []
    if n >= 1000:
        words += [_EN_SMALL[n // 1000], "thousand"]
    if n // 100 % 10:
        words += [_EN_SMALL[n // 100 % 10], "hundred"]
    rest = below_100(n % 100)
    if rest and words:
        words.append("and")
    return " ".join(words + rest)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 9999), split=st.booleans())
def test_hungarian_number_words_are_the_number(n, split):
    said = hungarian_words(n, split=split)
    assert spelled(said) == str(n), said


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 9999))
def test_english_number_words_are_the_number(n):
    said = english_words(n)
    assert spelled(said) == str(n), said


@settings(max_examples=200, deadline=None)
@given(year=st.integers(1950, 2029))
def test_a_year_said_in_pairs_is_the_year(year):
    """"nineteen eighty five", "twenty twenty four": two numbers one after the other."""
    said = f"{english_words(year // 100)} {english_words(year % 100) if year % 100 >= 10 else 'oh ' + english_words(year % 100)}"
    if year % 100 < 10:
        return  # "nineteen oh five": "oh" is also the letter o; the read-back settles it
    assert spelled(said) == str(year), said


@settings(max_examples=200, deadline=None)
@given(name=st.from_regex(r"\A[a-z]{2,10}\Z", fullmatch=True), n=st.integers(10, 99))
def test_a_name_and_a_number_word_make_one_username(name, n):
    """"k pista hetvenhét" / "kpista seventy seven": the words run together, spaces cannot be heard."""
    assume(spelled(name) == name and len(name) >= 2)  # not itself a letter's or a number's name ("ef", "hat")
    assert parse_username(f"{name} {hungarian_words(n, split=False)}") == f"{name}{n}"
    assert parse_username(f"{name} {english_words(n)}") == f"{name}{n}"


# --- keypad and robustness -------------------------------------------------------------------------

@settings(max_examples=120, deadline=None)
@given(username=USERNAMES)
def test_multi_tap_keys_spell_back_the_username(username):
    assert parse_keypad_username(keypad_keys_for(username) + "#") == username


@settings(max_examples=120, deadline=None)
@given(digits=st.text(alphabet="0123456789*#", max_size=60))
def test_keypad_digits_give_a_valid_username_or_nothing(digits):
    value = parse_keypad_username(digits)
    assert value is None or (value[0] in ASCII and 4 <= len(value) <= 32)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_no_input_makes_the_parser_raise(text):
    for parse in (parse_username, parse_email, spelled):
        parse(text)
