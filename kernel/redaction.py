"""Finding activation codes and passwords in what a user typed, and hiding them.

Pure functions: the assistant's input channels (bot/channels.py) call :func:`redact` on every
user text before it becomes a ``UserMessage``, so the tracker store, the logs and the agent console
only ever see the token ``REDACTEDSECRET`` (S7, S8: a code or password must never be kept in clear).

The rules cover classes of secret, not examples (docs/BENCHMARKS.md measures them on a labelled
corpus, tests/data/redaction_corpus.yml):

* ``code`` — any 16 code characters (Crockford base32, the backend's one-time code, S2) once the
  separators people type between them are removed: printed groups ``K7QM-3XPA-9TDE-W2HF``, groups run
  together, slashes, dots, a trailing dash, one character at a time ``K 7 Q M 3 X ...``; a run of
  chunks counts when its chunks are of one length or all multiples of four (words of a sentence are
  not) and the 16 characters mix letters and digits the way a random code does. Also whatever follows
  "kódom:" / "my code is" when it carries digits.
* ``password`` — after a password word ("jelszó", "jelszavam", "password", "pw", ...): when a value
  is announced (":", "=", quotes, "is", "az, hogy", "the password I set is"), everything up to the end
  of the clause (a passphrase of several words too), unless the first word is an ordinary one ("my
  password is wrong"); without such a marker the one word after it when it looks like a secret. A
  message that is one strong-password shaped token ("Tavasz2024!!").
* the whole answer — when the bot's last question invites a secret (``expecting_secret``: the
  channel learns it from the tracker, bot/channels.py), a short answer that is not made of ordinary
  words ("Tavasz2024", "tavaszido"), and any secret-shaped word of a longer one.

The rules lean towards hiding a secret: a missed password is a leak, a hidden ordinary word only
costs the bot one understanding. Usernames and e-mail addresses are never hidden (the new-code form
needs them; the channel seals addresses itself).
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


# --- codes: 16 code characters once the separators are gone --------------------------------------

_CHUNK_RE = re.compile(r"[^\W_]+")
# What people type between the characters or groups of a code: spaces, dashes, dots, slashes.
_CODE_SEPARATOR_RE = re.compile(r"[ \t\-‐‑–—./\\_|]{1,3}")
_DASHES = "-‐‑–—"
CODE_LENGTH = 16


def _code_chunks(text: str) -> list[tuple[int, int]]:
    """Spans of the letter/digit runs that may be part of a code; ``(-1, -1)`` marks a break."""
    chunks: list[tuple[int, int]] = []
    previous_end = None
    for m in _CHUNK_RE.finditer(text):
        start, end = m.span()
        word = m.group(0)
        token_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
        token_end = min([i for i in (text.find(" ", end), text.find("\n", end)) if i >= 0] or [len(text)])
        token = text[token_start:token_end].lower()
        eligible = (
            all(c.upper() in _CODE_CHARS and c.isascii() for c in word)
            and "@" not in text[max(0, start - 1):end + 1]
            and "://" not in token and not token.startswith("www.")
            and word != REDACTION_TOKEN
        )
        joined = previous_end is not None and _CODE_SEPARATOR_RE.fullmatch(text[previous_end:start]) is not None
        if not eligible:
            chunks.append((-1, -1))
            previous_end = None
            continue
        if previous_end is not None and not joined:
            chunks.append((-1, -1))
        chunks.append((start, end))
        previous_end = end
    return chunks


def _code_window_ok(text: str, window: list[tuple[int, int]]) -> bool:
    chars = "".join(text[s:e] for s, e in window).upper()
    lengths = [e - s for s, e in window]
    if len(window) > 1 and not (len(set(lengths)) == 1 or all(n % 4 == 0 for n in lengths)):
        return False  # the words of a sentence have all sorts of lengths; a typed code does not
    separators = [text[window[k][1]:window[k + 1][0]] for k in range(len(window) - 1)]
    if lengths == [4, 4, 4, 4] and all(s.strip() and s.strip()[0] in _DASHES for s in separators):
        return True  # the printed shape K7QM-3XPA-9TDE-W2HF is unmistakable
    if (lengths == [4, 4, 4, 4] and len(set(separators)) == 1 and (chars.isupper() or chars.islower()
                                                                  or not any(c.isalpha() for c in chars))
            and any(c.isdigit() for c in chars) and any(c.isalpha() for c in chars)
            and all(text[s:e].isupper() or text[s:e].islower() or text[s:e].isdigit() for s, e in window)):
        # the printed groups with another separator ("7MNM GRAK ZXWQ XKSH", "k7qm.3xpa.9tde.w2hf"):
        # a random code with a single digit has one letter/digit switch, so the rule below misses it
        # (about 2 codes in 100; tests/reliability/test_fuzz_parsers.py found it)
        return True
    # Otherwise a random code mixes letters and digits; words and "name1985"-style usernames do not
    # (one letter/digit switch at most).
    digits = sum(c.isdigit() for c in chars)
    if digits == 0 or digits == len(chars):
        return False
    switches = sum(a.isdigit() != b.isdigit() for a, b in zip(chars, chars[1:]))
    return switches >= 2


def code_is_recognisable(code: str) -> bool:
    """Whether :func:`redact` finds ``code`` (16 code characters, canonical) in every shape people type
    it: grouped with any separator, run together, one character at a time, in either case. That holds
    when the code mixes letters and digits with at least two letter/digit switches (a random code
    does 993 times in 1,000); the credentials backend draws again until it holds (S2: a code typed into
    the chat is never kept), so no code it mails can slip through as ordinary words."""
    chars = code.upper()
    if len(chars) != CODE_LENGTH or any(c not in _CODE_CHARS for c in chars):
        return False
    digits = sum(c.isdigit() for c in chars)
    switches = sum(a.isdigit() != b.isdigit() for a, b in zip(chars, chars[1:]))
    return 0 < digits < len(chars) and switches >= 2


def _partial_code(text: str, window: list[tuple[int, int]]) -> bool:
    """Two or three printed groups of a code ("a kód eleje K7QM 3XPA"): part of a secret is a secret."""
    whole = [c for c in window]
    while whole and whole[-1][1] - whole[-1][0] != 4:
        whole.pop()
    if not 2 <= len(whole) <= 3 or any(e - s != 4 for s, e in whole) or len(whole) != len(window):
        return False
    chars = "".join(text[s:e] for s, e in whole)
    digits = sum(c.isdigit() for c in chars)
    switches = sum(a.isdigit() != b.isdigit() for a, b in zip(chars, chars[1:]))
    return 0 < digits < len(chars) and switches >= 3 and (chars.isupper() or chars.islower() or chars.isdigit())


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Runs of chunks holding exactly 16 code characters that read as a code; the best of overlapping ones."""
    chunks = _code_chunks(text)
    candidates: list[tuple[tuple, int, int]] = []
    for i, first in enumerate(chunks):
        if first[0] < 0:
            continue
        total, window = 0, []
        for chunk in chunks[i:]:
            if chunk[0] < 0:
                break
            window.append(chunk)
            total += chunk[1] - chunk[0]
            if total >= CODE_LENGTH:
                break
        if total != CODE_LENGTH and not _partial_code(text, window):
            continue
        if total == CODE_LENGTH and not _code_window_ok(text, window):
            continue
        letters = "".join(c for s, e in window for c in text[s:e] if c.isalpha())
        score = (
            sum(any(c.isdigit() for c in text[s:e]) for s, e in window),  # code groups carry digits
            letters.isupper() or letters.islower(),  # a code is typed in one letter case
            -window[0][0],
        )
        candidates.append((score, window[0][0], window[-1][1]))
    chosen: list[tuple[int, int]] = []
    for _, start, end in sorted(candidates, reverse=True):
        if all(end <= s or e <= start for s, e in chosen):
            chosen.append((start, end))
    return sorted(chosen)


