"""The one parser of spelled and spoken usernames and e-mail addresses, typed or recognised speech.

Callers and chat users spell with single letters ("k i s s"), letter names ("ká í es es", "kay"),
the Hungarian spelling alphabet ("k mint Károly"), the English/NATO one ("k as in kilo", "kilo"),
digits and number words of either language ("hét hét", "hetvenhét", "hetven hét", "seventy seven",
"nineteen eighty five"), "dupla vé"/"double you", "hosszú í", and the symbol words of either language
("kukac" — also misheard "kukacos"/"kukacka" — or "at", "pont"/"dot", "alulvonás"/"alsóvonás"/
"aláhúzás"/"underscore", "kötőjel"/"dash"). The recogniser's noise is ignored: capitals, stray
punctuation, fillers ("öö", "hát", "szóval", "um"). Recognisers also hand back whole words ("kiss
pista 77", "gmail.com"): those are taken literally, and an address written out in a sentence is found
as it is. A username (S1) has no accents, so one heard with them ("ká pé i es té á") is read as the
plain letters; the caller confirms the read-back anyway. The keypad's way of spelling is the mobile
phone's multi-tap (:func:`parse_keypad_username`). The result is only ever a candidate: it is read back for confirmation, and whether it
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
    "eny": "ny", "pé": "p", "kú": "q", "er": "r", "err": "r", "es": "s", "ess": "s", "esz": "sz", "té": "t",
    "tyé": "ty", "vé": "v", "iksz": "x", "ipszilon": "y", "ipszilón": "y", "ypszilon": "y", "zé": "z",
    "zsé": "zs", "ka": "k", "pe": "p", "ve": "v", "ze": "z",
    # English
    "ay": "a", "bee": "b", "cee": "c", "see": "c", "sea": "c", "dee": "d", "gee": "g", "aitch": "h",
    "eye": "i", "jay": "j", "kay": "k", "elle": "l", "pee": "p", "cue": "q", "queue": "q", "ar": "r",
    "are": "r", "tee": "t", "tea": "t", "you": "u", "vee": "v", "ex": "x", "why": "y", "zed": "z",
    "zee": "z", "oh": "o",
}
DIGIT_WORDS = {
    "nulla": "0", "zéró": "0", "zero": "0", "nought": "0", "egyes": "1", "kettes": "2", "hármas": "3",
    "négyes": "4", "ötös": "5", "hatos": "6", "hetes": "7", "nyolcas": "8", "kilences": "9",
}
# Number words whose values add up ("hetven hét" = 77, "seventy seven" = 77), in either language;
# compounds written as one word ("hetvenhét", "ezerkilencszáznyolcvanöt") are read by _hu_number.
_HU_UNITS = {"egy": 1, "kettő": 2, "kető": 2, "két": 2, "három": 3, "négy": 4, "öt": 5, "hat": 6, "hét": 7,
             "nyolc": 8, "kilenc": 9}
_HU_TENS = {"tíz": 10, "tizen": 10, "húsz": 20, "huszon": 20, "harminc": 30, "negyven": 40, "ötven": 50,
            "hatvan": 60, "hetven": 70, "nyolcvan": 80, "kilencven": 90}
_EN_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_MULTIPLIERS = {"száz": 100, "hundred": 100, "ezer": 1000, "thousand": 1000}
SYMBOL_WORDS = {
    "pont": ".", "dot": ".", "point": ".", "period": ".",
    "alulvonás": "_", "alsóvonás": "_", "aláhúzás": "_", "aláhúzásjel": "_", "underscore": "_", "underline": "_",
    "kötőjel": "-", "mínusz": "-", "minusz": "-", "dash": "-", "hyphen": "-", "minus": "-",
    "plusz": "+", "plus": "+",
}
AT_WORDS = {"kukac", "kukacjel", "kukacos", "kukacka", "kukacot", "at", "@"}
# "A mint Aladár", "a as in alpha", "b for bravo", "c like charlie".
AS_IN = {"mint": 1, "as": 1, "for": 1, "like": 1}
# Words that carry no character: case, "letter", conjunctions, the recogniser's fillers.
FILLER = {
    "kisbetű", "kisbetűs", "nagybetű", "nagybetűs", "betű", "lowercase", "uppercase", "letter", "és",
    "and", "then", "aztán", "utána", "majd", "space", "szóköz", "ez", "is", "the", "számjegy", "digit",
    "öö", "ööö", "öööö", "őő", "őőő", "öhm", "ühm", "hm", "hmm", "mhm", "um", "umm", "uh", "uhm", "erm", "ehm",
    "hát", "szóval", "izé", "tehát", "well", "kérem", "please", "egészben", "egybe", "egybeírva",
    "igen", "yes", "persze", "sure", "oké", "okay",
}
# Case words only count as filler in front of a single letter ("nagy A"); "Kis Pista" is a name.
CASE_WORDS = {"nagy", "kis", "capital", "small", "lower", "upper", "big"}
DOUBLE = {"dupla": 2, "double": 2, "kettős": 2, "tripla": 3, "triple": 3}
# "hosszú í", "rövid i": Hungarian's long and short vowels said by name.
_LONG_VOWEL = {"a": "á", "e": "é", "i": "í", "o": "ó", "ö": "ő", "u": "ú", "ü": "ű"}
_PHRASES = [  # spoken separators and letters of more than one word, made one token
    (r"\bas in\b", "as"), (r"\bdouble[ -]?(?:you|u)\b", "w"), (r"\bdupla[ -]?v[ée]?\b", "w"),
    (r"\b(?:alsó|alul) ?vonás\b", "alulvonás"), (r"\baláhúzás ?jel\b", "alulvonás"), (r"\bunder ?score\b", "underscore"),
    (r"\bkötő ?jel\b", "kötőjel"), (r"\bkukac ?jel\b", "kukac"), (r"\bat[ -]sign\b", "at"), (r"\bfull stop\b", "pont"),
    (r"\bhosszú ([aeiouöü])\b", lambda m: _LONG_VOWEL[m.group(1)]), (r"\bhosszú ([áéíóőúű])\b", r"\1"),
    (r"\brövid ([aeiouöü])\b", r"\1"), (r"\bi ?grec\b", "y"),
]
LEAD_INS = (
    "az én felhasználónevem", "én felhasználónevem", "a felhasználónevem az", "a felhasználónevem pedig",
    "felhasználónevem az", "a felhasználói nevem", "a felhasználónevem", "felhasználónevem", "a felhasználónév", "felhasználónév", "my username is",
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
ADDRESS_AT_WORDS = AT_WORDS | {"csiga"}
ADDRESS_SYMBOL_WORDS = {**SYMBOL_WORDS, "pötty": ".", "alulvonas": "_", "kotojel": "-"}
# How the read-back names the symbols, per language (the phone line's catalogue says the same).
READ_BACK_SYMBOLS = {
    "hu": {".": "pont", "@": "kukac", "_": "alulvonás", "-": "kötőjel", "+": "plusz"},
    "en": {".": "dot", "@": "at", "_": "underscore", "-": "dash", "+": "plus"},
}

_LITERAL_RE = re.compile(r"^[0-9a-záéíóöőúüű._%+@-]+$")
_TYPED_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PLAUSIBLE_TLD = re.compile(r"\.[a-z]{2,24}$")
_ACCENTLESS = str.maketrans("áéíóöőúüű", "aeiooouuu")


def _normalise(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).lower().strip()
    text = re.sub(r"[,;:!?\"()\[\]]+", " ", text)
    text = re.sub(r"\.(?=\s|$)", " ", text)  # the recogniser's full stops ("K. P. I."), never "gmail.com"
    text = re.sub(r"\s'|'\s|^'|'$", " ", text).strip()
    for _ in range(3):  # "öö igen a felhasználónevem az ...": fillers and lead-ins at the start, in any order
        words = text.split(" ", 1)
        if len(words) == 2 and words[0] in FILLER:
            text = words[1].strip()
            continue
        for lead in sorted(LEAD_INS, key=len, reverse=True):
            if text.startswith(lead + " "):
                text = text[len(lead) + 1:].strip()
                break
    for pattern, replacement in _PHRASES:
        text = re.sub(pattern, replacement, text)
    return [t for t in text.split() if t]


def _word_letter(word: str) -> str | None:
    return HUNGARIAN_ALPHABET.get(word) or NATO_ALPHABET.get(word)


def _hu_number(word: str) -> Optional[int]:
    """A Hungarian number written as one word, 0-9999 ("hetvenhét", "kétezer-huszonnégy"), or None."""
    word = word.replace("-", "")
    if not word:
        return None

    def below_100(rest: str) -> Optional[int]:
        if rest == "":
            return 0
        if rest in _HU_UNITS:
            return _HU_UNITS[rest]
        for tens in sorted(_HU_TENS, key=len, reverse=True):
            if rest.startswith(tens):
                tail = rest[len(tens):]
                if tens in ("tizen", "huszon"):
                    if tail in _HU_UNITS:
                        return _HU_TENS[tens] + _HU_UNITS[tail]
                    return None
                if tail == "":
                    return _HU_TENS[tens]
                if tens in ("tíz", "húsz"):
                    return None
                if tail in _HU_UNITS:
                    return _HU_TENS[tens] + _HU_UNITS[tail]
                return None
        return None

    def below(rest: str, unit: str, size: int, inner) -> Optional[int]:
        position = rest.find(unit)
        if position < 0:
            return inner(rest)
        head, tail = rest[:position], rest[position + len(unit):]
        count = 1 if head in ("", "egy") else _HU_UNITS.get(head)
        rest_value = inner(tail)
        if count is None or rest_value is None or (head == "egy" and size == 1000 and False):
            return None
        return count * size + rest_value

    def below_1000(rest: str) -> Optional[int]:
        return below(rest, "száz", 100, below_100)

    value = below(word, "ezer", 1000, below_1000)
    return value if value else None


def _number_value(token: str) -> Optional[int]:
    """The value of one number word (not a digit word like "nulla" or "hetes"), or None."""
    if token in _EN_NUMBERS:
        return _EN_NUMBERS[token]
    if token in ("egy", "két", "kettő", "kető", "hat", "hét", "öt"):
        return _HU_UNITS[token]
    return _hu_number(token)


def _magnitude(value: int) -> int:
    return 10 ** (len(str(value)) - 1)


def _place(value: int) -> int:
    """The smallest place a number word filled: 70 -> 10, 77 -> 1, 1900 -> 100."""
    place = 1
    while value and value % 10 == 0:
        value //= 10
        place *= 10
    return place


class _Numbers:
    """Number words in a row: "seventy seven" -> "77", "hét hét" -> "77", "nineteen eighty five" ->
    "1985", "one thousand nine hundred and eighty five" -> "1985". A word adds to the number before
    it when it fills a smaller place than that number's smallest one; otherwise a new number starts
    and the numbers are written one after the other (digits said one by one)."""

    def __init__(self) -> None:
        self.groups: list[list[int]] = []  # [thousands part, the rest]

    def add(self, value: int) -> None:
        if self.groups and 0 < value and _magnitude(value) < _place(sum(self.groups[-1])):
            self.groups[-1][1] += value
        else:
            self.groups.append([value // 1000 * 1000, value % 1000])

    def multiply(self, factor: int) -> None:
        group = self.groups[-1] if self.groups else None
        if factor == 100 and group and 0 < group[1] < 100:
            group[1] *= 100
        elif factor == 100 and group and group[0] and not group[1]:
            group[1] = 100  # "ezer száz"
        elif factor == 1000 and group and 0 < sum(group) < 1000:
            group[0], group[1] = sum(group) * 1000, 0
        else:
            self.groups.append([factor, 0] if factor == 1000 else [0, factor])

    def repeat_last(self, times: int) -> None:
        """"double seven": the last single digit said ``times`` times."""
        if self.groups and sum(self.groups[-1]) < 10:
            self.groups.extend([list(self.groups[-1]) for _ in range(times - 1)])

    def flush(self) -> str:
        text = "".join(str(sum(g)) for g in self.groups)
        self.groups = []
        return text


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
    numbers = _Numbers()
    i = 0
    repeat = 1
    while i < len(tokens):
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        number = None if nxt in AS_IN or token in _MULTIPLIERS else _number_value(token)
        if number is not None or (token in _MULTIPLIERS and nxt not in AS_IN):
            if number is not None:
                numbers.add(number)
            else:
                numbers.multiply(_MULTIPLIERS[token])
            i += 1
            if repeat > 1:
                numbers.repeat_last(repeat)
            repeat = 1
            continue
        if token in FILLER or (token in CASE_WORDS and nxt is not None and (len(nxt) == 1 or nxt in LETTER_NAMES)):
            i += 1
            continue
        out.append(numbers.flush())
        # "<letter> mint <Word>": the spelling-alphabet word decides, the spoken letter is the backup.
        if nxt in AS_IN and i + 2 < len(tokens):
            word = tokens[i + 2]
            value = _word_letter(word) or _token_value(token, allow_at=False) or word[:1]
            i += 3
        elif token in DOUBLE and nxt is not None:
            repeat = DOUBLE[token]
            i += 1
            continue
        else:
            value = _token_value(token, allow_at)
            i += 1
            if value is None:
                return None
        out.append(value * repeat if repeat > 1 and len(value) == 1 else value)
        repeat = 1
    out.append(numbers.flush())
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
    """The username spelled or said in ``spoken`` (lower-cased), or None when it cannot be one (S1, S6).

    A username has no accents (S1): letters heard with one ("ká pé i es té á", "Kovács") are taken
    as the plain letter, for the caller to confirm at the read-back."""
    if not spoken or len(spoken) > SPOKEN_MAX:
        return None
    value = _parse(spoken, allow_at=False)
    value = value.translate(_ACCENTLESS) if value else None
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


# The mobile phone's multi-tap letters: a key pressed n times is the n-th character under it.
KEYPAD_KEYS = {"1": ".-_1", "2": "abc2", "3": "def3", "4": "ghi4", "5": "jkl5", "6": "mno6", "7": "pqrs7",
               "8": "tuv8", "9": "wxyz9", "0": "0"}
KEYPAD_PAUSE = "*"  # between two characters on the same key ("k" then "l": 55*555)
_KEY_OF = {ch: (key, presses) for key, chars in KEYPAD_KEYS.items() for presses, ch in enumerate(chars, 1)}


def keypad_spelled(digits: Optional[str]) -> Optional[str]:
    """The characters typed with multi-tap ("55444777788882" -> "kista"), or None for anything else."""
    digits = (digits or "").strip().rstrip("#")
    if not digits or len(digits) > 10 * USERNAME_MAX or not re.fullmatch(r"[0-9*]+", digits):
        return None
    out: list[str] = []
    for run in re.finditer(r"([0-9])\1*", digits):
        key, presses = run.group(1), len(run.group(0))
        chars = KEYPAD_KEYS[key]
        out.append(chars[(presses - 1) % len(chars)])
    return "".join(out) or None


def keypad_keys_for(value: str) -> str:
    """The multi-tap keys of ``value`` (the inverse of :func:`keypad_spelled`): "kl" -> "55*555"."""
    keys: list[str] = []
    for ch in value.lower():
        key, presses = _KEY_OF[ch]
        if keys and keys[-1][0] == key:
            keys.append(KEYPAD_PAUSE)
        keys.append(key * presses)
    return "".join(keys)


def parse_keypad_username(digits: Optional[str]) -> Optional[str]:
    """A username typed on the keypad with multi-tap letters (S1: it starts with a letter, so digits
    alone never make one): key 5 twice is "k", key 7 five times "7", * between two characters on the
    same key; the trailing # is removed by Twilio."""
    value = keypad_spelled(digits)
    return value if value is not None and is_username(value) else None


