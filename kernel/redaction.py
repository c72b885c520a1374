"""Finding activation codes and passwords in what a user typed, and hiding them.

Pure functions: the assistant's input channels (bot/channels.py) call :func:`redact` on every
user text before it becomes a ``UserMessage``, so the tracker store, the logs and the agent console
only ever see the token ``REDACTEDSECRET`` (S7, S8: a code or password must never be kept in clear).

Two kinds of secret are recognised:

* ``code`` — the backend's one-time activation code (S2): 16 Crockford base32 characters, shown as
  four groups of four (``K7QM-3XPA-9TDE-W2HF``) but also typed in lowercase, without dashes or with
  spaces; or whatever follows "kódom:" / "my code is:" when it contains digits.
* ``password`` — the word after "jelszó", "jelszavam", "password", "passwd", "pwd", "pw" (with or
  without accents, with ":"/"="/"is"/"az hogy" in between) when it looks like a secret, not like an
  ordinary word ("my password doesn't work" stays as it is); a message that is one strong-password
  shaped token ("Tavasz2024!!").

The rules lean towards hiding a secret: a missed password is a leak, a hidden ordinary word only
costs the bot one understanding. Usernames and e-mail addresses are never hidden (the new-code form
needs them).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Literal

REDACTION_TOKEN = "REDACTEDSECRET"
REDACTED_TOKEN = REDACTION_TOKEN

SecretKind = Literal["code", "password"]

# Crockford base32 (0-9, A-Z without I, L, O, U). People also type I/L for 1 and O for 0, which
# Crockford's decoding accepts, so those count as code characters too; only U never appears.
_CODE_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTVWXYZ")
_GROUP = r"[0-9A-Za-z]{4}"
_SEP = r"(?:[ \t]*[-‐‑–—._][ \t]*|[ \t]+)?"
_CODE_RE = re.compile(
    rf"(?<![0-9A-Za-z@._-])({_GROUP}){_SEP}({_GROUP}){_SEP}({_GROUP}){_SEP}({_GROUP})(?![0-9A-Za-z@_-])"
)

# Word forms that announce a password, Hungarian (with and without accents) and English.
_LETTER = r"[^\W\d_]"
_PASSWORD_WORD = (
    rf"(?:jelsz[oóöő]{_LETTER}{{0,6}}|jelszav{_LETTER}{{0,6}}"
    r"|passwords?|passwd|pwd|pw|passcode|passphrase|pass\s*word)"
)
_CODE_WORD = (
    rf"(?:k[oó]d{_LETTER}{{0,5}}|aktiv[aá]l[oó]\s+k[oó]d{_LETTER}{{0,5}}|codes?|activation\s+code)"
)
_FILLER = (
    r"(?:is|was|would\s+be|should\s+be|=|:|-|–|az|ez|hogy|pedig|volt|lenne|lesz|nem\s+m[aá]s\s+mint"
    r"|it'?s|set\s+to|equals|reads|of|mine|a|the|i\s+typed|i\s+entered|i\s+used|i\s+tried|typed|entered"
    r"|be[ií]rtam|[ií]rtam|megadtam|haszn[aá]ltam|pr[oó]b[aá]ltam)"
)
_APOSTROPHE_S = r"(?:['’]s)?"
# trigger, then up to three filler words (each may carry ":" or ","), then the candidate token.
_TRIGGER_TEMPLATE = (
    r"(?<![^\W_])(?P<trigger>{word}){aps}(?![^\W_])(?P<sep>\s*[:=]+)?"
    r"(?P<fillers>(?:\s+(?:{filler})[:,=]?(?=\s|$|[\"'„“”‘’`])){{0,3}})"
    r"(?:(?<=[:=,])\s*|\s+)(?P<token>\S+)"
)
_PASSWORD_RE = re.compile(
    _TRIGGER_TEMPLATE.format(word=_PASSWORD_WORD, aps=_APOSTROPHE_S, filler=_FILLER), re.IGNORECASE
)
_CODE_TRIGGER_RE = re.compile(
    _TRIGGER_TEMPLATE.format(word=_CODE_WORD, aps=_APOSTROPHE_S, filler=_FILLER), re.IGNORECASE
)
# "Tavasz2024!! a jelszavam", "hunter2hunter2 is my password"
_PASSWORD_BEFORE_RE = re.compile(
    r"(?P<token>[^\s]+)\s+(?:volt\s+)?(?:a|az|az\s+én|is\s+my|was\s+my|=\s*my)\s+"
    r"(?:jelszavam|jelsz[oó]m|jelsz[oó]|password|pwd|passwd)(?![^\W_])",
    re.IGNORECASE,
)

_QUOTES = "\"'„“”‘’`«»"
_TRAILING_PUNCTUATION = ".,;:!?)…"
_SYMBOLS_OF_USERNAMES = set("._-")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Ordinary words that follow "password"/"jelszó" in everyday complaints. A token from this list is
# never taken for a secret, even after "jelszó:" ("jelszó: nem jó").
_ORDINARY_WORDS = frozenset(
    """
    a az az, egy ez nem nincs sincs se is meg mar már most még meg sem es és vagy de hogy mert
    ha mi mit mi? miert miért hol hogyan hogy? kell kellene lenne volt lesz jo jó rossz hibas hibás
    helytelen ervenytelen érvénytelen lejart lejárt elfelejtettem elfelejtett elveszett elvesztettem
    nem_jo megvaltozott megváltozott ugyanaz uj új regi régi ismeretlen titkos kod kód kodot kódot
    felhasznalonev felhasználónév felhasznalonevem felhasználónevem email e-mail mail nev név
    valami semmi mindig soha tobbszor többször sem? ok oke oké igen talán talan biztos
    not no none nothing is was isnt isn't wasnt wasn't doesnt doesn't dont don't didnt didn't wont
    won't cant can't cannot wrong incorrect invalid expired blocked locked correct right ok okay fine
    working broken bad good missing lost forgotten forgot the a an my your same different new old
    and or but too very still also now just reset change changed expire expires expiring work works
    worked required needed please help for to of in on at it its it's that this which what why how
    when where who secret hidden
    """.split()
)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _strip_quotes(token: str) -> tuple[str, bool]:
    core = token.strip(_QUOTES)
    return core, core != token and token[:1] in _QUOTES


def _is_code(candidate: str, separators: list[str]) -> bool:
    chars = candidate.upper()
    if len(chars) != 16 or any(c not in _CODE_CHARS for c in chars):
        return False
    if separators and all(s.strip() in "-‐‑–—" and s.strip() for s in separators):
        return True  # the printed shape K7QM-3XPA-9TDE-W2HF is unmistakable
    # Undashed or spaced: a random code mixes letters and digits; words and "name1985"-style
    # usernames do not (one letter/digit switch at most).
    digits = sum(c.isdigit() for c in chars)
    if digits == 0 or digits == len(chars):
        return False
    switches = sum(a.isdigit() != b.isdigit() for a, b in zip(chars, chars[1:]))
    return switches >= 2


def _looks_like_secret(token: str, *, strong: bool) -> bool:
    """Whether ``token`` (after a password word) is a secret rather than an ordinary word.

    ``strong`` is set when the user marked it as the value (":" / "=" or quotes).
    """
    core, quoted = _strip_quotes(token)
    core = core.rstrip(_TRAILING_PUNCTUATION) or core
    if not core or core == REDACTION_TOKEN or REDACTION_TOKEN in core:
        return False
    if _EMAIL_RE.match(core):
        return False
    if core.lower() in _ORDINARY_WORDS or core.lower().rstrip("?!.") in _ORDINARY_WORDS:
        return False
    if quoted or strong:
        return True
    if core.isdigit() and len(core) < 6:
        return False  # "a jelszó 3 napja lejárt": a count, not a secret
    if any(ch.isdigit() for ch in core):
        return True
    if any(not ch.isalpha() and ch not in "-'’" for ch in core):
        return True
    # "TavaszIdo", "hunTer": a capital after the first letter is not how words are written.
    return any(ch.isupper() for ch in core[1:])


def _is_lone_strong_password(text: str) -> bool:
    """A whole message that is one token mixing upper, lower, digits and a symbol."""
    token = text.strip()
    if not token or any(ch.isspace() for ch in token) or _EMAIL_RE.match(token):
        return False
    if token == REDACTION_TOKEN or "://" in token:
        return False
    has_upper = any(ch.isupper() for ch in token)
    has_lower = any(ch.islower() for ch in token)
    has_digit = any(ch.isdigit() for ch in token)
    has_symbol = any(not ch.isalnum() and ch not in _SYMBOLS_OF_USERNAMES for ch in token)
    return len(token) >= 8 and has_upper and has_lower and has_digit and has_symbol


def find_secrets(text: str) -> list[tuple[int, int, SecretKind]]:
    """Spans ``(start, end, kind)`` of the secrets in ``text`` (NFC), in text order, not overlapping."""
    text = _normalise(text)
    spans: list[tuple[int, int, SecretKind]] = []

    for m in _CODE_RE.finditer(text):
        groups = "".join(m.groups())
        separators = [
            text[m.end(i) : m.start(i + 1)] for i in range(1, 4)
        ]
        if _is_code(groups, [s for s in separators if s]) and (
            all(separators) or not any(separators)
        ):
            spans.append((m.start(), m.end(), "code"))

    codes = list(spans)

    def is_a_code_with_punctuation(start: int, end: int) -> bool:
        """The token is a code already found, plus the sentence's quotes or punctuation around it."""
        return any(
            code_start < end and start < code_end
            and all(ch in _QUOTES for ch in text[start:code_start])
            and all(ch in _TRAILING_PUNCTUATION or ch in _QUOTES for ch in text[code_end:end])
            for code_start, code_end, _ in codes
        )

    def add_token(match: re.Match[str], kind: SecretKind, strong: bool) -> None:
        token = match.group("token")
        start, end = match.start("token"), match.end("token")
        if is_a_code_with_punctuation(start, end):
            return  # "a kódom K7QM-3XPA-9TDE-W2HF, a jelszavam ...": a code, and the comma stays
        if _looks_like_secret(token, strong=strong):
            if kind == "code":  # a code has no punctuation of its own: what follows it is the sentence's
                end = start + len(token.rstrip(_TRAILING_PUNCTUATION) or token)
            spans.append((start, end, kind))

    for m in _PASSWORD_RE.finditer(text):
        strong = bool(m.group("sep")) or bool(re.search(r"[:=]", m.group("fillers") or ""))
        add_token(m, "password", strong)
    for m in _CODE_TRIGGER_RE.finditer(text):
        token, _ = _strip_quotes(m.group("token").rstrip(_TRAILING_PUNCTUATION))
        # A code word only announces a secret when the value carries digits ("a kódom: 7KQ3M...").
        if sum(ch.isdigit() for ch in token) >= 1 and sum(ch.isalnum() for ch in token) >= 6:
            strong = bool(m.group("sep")) or bool(re.search(r"[:=]", m.group("fillers") or ""))
            if strong or (token.isalnum() and len(token) >= 8 and not token.isdigit()):
                add_token(m, "code", True)
    for m in _PASSWORD_BEFORE_RE.finditer(text):
        add_token(m, "password", False)
    if not spans and _is_lone_strong_password(text):
        start = len(text) - len(text.lstrip())
        spans.append((start, start + len(text.strip()), "password"))

    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    merged: list[tuple[int, int, SecretKind]] = []
    for start, end, kind in spans:
        if merged and start < merged[-1][1]:
            prev_start, prev_end, prev_kind = merged[-1]
            merged[-1] = (prev_start, max(prev_end, end), prev_kind)
            continue
        merged.append((start, end, kind))
    return merged


def redact(text: str) -> tuple[str, list[SecretKind]]:
    """``text`` with every code and password replaced by ``REDACTEDSECRET``, and their kinds.

    The kinds list has one entry per hidden secret, in text order. Text without a secret comes back
    unchanged (apart from Unicode NFC normalisation).
    """
    text = _normalise(text)
    spans = find_secrets(text)
    if not spans:
        return text, []
    pieces: list[str] = []
    last = 0
    for start, end, _ in spans:
        pieces.append(text[last:start])
        pieces.append(REDACTION_TOKEN)
        last = end
    pieces.append(text[last:])
    return "".join(pieces), [kind for _, _, kind in spans]