# --- passwords: a value announced after a password word runs to the end of its clause ------------

# Where a clause ends: sentence punctuation, a comma, or a conjunction that starts a new clause.
_CLAUSE_END_RE = re.compile(
    r"[.;!?…]+(?=\s|$)|,(?!\s*hogy\b)|\s(?=(?:and|but|or|because|so|then|és|es|de|vagy|mert|meg|"
    r"pedig|azért|azert|aztán|aztan|viszont)\b)",
    re.IGNORECASE,
)
# A value announced after the password word, maybe after a short relative clause ("the password I
# set is", "a jelszó, amit megadtam, az volt, hogy").
_ANNOUNCED_RE = re.compile(
    r"(?P<words>(?:[\s,]+[^\s,:=]+){0,4}?)"
    r"(?P<marker>(?:\s*[:=]+|[\s,]+(?:is|was|would\s+be|will\s+be|should\s+be|equals|reads|az,?\s+hogy|hogy"
    r"|volt|lenne|lesz|nem\s+m[aá]s,?\s+mint)(?![^\W_])[:,]?)+)(?P<quote>\s*[\"'„“”‘’`«»])?",
    re.IGNORECASE,
)
_PASSWORD_WORD_RE = re.compile(rf"(?<![^\W_])(?:{_PASSWORD_WORD}){_APOSTROPHE_S}(?![^\W_])", re.IGNORECASE)
_RELATIVE_WORDS = frozenset(
    "i you we that which amit amelyet amelyiket ami set chose chosen use used using created made picked typed "
    "entered gave tried for of my the a az ezt azt választottam valasztottam beállítottam beallitottam "
    "megadtam adtam írtam irtam beírtam beirtam használok hasznalok használtam hasznaltam kaptam új uj régi "
    "regi mostani current new old account fiókom fiokom".split()
)