def spell_out(value: str, symbol_names: dict[str, str]) -> str:
    """``value`` as a caller should hear it read back: one character at a time, symbols by name.

    Runs of digits are read as one group so "77" is not confused with "7 7" spoken slowly.
    """
    parts: list[str] = []
    for run in re.findall(r"\d+|.", value):
        parts.append(symbol_names.get(run, run))
    return ", ".join(parts)


# --- the recogniser's confidence ------------------------------------------------------------------
# Twilio's `Confidence` (0.0-1.0) comes with every SpeechResult. Below CONFIDENCE_REPROMPT the words
# are not acted on at all (the caller is asked again); below CONFIDENCE_CONFIRM a value is only taken
# after a read-back, and a yes or no is asked again rather than guessed. Keys have no confidence.
CONFIDENCE_REPROMPT = 0.3
CONFIDENCE_CONFIRM = 0.6


def confidence_of(raw: object) -> Optional[float]:
    """Twilio's Confidence as a number in [0, 1], or None when absent or not a number."""
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = float(str(raw).strip())
    except ValueError:
        return None
    if value != value or not 0.0 <= value <= 1.0:  # NaN or out of range: no confidence given
        return None
    return value


def too_unsure(confidence: Optional[float]) -> bool:
    """Whether the words are too unsure to act on (ask again)."""
    return confidence is not None and confidence < CONFIDENCE_REPROMPT


def needs_confirmation(confidence: Optional[float]) -> bool:
    """Whether the words may only be acted on after a confirmation (a yes/no is asked again)."""
    return confidence is not None and confidence < CONFIDENCE_CONFIRM
