"""The e-mails take their facts from the settings and kernel.facts, never from their own text:
the code lifetime from CODE_TTL_DAYS (S4, S8) and the help line's contacts (S11)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from credentials.mail.compose import code_mail, notice_mail
from kernel.facts import CONTACTS

ISSUED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _texts(message) -> list[str]:
    return [str(message["Subject"]), message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content()]


@pytest.mark.parametrize("language, days_text", [("hu", "7 napig"), ("en", "7 days")])
@pytest.mark.parametrize("reason", ["registration", "reset"])
def test_code_mail_says_the_code_lifetime_of_the_setting(monkeypatch, language, days_text, reason):
    monkeypatch.setenv("CODE_TTL_DAYS", "7")
    message = code_mail(language=language, legal_name="Kovács János", username_hint=None, code="K7QM-3XPA-9TDE-W2HF",
                        expires_at=ISSUED + timedelta(days=7), reason=reason)
    subject, plain, html = _texts(message)
    assert days_text in plain and days_text in html
    for text in (subject, plain, html):
        assert "5 nap" not in text and "5 days" not in text


@pytest.mark.parametrize("language", ["hu", "en"])
def test_code_and_notice_mails_give_the_s11_contacts_of_kernel_facts(language):
    code = code_mail(language=language, legal_name="Kovács János", username_hint=None, code="K7QM-3XPA-9TDE-W2HF",
                     expires_at=ISSUED + timedelta(days=5), reason="registration", valid_days=5)
    notice = notice_mail(language=language, legal_name="Kovács János", kind="activated")
    for message in (code, notice):
        _, plain, html = _texts(message)
        for contact in (CONTACTS.phone, CONTACTS.phone_abroad, CONTACTS.email, CONTACTS.web):
            assert contact in plain and contact in html