def _plain_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower().strip(_QUOTES + _TRAILING_PUNCTUATION + ","))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


_ORDINARY_PLAIN = frozenset(_plain_word(w) for w in _ORDINARY_WORDS)


def _is_ordinary(word: str) -> bool:
    core = word.strip(_QUOTES).rstrip(_TRAILING_PUNCTUATION + ",")
    return core.lower() in _ORDINARY_WORDS or _plain_word(core) in _ORDINARY_PLAIN


def _reads_as_a_verb(word: str) -> bool:
    """"rejected", "being", "working": an English participle after "is" describes, it is no value."""
    core = word.rstrip(_TRAILING_PUNCTUATION + ",")
    return core.isalpha() and core.islower() and core.isascii() and core.endswith(("ed", "ing"))


def _clause_end(text: str, start: int) -> int:
    m = _CLAUSE_END_RE.search(text, start)
    end = m.start() if m else len(text)
    while end > start and text[end - 1].isspace():
        end -= 1
    if m and text[m.start()] in ".!?…" and not text[m.end():].strip():
        end = len(text.rstrip())  # the last clause's own "!" may be the password's
    return end


def _announced_password_spans(text: str) -> list[tuple[int, int]]:
    """After a password word: a value announced by a marker, up to the end of its clause."""
    spans = []
    for trigger in _PASSWORD_WORD_RE.finditer(text):
        m = _ANNOUNCED_RE.match(text, trigger.end())
        if not m:
            continue
        words = m.group("words").replace(",", " ").split()
        if any(_plain_word(w) not in _RELATIVE_WORDS for w in words):
            continue  # "my password expired and is ...": no value announced here
        start = m.end()
        while start < len(text) and text[start].isspace():
            start += 1
        end = _clause_end(text, start)
        value = text[start:end]
        first = value.split()[0] if value.split() else ""
        if not first or REDACTION_TOKEN in first or _EMAIL_RE.match(first.strip(_QUOTES)):
            continue
        marker = m.group("marker").lower()
        if trigger.group(0).lower().startswith("jelsz") and re.search(r"\b(?:is|was|be|equals|reads)\b", marker):
            continue  # Hungarian "a jelszót is": "is" means "too" there
        strong = bool(re.search(r"[:=]|hogy|mint", marker)) or first[:1] in _QUOTES
        rest = value.split()[1:]
        if strong and all(_is_ordinary(w) for w in value.split()):
            continue  # "jelszó: nem jó"
        if not strong and (_reads_as_a_verb(first) or (
                _is_ordinary(first) and (len(rest) < 2 or any(_is_ordinary(w) or _reads_as_a_verb(w) for w in rest)))):
            continue  # "my password is wrong", "my password is being rejected"; not "is correct horse battery staple"
        if not strong and first.isdigit() and len(first) < 6:
            continue  # "the password was 3 days old"
        spans.append((start, end))
    return spans


# "a jelszavam "correct horse battery staple"": a quoted value after a password word, whatever its words.
_QUOTED_AFTER_PASSWORD_RE = re.compile(
    rf"(?<![^\W_])(?:{_PASSWORD_WORD}){_APOSTROPHE_S}(?:\s+\S+){{0,3}}?\s*[:=]?\s*"
    r"(?P<value>[\"„“”«][^\"„“”«»]{1,80}[\"”“»]|'[^']{1,80}')",
    re.IGNORECASE,
)


# --- the whole answer to a question that invites a secret ------------------------------------------

_ANSWER_WORDS = frozenset(_plain_word(w) for w in """
    sajat sajátomat sajatomat valasztott választott valasztottam választottam amit amelyet kapott kaptam
    emailben e-mailben levelben levélben level levél e-mail email mail mezobe mezőbe irtam írtam beirtam
    beírtam tudom emlekszem emlékszem fogalmam sincs biztos passz azt ezt azt hiszem talan talán szerintem
    mindkettot mindkettőt egyiket masikat másikat the my own from i do don't dont know not sure typed
    entered put used chose chosen set at activation one e-mail email mail think maybe both neither it
    that this which was in field yes no yeah nope igen nem thanks thank please hello sorry okay human agent
    person operator someone somebody english magyarul angolul hungarian help again thanks! cancel
""".split())


