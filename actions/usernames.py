"""Telling a chosen username from a person's own name (S6) in what the user typed.

The Username field takes the username chosen at the document office, not the person's own name
(S6). A reply that looks like a name — two or more capitalised words, or what NLU tagged as
`person_name` — is explained and asked again. On the phone the caller cannot control spaces and the
recogniser writes a spelling as letters, letter names and number words ("ká pé i es té a
hetvenhét", "k pista 77"): :func:`judge_spoken` reads those with the kernel's one parser
(:func:`kernel.spoken.parse_username`) and leaves whole words to :func:`judge`. What can be a username at all is the backend's rule
(:func:`kernel.fields.is_username`, S1); the backend alone decides whether a username exists.
"""
from __future__ import annotations

import re
from enum import Enum
from typing import Iterable, Optional

from kernel.fields import is_username
from kernel.spoken import parse_username, spelled

_FILLER = {
    "a", "az", "felhasználónevem", "felhasznalonevem", "felhasználónév", "felhasznalonev", "felhasználói",
    "felhasznaloi", "nevem", "usernevem", "usernév", "usernev", "username", "user", "name", "my", "is", "it's",
    "its", "it", "the", "ez", "azt", "hogy", "választottam", "valasztottam", "volt", "was", "i", "chose",
    "talán", "talan", "szerintem", "maybe", "think", "igen", "yes", "hát", "hat", "pedig", "én", "en",
    "username:", "felhasználónév:", "felhasznalonev:",
}
_NOT_A_USERNAME = {"igen", "nem", "yes", "no", "ok", "oké", "oke", "nemtudom", "redactedsecret", "jó", "jo", "szia",
                   "hello", "helló", "hi", "köszönöm", "koszonom", "köszi", "koszi", "thanks", "persze", "sure"}
_NAME_WORD = re.compile(r"^(?:[Dd]r\.?|[Ii]fj\.?|[Ii]d\.?|[A-ZÁÉÍÓÖŐÚÜŰ][a-záéíóöőúüű]+(?:-[A-ZÁÉÍÓÖŐÚÜŰ][a-záéíóöőúüű]+)?(?:né)?\.?)$")


class UsernameVerdict(str, Enum):
    USERNAME = "username"
    OWN_NAME = "own_name"  # S6
    INVALID = "invalid"


def looks_like_person_name(text: str) -> bool:
    """Two or more capitalised words ("Kiss Pista", "Dr. Nagy Béla", "Kovácsné Tóth Anna")."""
    words = [w.strip(",;:!?") for w in text.split()]
    words = [w for w in words if w]
    return len(words) >= 2 and all(_NAME_WORD.match(w) for w in words)


def judge(value: str, person_names: Iterable[str] = ()) -> tuple[UsernameVerdict, Optional[str]]:
    """Classify the user's answer to "what is your username?" and return the username if it is one."""
    text = (value or "").strip()
    names = [n for n in person_names if n]
    if not text:
        return UsernameVerdict.INVALID, None
    if any(n.strip().lower() in text.lower() for n in names) and not _single_token_username(text, names):
        return UsernameVerdict.OWN_NAME, None
    if looks_like_person_name(text):
        return UsernameVerdict.OWN_NAME, None
    tokens = [t.strip(" \t,;:!?\"'()") for t in text.split()]
    kept = [t for t in tokens if t and t.lower() not in _FILLER]
    if len(kept) == 1:
        candidate = kept[0].strip(".")
        if candidate.lower() in _NOT_A_USERNAME or not is_username(candidate):
            return UsernameVerdict.INVALID, None
        return UsernameVerdict.USERNAME, candidate
    if len(kept) >= 2 and all(t.isalpha() for t in kept) and looks_like_person_name(" ".join(kept)):
        return UsernameVerdict.OWN_NAME, None
    if len(kept) >= 2 and all(t.isalpha() for t in kept) and len(kept) <= 3 and not any(
        t.lower() in _NOT_A_USERNAME for t in kept
    ):
        # "kiss pista": a name typed in lower case is still a name, not a username (no spaces allowed)
        return UsernameVerdict.OWN_NAME, None
    return UsernameVerdict.INVALID, None


def _single_token_username(text: str, names: list[str]) -> bool:
    """A one-word answer that NLU also tagged as a name is still a candidate username ("pista77")."""
    return len(text.split()) == 1 and not looks_like_person_name(text)


_SPELLING_TOKEN = re.compile(r"^(?:[^\W_]|\d+)$")


def is_spelling(text: str, strict: bool = False) -> bool:
    """Whether ``text`` spells something (single letters or digits, letter names, number words,
    "mint"/"as in", symbol words) rather than saying whole words ("Kiss Pista", "kisspista77").
    ``strict`` (typed text): at least half of its words must be such spelling words."""
    words = [w.strip(",;:!?.\"'()").lower() for w in (text or "").split()]
    words = [w for w in words if w]
    if strict:
        spelling = [w for w in words if _SPELLING_TOKEN.match(w) or w in ("mint", "as", "in", "for")
                    or spelled(w) not in (None, w)]
        return len(words) > 1 and 2 * len(spelling) >= len(words)
    if any(_SPELLING_TOKEN.match(w) for w in words):
        return True
    reading = spelled(text)
    return reading is not None and reading != "".join(words) and len(words) > 1


def judge_spoken(value: str, person_names: Iterable[str] = ()) -> tuple[UsernameVerdict, Optional[str]]:
    """:func:`judge` for a recognised transcript: a spelling is read by the kernel's parser (S1 decides
    what can be a username); whole words are judged as typed ones (S6: an own name is explained)."""
    text = (value or "").strip()
    if not is_spelling(text):
        return judge(text, person_names)
    username = parse_username(text)
    if username is None or username in _NOT_A_USERNAME:
        return UsernameVerdict.INVALID, None
    return UsernameVerdict.USERNAME, username
