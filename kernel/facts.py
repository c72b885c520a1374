"""Facts of the registration letter that texts need, as template parameters.

Texts (the assistant's responses, the phone line's prompts, the e-mails, the widget's and the
console's labels) never write these facts by hand: they say ``{days}``, ``{phone}``,
``{phone_abroad}``, ``{contact_email}``, ``{contact_web}``, ``{forum_url}``, ``{portal_url}`` and get
the values from :func:`text_params`. The phone line says the spoken forms (``{phone_spoken}``,
``{phone_abroad_spoken}``, ``{contact_email_spoken}``, ``{contact_web_spoken}``, ``{portal_spoken}``,
``{forum_spoken}``).

* S4, S8: an activation code is valid for ``CODE_TTL_DAYS`` days (5 in the letter; a setting).
* S10: the forum's help page.
* S11: the government customer information centre, 24 hours a day.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional

from kernel.settings import EnvReader, SettingsError

CODE_TTL_DAYS_DEFAULT = 5
CODE_TTL_DAYS_RANGE = (1, 90)


@dataclass(frozen=True)
class Contacts:
    """S11: how the government customer information centre is reached (24 hours a day)."""

    phone: str = "189"                     # toll-free within Hungary
    phone_abroad: str = "+36 1 371 9300"   # from abroad
    email: str = "189@ugyfelvonal.hu"
    web: str = "www.ugyfelvonal.hu"


CONTACTS = Contacts()
PORTAL_URL = "www.magyarorszag.hu"  # where Ügyfélkapu is entered (S3)
FORUM_URL = "www.magyarorszag.hu/segitseg"  # S10

# How the phone line says the contacts (a text-to-speech voice reads digits one by one in groups).
_SPOKEN = {
    "hu": {"portal_spoken": "magyarorszag pont hu", "forum_spoken": "magyarorszag pont hu, Segítség menü",
           "phone_spoken": "1 8 9", "phone_abroad_spoken": "plusz 36, 1, 3 7 1, 93 00",
           "contact_email_spoken": "189 kukac ugyfelvonal pont hu", "contact_web_spoken": "www pont ugyfelvonal pont hu"},
    "en": {"portal_spoken": "magyarorszag dot hu", "forum_spoken": "magyarorszag dot hu, under Segítség",
           "phone_spoken": "1 8 9", "phone_abroad_spoken": "plus 36, 1, 3 7 1, 93 00",
           "contact_email_spoken": "189 at ugyfelvonal dot hu", "contact_web_spoken": "www dot ugyfelvonal dot hu"},
}


def code_ttl_days(env: Optional[Mapping[str, str]] = None) -> int:
    """S4, S8: how many days an activation code is valid (``CODE_TTL_DAYS``, default 5)."""
    read = EnvReader(os.environ if env is None else env)
    days = read.integer("CODE_TTL_DAYS", CODE_TTL_DAYS_DEFAULT, *CODE_TTL_DAYS_RANGE)
    read.raise_errors(SettingsError, "bad settings")
    return days


def contact_params(language: str = "hu") -> dict[str, str]:
    """The S10/S11 facts as template parameters, for a text that names no code lifetime."""
    spoken = _SPOKEN.get(language, _SPOKEN["hu"])
    return {
        "phone": CONTACTS.phone,
        "phone_abroad": CONTACTS.phone_abroad,
        "contact_email": CONTACTS.email,
        "contact_web": CONTACTS.web,
        "forum_url": FORUM_URL,
        "portal_url": PORTAL_URL,
        **spoken,
    }


def text_params(language: str = "hu", env: Optional[Mapping[str, str]] = None,
                days: Optional[int] = None) -> dict[str, str]:
    """The facts as template parameters for a text in ``language`` (hu or en): ``{days}`` and
    :func:`contact_params`. ``days`` overrides the setting (a process that already read it passes it)."""
    return {"days": str(code_ttl_days(env) if days is None else days), **contact_params(language)}