def _answer_word_is_ordinary(word: str) -> bool:
    plain = _plain_word(word)
    if not plain or REDACTION_TOKEN.lower() in plain:
        return True
    if plain in _ANSWER_WORDS or plain in _ORDINARY_PLAIN:
        return True
    return plain.replace("-", "").isalpha() and plain.startswith(
        ("jelsz", "kod", "code", "passw", "aktival", "activat", "felhasznal", "usern"))


def _secret_shaped(word: str) -> bool:
    core = word.strip(_QUOTES).rstrip(_TRAILING_PUNCTUATION + ",")
    if len(core) < 4 or REDACTION_TOKEN in core or _EMAIL_RE.match(core):
        return False
    has_digit = any(c.isdigit() for c in core)
    has_alpha = any(c.isalpha() for c in core)
    return (has_digit and has_alpha) or any(c.isupper() for c in core[1:]) or (
        has_alpha and any(not c.isalnum() and c not in "-'’" for c in core))


def _bare_secret(word: str) -> bool:
    """A one-word answer that may be the password itself: secret-shaped, or a plain ASCII word of six
    letters or more that is none of the ordinary answers ("tavaszido"; not "köszönöm", "igen")."""
    core = word.strip(_QUOTES).rstrip(_TRAILING_PUNCTUATION + ",")
    if _answer_word_is_ordinary(core) or "://" in core or re.search(r"\.(?:hu|com|eu|org|net)\b", core):
        return False
    return _secret_shaped(core) or (core.isascii() and core.isalpha() and len(core) >= 6)


def _answer_spans(text: str) -> list[tuple[int, int]]:
    """The answer to "what did you type in the password field?": a bare one-word answer that may be
    the password is hidden whole; in a longer answer ("Ügyintézővel szeretnék beszélni", "kiskutya123
    volt") only the secret-shaped words."""
    words = list(re.finditer(r"\S+", text))
    if len(words) == 1 and _bare_secret(words[0].group(0)):
        return [words[0].span()]
    return [w.span() for w in words if _secret_in_a_sentence(w.group(0))]


def _secret_in_a_sentence(word: str) -> bool:
    """A word of a longer answer that reads as a password: letters and digits mixed ("kiskutya123"), not
    a number with its suffix ("189-et"), an address or a web page."""
    core = word.strip(_QUOTES).rstrip(_TRAILING_PUNCTUATION + ",")
    if len(core) < 6 or "." in core or "/" in core or "@" in core or _answer_word_is_ordinary(core):
        return False
    if re.fullmatch(r"\d+-?[^\W\d_]+", core) or re.fullmatch(r"[\d-]+", core):
        return False
    return any(c.isdigit() for c in core) and any(c.isalpha() for c in core)


def find_secrets(text: str, *, expecting_secret: bool = False) -> list[tuple[int, int, SecretKind]]:
    """Spans ``(start, end, kind)`` of the secrets in ``text`` (NFC), in text order, not overlapping.

    ``expecting_secret``: the bot's last question invites a secret (the whole answer is suspect).
    """
    text = _normalise(text)
    spans: list[tuple[int, int, SecretKind]] = [(s, e, "code") for s, e in _code_spans(text)]
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
            elif token.endswith(",") and len(token) > 1:
                end -= 1  # "a jelszavam Tavasz2024, mégsem": the comma is the sentence's
            spans.append((start, end, kind))

    for m in _PASSWORD_RE.finditer(text):
        strong = bool(m.group("sep")) or bool(re.search(r"[:=]", m.group("fillers") or ""))
        add_token(m, "password", strong)
    for m in _QUOTED_AFTER_PASSWORD_RE.finditer(text):
        spans.append((m.start("value"), m.end("value"), "password"))
    for start, end in _announced_password_spans(text):
        if not any(cs <= start and end <= ce for cs, ce, _ in codes):
            spans.append((start, end, "password"))
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
    if expecting_secret:
        spans += [(s, e, "password") for s, e in _answer_spans(text)]

    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    merged: list[tuple[int, int, SecretKind]] = []
    for start, end, kind in spans:
        if merged and start < merged[-1][1]:
            prev_start, prev_end, prev_kind = merged[-1]
            merged[-1] = (prev_start, max(prev_end, end), prev_kind)
            continue
        merged.append((start, end, kind))
    return merged


def redact(text: str, *, expecting_secret: bool = False) -> tuple[str, list[SecretKind]]:
    """``text`` with every code and password replaced by ``REDACTEDSECRET``, and their kinds.

    The kinds list has one entry per hidden secret, in text order. Text without a secret comes back
    unchanged (apart from Unicode NFC normalisation). ``expecting_secret``: the bot's last question
    invites a secret ("what did you type in the Password field?"), so a bare answer is hidden whole.
    """
    text = _normalise(text)
    spans = find_secrets(text, expecting_secret=expecting_secret)
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
