"""The one parser of spelled and spoken usernames and e-mail addresses, typed or recognised speech.

Callers and chat users spell with single letters ("k i s s"), letter names ("ká í es es", "kay"),
the Hungarian spelling alphabet ("k mint Károly"), the English/NATO one ("k as in kilo", "kilo"),
digits and the symbol words of either language ("kukac"/"at", "pont"/"dot",
"alulvonás"/"underscore", "kötőjel"/"dash"). Recognisers also hand back whole words ("kiss pista
77", "gmail.com"): those are taken literally, and an address written out in a sentence is found as
it is. The result is only ever a candidate: it is read back for confirmation, and whether it
matches an account is the credentials backend's business (S5).

Used by the phone line (speech and keypad) and by the assistant's forms alike.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Optional

from kernel.fields import EMAIL_MAX, USERNAME_MAX, is_email, is_username

SPOKEN_MAX = 1000

# Hungarian spelling alphabet (and common alternatives) -> the letter it stands for.
HUNGARIAN_ALPHABET = {
    "aladár": "a", "ábel": "á", "ádám": "á", "béla": "b", "cecil": "c", "csaba": "cs", "dénes": "d",
    "dezső": "d", "elemér": "e", "emil": "e", "éva": "é", "ferenc": "f", "gábor": "g", "géza": "g",
    "györgy": "gy", "helén": "h", "hedvig": "h", "ilona": "i", "irén": "i", "ibolya": "í", "íbisz": "í",
    "jános": "j", "károly": "k", "kálmán": "k", "lászló": "l", "lajos": "l", "mária": "m", "nándor": "n",
    "nyúl": "ny", "olga": "o", "óra": "ó", "ódon": "ó", "ödön": "ö", "őz": "ő", "őzike": "ő",
    "péter": "p", "kú": "q", "róbert": "r", "sándor": "s", "szilárd": "sz", "tamás": "t", "tivadar": "t",
    "tyúk": "ty", "ubul": "u", "úr": "ú", "úri": "ú", "üröm": "ü", "űr": "ű", "vilmos": "v",
    "xavér": "x", "ipszilon": "y", "zoltán": "z", "zsolt": "zs",
}
NATO_ALPHABET = {
    "alpha": "a", "alfa": "a", "bravo": "b", "charlie": "c", "delta": "d", "echo": "e", "foxtrot": "f",
    "golf": "g", "hotel": "h", "india": "i", "juliet": "j", "juliett": "j", "kilo": "k", "lima": "l",
    "mike": "m", "november": "n", "oscar": "o", "papa": "p", "quebec": "q", "romeo": "r", "sierra": "s",
    "tango": "t", "uniform": "u", "victor": "v", "whiskey": "w", "whisky": "w", "x-ray": "x", "xray": "x",
    "yankee": "y", "zulu": "z",
}
# Names of letters as a recogniser may write them out.
LETTER_NAMES = {
    # Hungarian
    "bé": "b", "cé": "c", "csé": "cs", "dé": "d", "ef": "f", "eff": "f", "gé": "g", "gyé": "gy",
    "há": "h", "jé": "j", "ká": "k", "el": "l", "ell": "l", "em": "m", "emm": "m", "en": "n", "enn": "n",
    "eny": "ny", "pé": "p", "er": "r", "err": "r", "es": "s", "ess": "s", "esz": "sz", "té": "t",
    "tyé": "ty", "vé": "v", "iksz": "x", "zé": "z", "zsé": "zs",
    # English
    "bee": "b", "cee": "c", "see": "c", "sea": "c", "dee": "d", "gee": "g", "aitch": "h", "eye": "i",
    "jay": "j", "kay": "k", "pee": "p", "cue": "q", "queue": "q", "ar": "r", "are": "r", "tee": "t",
    "tea": "t", "you": "u", "vee": "v", "ex": "x", "why": "y", "zed": "z", "zee": "z", "oh": "o",
}
DIGIT_WORDS = {
    "nulla": "0", "zéró": "0", "zero": "0", "egy": "1", "egyes": "1", "one": "1", "kettő": "2", "kető": "2",
    "két": "2", "kettes": "2", "two": "2", "három": "3", "hármas": "3", "three": "3", "négy": "4",
    "négyes": "4", "four": "4", "öt": "5", "ötös": "5", "five": "5", "hat": "6", "hatos": "6", "six": "6",
    "hét": "7", "hetes": "7", "seven": "7", "nyolc": "8", "nyolcas": "8", "eight": "8", "kilenc": "9",
    "kilences": "9", "nine": "9",
}
SYMBOL_WORDS = {
    "pont": ".", "dot": ".", "point": ".", "period": ".",
    "alulvonás": "_", "aláhúzás": "_", "underscore": "_", "underline": "_",
    "kötőjel": "-", "mínusz": "-", "minusz": "-", "dash": "-", "hyphen": "-", "minus": "-",
    "plusz": "+", "plus": "+",
}
AT_WORDS = {"kukac", "at", "kukacjel"}
# "A mint Aladár", "a as in alpha", "b for bravo", "c like charlie".
AS_IN = {"mint": 1, "as": 1, "for": 1, "like": 1}
# Words that carry no character: case, "letter", conjunctions, filler.
FILLER = {
    "kisbetű", "kisbetűs", "nagybetű", "nagybetűs", "betű", "lowercase", "uppercase", "letter", "és",
    "and", "then", "aztán", "utána", "majd", "space", "szóköz", "ez", "is", "the", "számjegy", "digit",
}
# Case words only count as filler in front of a single letter ("nagy A"); "Kis Pista" is a name.
CASE_WORDS = {"nagy", "kis", "capital", "small", "lower", "upper", "big"}
DOUBLE = {"dupla", "double", "kettős"}
LEAD_INS = (
    "a felhasználónevem", "felhasználónevem", "a felhasználónév", "felhasználónév", "my username is",
    "the username is", "username is", "username", "my user name is", "user name",
    "az e-mail címem", "az email címem", "e-mail címem", "email címem", "az e-mail cím", "e-mail cím",
    "email cím", "my e-mail address is", "my email address is", "my email is", "my e-mail is",
    "the e-mail is", "e-mail", "email", "it is", "it's", "ez", "az",
)

# Words around a spoken address that are not part of it ("az e-mail címem ... volt").
ADDRESS_FILLER = {
    "az", "a", "e-mail", "email", "emailem", "e-mailem", "címem", "cimem", "cím", "cim", "e-mail-címem",
    "my", "is", "it", "it's", "its", "address", "the", "email's", "mail", "mailem", "ez", "this", "en", "én",
    "i", "gave", "megadott", "adtam", "meg", "hogy", "volt", "was", "it's:", "címe", "cime", "címre", "cimre",
    "szerintem", "talán", "talan", "maybe", "think", "igen", "yes",
}
ADDRESS_AT_WORDS = AT_WORDS | {"@", "csiga"}
ADDRESS_SYMBOL_WORDS = {**SYMBOL_WORDS, "pötty": ".", "alulvonas": "_", "kotojel": "-"}

_LITERAL_RE = re.compile(r"^[0-9a-záéíóöőúüű._%+@-]+$")
_TYPED_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PLAUSIBLE_TLD = re.compile(r"\.[a-z]{2,24}$")


def _normalise(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).lower().strip()
    text = re.sub(r"[,;:!?\"()]+", " ", text)
    text = text.rstrip(". ")  # the recogniser's full stop at the end of a sentence
    for lead in sorted(LEAD_INS, key=len, reverse=True):
        if text.startswith(lead + " "):
            text = text[len(lead) + 1:]
            break
    # "a as in alpha" -> keep the "as in" pair as one marker
    text = re.sub(r"\bas in\b", "as", text)
    text = re.sub(r"\bdouble[ -]?(?:you|u)\b", "w", text)
    text = re.sub(r"\bdupla[ -]?v[ée]\b", "w", text)
    return [t for t in text.split() if t]


def _word_letter(word: str) -> str | None:
    return HUNGARIAN_ALPHABET.get(word) or NATO_ALPHABET.get(word)


def _token_value(token: str, allow_at: bool) -> str | None:
    """What one token stands for, or None when it means nothing here."""
    if len(token) == 1 and token.isalnum():
        return token
    if allow_at and token in AT_WORDS:
        return "@"
    for table in (SYMBOL_WORDS, DIGIT_WORDS, LETTER_NAMES):
        if token in table:
            return table[token]
    letter = _word_letter(token)
    if letter:
        return letter
    if token.isdigit():
        return token
    if _LITERAL_RE.match(token) and (allow_at or "@" not in token):
        return token
    return None


def _parse(text: str, allow_at: bool) -> str | None:
    tokens = _normalise(text)
    out: list[str] = []
    i = 0
    repeat_next = False
    while i < len(tokens):
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        # "<letter> mint <Word>": the spelling-alphabet word decides, the spoken letter is the backup.
        if nxt in AS_IN and i + 2 < len(tokens):
            word = tokens[i + 2]
            value = _word_letter(word) or _token_value(token, allow_at=False) or word[:1]
            i += 3
        elif token in FILLER or (token in CASE_WORDS and nxt is not None and (len(nxt) == 1 or nxt in LETTER_NAMES)):
            i += 1
            continue
        elif token in DOUBLE and nxt is not None:
            repeat_next = True
            i += 1
            continue
        else:
            value = _token_value(token, allow_at)
            i += 1
            if value is None:
                return None
        out.append(value * 2 if repeat_next and len(value) == 1 else value)
        repeat_next = False
    result = "".join(out)
    return result or None


def _plausible_email(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    value = value.strip(".").lower()
    if len(value) > EMAIL_MAX or not is_email(value) or not _PLAUSIBLE_TLD.search(value):
        return None
    return value


def _clean_token(token: str) -> str:
    return token.strip(" \t\n,;:!?\"'()[]<>").lower()


def _collect_address_part(tokens: Iterable[str]) -> list[str]:
    """Address parts next to the spoken '@', stopping at the first filler word."""
    parts: list[str] = []
    for token in tokens:
        if token in ADDRESS_SYMBOL_WORDS:
            parts.append(ADDRESS_SYMBOL_WORDS[token])
        elif token in ADDRESS_FILLER and not parts:
            continue  # "... com az" — filler right next to the address
        elif token in ADDRESS_FILLER:
            break
        else:
            parts.append(token.strip("."))
    return parts


def _address_around_at_word(text: str) -> Optional[str]:
    """"az e-mail címem kiss pont pista kukac gmail pont com volt": the words on both sides of one '@'."""
    tokens = [t for t in (_clean_token(t) for t in text.split()) if t]
    at_positions = [i for i, t in enumerate(tokens) if t in ADDRESS_AT_WORDS]
    if len(at_positions) != 1:
        return None
    at = at_positions[0]
    local = _collect_address_part(reversed(tokens[:at]))
    domain = _collect_address_part(tokens[at + 1:])
    if not local or not domain:
        return None
    return "".join(reversed(local)) + "@" + "".join(domain)


def spelled(spoken: Optional[str], *, allow_at: bool = False) -> Optional[str]:
    """The characters a spelling stands for ("pé mint Béla" -> "b", "hét hét" -> "77"), lower-cased,
    before any field rule; None when a word in it means nothing here."""
    if not spoken or len(spoken) > SPOKEN_MAX:
        return None
    return _parse(spoken, allow_at=allow_at)


def parse_username(spoken: Optional[str]) -> Optional[str]:
    """The username spelled or said in ``spoken`` (lower-cased), or None when it cannot be one (S1, S6)."""
    if not spoken or len(spoken) > SPOKEN_MAX:
        return None
    value = _parse(spoken, allow_at=False)
    if value is None or not is_username(value):
        return None
    return value


def parse_email(spoken: Optional[str]) -> Optional[str]:
    """The e-mail address written, spelled or said in ``spoken`` (lower-cased), or None when there is
    no plausible address in it."""
    if not spoken or len(spoken) > SPOKEN_MAX:
        return None
    typed = _TYPED_ADDRESS.search(spoken)
    if typed:
        return _plausible_email(typed.group(0))
    trimmed = _without_edge_filler(spoken)
    return (_plausible_email(_parse(trimmed, allow_at=True)) or _plausible_email(_parse(spoken, allow_at=True))
            or _plausible_email(_address_around_at_word(spoken)))


def _is_edge_filler(token: str, following: Optional[str]) -> bool:
    """A word around an address that is no part of it; never a letter or a letter's name."""
    return (token in ADDRESS_FILLER and len(token) > 1 and token not in LETTER_NAMES
            and following not in AS_IN)


def _without_edge_filler(text: str) -> str:
    """``text`` without the filler words before and after the address ("szerintem ... volt")."""
    tokens = [t for t in (_clean_token(t) for t in text.split()) if t]
    while tokens and _is_edge_filler(tokens[0], tokens[1] if len(tokens) > 1 else None):
        tokens.pop(0)
    while tokens and _is_edge_filler(tokens[-1], None):
        tokens.pop()
    return " ".join(tokens)


def parse_keypad_username(digits: Optional[str]) -> Optional[str]:
    """A digits-only username typed on the keypad (the trailing # already removed by Twilio)."""
    digits = (digits or "").strip().rstrip("#")
    return digits if digits.isdigit() and len(digits) <= USERNAME_MAX else None


def spell_out(value: str, symbol_names: dict[str, str]) -> str:
    """``value`` as a caller should hear it read back: one character at a time, symbols by name.

    Runs of digits are read as one group so "77" is not confused with "7 7" spoken slowly.
    """
    parts: list[str] = []
    for run in re.findall(r"\d+|.", value):
        parts.append(symbol_names.get(run, run))
    return ", ".join(parts)
