"""Canned answers of the console, one catalogue per language, for the letter's topics (S3–S11).
Facts are placeholders filled from kernel.facts: ``{days}`` (CODE_TTL_DAYS), ``{forum_url}`` (S10),
``{phone}``, ``{phone_abroad}``, ``{contact_email}``, ``{contact_web}`` (S11)."""
from __future__ import annotations

from kernel.facts import text_params
from kernel.fields import LANGUAGES

CANNED: dict[str, dict[str, tuple[str, str]]] = {
    # id: {language: (title, text)}
    "activation": {
        "hu": ("Aktiválás (S3)",
               "Az első belépéskor a választott felhasználónevét és az e-mailben kapott egyszer használható "
               "aktiváló kódot adja meg, majd a rendszer azonnal kéri, hogy a kód helyett új jelszót állítson be. "
               "Ezután a felhasználónévvel és ezzel a jelszóval lép be."),
        "en": ("Activation (S3)",
               "At your first login enter the username you chose and the one-time activation code from the e-mail; "
               "you are then asked to replace the code with a new password straight away. From then on you log in "
               "with your username and that password."),
    },
    "code_expired": {
        "hu": ("Lejárt kód (S4)",
               "Az aktiváló kód {days} napig érvényes. Ha lejárt, bármikor kérhet újat az „Elfelejtett jelszó” menüpontban."),
        "en": ("Expired code (S4)",
               "The activation code is valid for {days} days. If it has lapsed, you can request a new one at any time "
               "under the \"Elfelejtett jelszó\" (Forgotten password) menu."),
    },
    "code_not_received": {
        "hu": ("Nem jött meg a kód (S5)",
               "Kérjük, ellenőrizze, hogy a regisztrációs lapon szereplő e-mail-cím helyes-e (hibás címet csak az "
               "okmányiroda javíthat), nincs-e tele a postafiókja, és hogy a levelezője nem tette-e a levelet a "
               "levélszemétbe (legalább közepes szintű spamszűrést állítson be). Ezután mindenképpen kérjen új kódot."),
        "en": ("Code e-mail not received (S5)",
               "Please check that the e-mail address on your registration form is right (only the document office "
               "can correct a wrong address), that your mailbox is not full, and that the automatic letter is not in "
               "your spam folder (set at least medium spam security). Then, in every case, request a new code."),
    },
    "own_name_as_username": {
        "hu": ("Saját név a felhasználónév helyén (S6)",
               "A Felhasználónév mezőbe azt a felhasználónevet írja, amelyet az okmányirodában választott, "
               "ne a saját nevét."),
        "en": ("Own name typed as username (S6)",
               "In the Username field type the username you chose at the document office, not your own name."),
    },
    "code_as_password": {
        "hu": ("Kód a jelszó helyén (S7)",
               "A jelszó az, amelyet az aktiváláskor állított be, nem az egyszer használható aktiváló kód. "
               "Ha még nem aktivált, előbb a kóddal aktiváljon."),
        "en": ("Code typed as password (S7)",
               "Your password is the one you set at activation, not the one-time activation code. If you have not "
               "activated yet, activate with the code first."),
    },
    "forgot_password": {
        "hu": ("Elfelejtett jelszó (S8)",
               "Az „Elfelejtett jelszó” menüben új kódot kérhet; e-mailben érkezik, {days} napig érvényes, és ugyanúgy "
               "aktiválni kell, mint az első kódot. A kód önmagában nem ad belépést a portálra."),
        "en": ("Forgotten password (S8)",
               "Under \"Elfelejtett jelszó\" you can request a new code; it arrives by e-mail, is valid for {days} days "
               "and must be activated like the first one. The code alone does not give access to the portal."),
    },
    "forgot_username": {
        "hu": ("Elfelejtett felhasználónév (S9)",
               "A felhasználónevet biztonsági okból csak személyesen, okmányirodában lehet újra megtudni; "
               "telefonon vagy chatben nem adhatjuk meg."),
        "en": ("Forgotten username (S9)",
               "For your security the username can only be learned again in person at a document office; we cannot "
               "tell it by phone or chat."),
    },
    "wrong_email": {
        "hu": ("Hibás e-mail-cím (S5)",
               "Az e-mail-címet mi nem módosíthatjuk: hibás cím esetén keresse fel az okmányirodát."),
        "en": ("Wrong e-mail address (S5)",
               "We cannot change the e-mail address; if it is wrong, please visit a document office."),
    },
    "forum": {
        "hu": ("Fórum (S10)",
               "Regisztrált felhasználóként használhatja a portál névvel ellátott fórumát (párbeszéd a "
               "minisztériumokkal és hivatalokkal, nyilvános vita). Súgó: {forum_url}."),
        "en": ("Forum (S10)",
               "As a registered user you may use the portal's named forum (dialogue with ministries and offices, "
               "public debate). Help: {forum_url}."),
    },
    "contact": {
        "hu": ("Ügyfélvonal (S11)",
               "A Kormányzati Ügyfélvonal a nap 24 órájában segít: ingyenesen a {phone}-es számon, külföldről a "
               "{phone_abroad}-as számon, e-mailben a {contact_email} címen, a weben: {contact_web}."),
        "en": ("Customer line (S11)",
               "The government customer information centre helps 24 hours a day: toll-free {phone}, from abroad "
               "{phone_abroad}, e-mail {contact_email}, web {contact_web}."),
    },
}


def canned_text(canned_id: str, language: str) -> str:
    """The text of a canned answer in ``language`` (falling back to Hungarian), facts filled in."""
    lang = language if language in LANGUAGES else "hu"
    return CANNED[canned_id][lang][1].format(**text_params(lang))


def canned_for(language: str) -> list[tuple[str, str, str]]:
    """(id, title, text) in ``language``, falling back to Hungarian."""
    lang = language if language in LANGUAGES else "hu"
    return [(key, texts[lang][0], canned_text(key, lang)) for key, texts in CANNED.items()]
