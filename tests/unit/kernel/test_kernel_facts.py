"""kernel.facts: the code lifetime (S4, S8) comes from the setting, the contacts (S10, S11) from one place."""
from __future__ import annotations

import pytest

from kernel.facts import CONTACTS, FORUM_URL, code_ttl_days, text_params
from kernel.settings import SettingsError


def test_the_code_is_valid_for_five_days_unless_configured():
    assert code_ttl_days({}) == 5
    assert code_ttl_days({"CODE_TTL_DAYS": "7"}) == 7
    assert text_params("hu", {"CODE_TTL_DAYS": "7"})["days"] == "7"
    assert text_params("en", {}, days=9)["days"] == "9"


@pytest.mark.parametrize("bad", ["five", "0", "91", "-1"])
def test_a_bad_code_lifetime_is_named(bad):
    with pytest.raises(SettingsError) as caught:
        code_ttl_days({"CODE_TTL_DAYS": bad})
    assert "CODE_TTL_DAYS" in str(caught.value)


def test_the_help_line_contacts_are_the_letters():
    assert (CONTACTS.phone, CONTACTS.phone_abroad, CONTACTS.email, CONTACTS.web) == (
        "189", "+36 1 371 9300", "189@ugyfelvonal.hu", "www.ugyfelvonal.hu")
    assert FORUM_URL == "www.magyarorszag.hu/segitseg"


@pytest.mark.parametrize("language, at", [("hu", "kukac"), ("en", " at ")])
def test_spoken_contacts_are_in_the_callers_language(language, at):
    params = text_params(language, {})
    assert at in params["contact_email_spoken"]
    assert params["phone"] == "189" and params["contact_email"] == "189@ugyfelvonal.hu"
    assert "{" not in "".join(params.values())
