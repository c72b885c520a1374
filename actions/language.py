"""Which language a message is written in: Hungarian, English, or too short to tell.

A small scoring rule, no model: Hungarian-only letters and Hungarian function and domain words
against English function and domain words. Words shared by both (``a``, ``is``, ``ok``, ``email``)
count for neither, so "ok", "kisspista77" or an e-mail address are neutral and keep the current
language.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

HU, EN = "hu", "en"
SUPPORTED = (HU, EN)

_HU_LETTERS = set("áéíóöőúüű")
_HU_WORDS = {
    # function words, with and without accents
    "az", "es", "és", "hogy", "nem", "meg", "van", "nincs", "kell", "mert", "de", "vagy", "ha", "mi", "mit", "mire",
    "hogyan", "miert", "miért", "már", "mar", "még", "meg", "csak", "itt", "ez", "ezt", "azt", "egy", "nekem",
    "nekünk", "vagyok", "lenne", "kérem", "kerem", "kérek", "kerek", "szeretnék", "szeretnek", "tudok", "tudom",
    "tudna", "tudnál", "lehet", "igen", "jó", "jo", "napot", "szia", "sziasztok", "helló", "köszönöm", "koszonom",
    "köszi", "koszi", "elnézést", "elnezest", "segítség", "segitseg", "segíts", "segitsen", "segítsen",
    # domain words
    "kód", "kod", "kódot", "kodot", "kódom", "kodom", "jelszó", "jelszo", "jelszót", "jelszot", "jelszavam",
    "felhasználónév", "felhasznalonev", "felhasználónevem", "felhasznalonevem", "lejárt", "lejart", "kaptam",
    "megkaptam", "belépni", "belepni", "belépés", "belepes", "elfelejtettem", "okmányiroda", "okmanyiroda",
    "ügyfélkapu", "ugyfelkapu", "ügyfélkapus", "ugyfelkapus", "levél", "level", "levelet", "címem", "cimem",
    "magyarul", "angolul", "új", "uj", "újat", "ujat", "kukac", "pont",
}
_EN_WORDS = {
    "the", "i", "my", "me", "you", "your", "is", "are", "am", "was", "were", "be", "do", "does", "did", "didn't",
    "dont", "don't", "can", "can't", "cannot", "could", "would", "will", "not", "no", "yes", "yeah", "what", "how",
    "why", "where", "when", "which", "who", "it", "it's", "this", "that", "to", "of", "and", "or", "but", "for",
    "with", "have", "has", "got", "get", "please", "hello", "hi", "hey", "thanks", "thank", "sorry", "help",
    "need", "want", "english", "speak", "talk", "in", "on", "at", "dot", "there", "here", "just",
    # domain words
    "code", "password", "username", "login", "log", "account", "expired", "forgot", "forgotten", "received",
    "arrive", "arrived", "mail", "activate", "activation", "office", "document", "name", "new", "send", "sent",
}
# Shared between the two languages or meaningless on its own: never evidence.
_NEUTRAL = {"a", "is", "ok", "oke", "okay", "email", "e-mail", "internet", "sms", "pin", "redactedsecret"}
_WORD = re.compile(r"[\w'’]+", re.UNICODE)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def scores(text: str) -> tuple[int, int]:
    """(Hungarian score, English score) of ``text``."""
    lowered = (text or "").lower().replace("’", "'")
    words = [w for w in _WORD.findall(lowered) if w not in _NEUTRAL and "@" not in w]
    hu = sum(1 for c in lowered if c in _HU_LETTERS)
    en = 0
    for word in words:
        if word in _HU_WORDS or _strip_accents(word) in _HU_WORDS:
            hu += 2
        elif word in _EN_WORDS:
            en += 2
    return hu, en


def detect(text: str) -> Optional[str]:
    """``"hu"`` or ``"en"`` when the text clearly leans one way, else None (neutral)."""
    hu, en = scores(text)
    if hu == en or max(hu, en) < 2:
        return None
    return HU if hu > en else EN


def is_strong(text: str, language: str) -> bool:
    """True when ``text`` is a whole sentence in ``language`` with no sign of the other one.

    Used to follow a user who simply starts writing in the other language mid-conversation; short
    or mixed messages ("ok thanks", "kisspista77") never switch.
    """
    hu, en = scores(text)
    mine, other = (hu, en) if language == HU else (en, hu)
    return other == 0 and mine >= 6
