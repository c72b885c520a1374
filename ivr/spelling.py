"""Turn a spelled-out username or e-mail address (speech recognised in Hungarian or English) into text.

Callers spell with single letters ("k i s s"), letter names ("ká í es es", "kay"), the Hungarian
spelling alphabet ("k mint Károly"), the English/NATO one ("k as in kilo", "kilo"), digits and the
symbol words of either language ("kukac"/"at", "pont"/"dot", "alulvonás"/"underscore",
"kötőjel"/"dash"). Recognisers also hand back whole words ("kiss pista 77", "gmail.com"): those
are taken literally. The result is always read back to the caller for confirmation.
"""
from __future__ import annotations

import re
import unicodedata

USERNAME_MAX = 64
EMAIL_MAX = 254

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

_USERNAME_RE = re.compile(r"^[0-9a-záéíóöőúüű._-]{1,64}$")
_EMAIL_RE = re.compile(r"^[0-9a-z._%+-]{1,64}@(?:[0-9a-z-]{1,63}\.)+[a-z]{2,24}$")
_LITERAL_RE = re.compile(r"^[0-9a-záéíóöőúüű._%+@-]+$")


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


def parse_username(spoken: str) -> str | None:
    """The username a caller spelled, or None when it cannot be one (S6: the chosen username)."""
    if not spoken or len(spoken) > 1000:
        return None
    value = _parse(spoken, allow_at=False)
    if value is None or not _USERNAME_RE.match(value):
        return None
    return value


def parse_email(spoken: str) -> str | None:
    """The e-mail address a caller said, or None when the result is not a plausible address."""
    if not spoken or len(spoken) > 1000:
        return None
    value = _parse(spoken, allow_at=True)
    if value is None or len(value) > EMAIL_MAX or not _EMAIL_RE.match(value):
        return None
    return value


def parse_keypad_username(digits: str) -> str | None:
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
