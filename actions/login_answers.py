"""What a user says they typed into the login fields, in their own words (S3, S6, S7).

Keyword rules over accent-free lower-case text, Hungarian and English; when both kinds of keyword
appear ("a saját jelszavamat, nem a kódot") the one said first wins.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

from actions.usernames import looks_like_person_name

CHOSEN_USERNAME, OWN_NAME = "chosen_username", "own_name"
PASSWORD, CODE = "password", "code"
YES, NO = "yes", "no"
UNSURE = "unsure"

_UNSURE = re.compile(r"\b(nem tudom|nemtudom|nem emlekszem|fogalmam sincs|nem vagyok biztos|passz|"
                     r"(i )?(do not|don't|dont) know|not sure|no idea|can't remember|cannot remember|"
                     r"(do not|don't|dont) remember|no clue)\b")
_OWN_NAME = re.compile(r"\b(sajat nev\w*|nevemet|a nevem|teljes nev\w*|igazi nev\w*|own name|my name|"
                       r"real name|full name|actual name)\b")
_CHOSEN = re.compile(r"\b(felhasznalonev\w*|felhasznaloi nev\w*|valasztott\w*|usernev\w*|username|user name|"
                     r"chosen|chose)\b")
_CODE = re.compile(r"\b(kod\w*|code|aktivalo\w*|activation|e-?mailben|levelben|from the e-?mail|"
                   r"in the e-?mail)\b")
_PASSWORD = re.compile(r"\b(jelszo\w*|jelszav\w*|password|passwd|sajat|own)\b")
_YES = re.compile(r"\b(igen|persze|mar aktivaltam|aktivaltam|beallitottam|yes|yeah|yep|i have|i did|already)\b")
_NO = re.compile(r"\b(nem|meg nem|soha|no|not yet|never|nope|i have not|i haven't|i did not|i didn't)\b")
_USERNAME_SHAPED = re.compile(r"^[a-z0-9._-]*[0-9._][a-z0-9._-]*$")


def plain(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFD", (text or "").lower().replace("’", "'"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _first(text: str, **patterns: re.Pattern) -> Optional[str]:
    found = [(m.start(), kind) for kind, p in patterns.items() if (m := p.search(text))]
    return min(found)[1] if found else None


def username_field(text: str, intent: Optional[str] = None) -> Optional[str]:
    """``chosen_username``, ``own_name`` (S6), ``unsure``, or None when the answer says neither."""
    if intent == "own_name_as_username":
        return OWN_NAME
    p = plain(text)
    kind = _first(p, own_name=_OWN_NAME, chosen_username=_CHOSEN)
    if kind:
        return kind
    if _UNSURE.search(p):
        return UNSURE
    if looks_like_person_name(text or ""):
        return OWN_NAME
    if _USERNAME_SHAPED.match(p.strip()):  # they typed the username itself ("kpista77")
        return CHOSEN_USERNAME
    return None


def password_field(text: str, intent: Optional[str] = None) -> Optional[str]:
    """``password``, ``code`` (S7), ``unsure``, or None."""
    if intent == "code_as_password":
        return CODE
    p = plain(text)
    if _UNSURE.search(p):
        return UNSURE
    return _first(p, code=_CODE, password=_PASSWORD)


def yes_no(text: str) -> Optional[str]:
    """``yes``, ``no``, ``unsure`` or None for "have you activated already?"."""
    p = plain(text)
    if p in (YES, NO):
        return p
    if _UNSURE.search(p):
        return UNSURE
    return _first(p, yes=_YES, no=_NO)
