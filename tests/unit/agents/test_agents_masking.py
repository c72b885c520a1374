"""Nothing the gateway stores holds a secret (S7, S8), a full e-mail address or a full caller number."""
from __future__ import annotations

import pytest

from agents.masking import mask_email, mask_phone_number, redact_structure, redact_text


@pytest.mark.parametrize("number, masked", [
    ("+36301234512", "+36 30 *** **12"),
    ("+36 30 123 4512", "+36 30 *** **12"),
    ("+3612345678", "+36 1 *** **78"),
    ("+36 30 *** **12", "+36 30 *** **12"),
    ("+441632960961", "+44 *** **61"),
])
def test_caller_number_is_masked_to_country_area_and_last_two_digits(number, masked):
    assert mask_phone_number(number) == masked


def test_a_full_number_sent_as_masked_is_masked_anyway():
    assert "1234" not in mask_phone_number("+36 30 1234567")


def test_empty_caller_number_stays_empty():
    assert mask_phone_number(None) is None
    assert mask_phone_number("") is None


def test_email_in_text_is_masked():
    text, kinds = redact_text("az e-mailem kiss.pista@gmail.com, kérem")
    assert "kiss.pista@gmail.com" not in text
    assert "k***@gmail.com" in text
    assert "email" in kinds
    assert mask_email("kiss.pista@gmail.com") == "k***@gmail.com"


def test_diagnosis_strings_are_redacted_but_shape_kept():
    diagnosis = {"verified": True, "last_code_mail": {"status": "bounced", "detail": "to kiss.pista@gmail.com"},
                 "recent_failures": [{"at": "2026-11-24T10:00:00Z", "reason": "code_used_as_password"}]}
    clean = redact_structure(diagnosis)
    assert clean["verified"] is True
    assert clean["recent_failures"][0]["reason"] == "code_used_as_password"
    assert "kiss.pista@gmail.com" not in str(clean)


def test_user_text_to_an_agent_loses_codes_and_passwords_via_the_bots_redaction():
    text, kinds = redact_text("a kódom K7QM-3XPA-9TDE-W2HF, a jelszavam Tavasz2024!!")
    assert "K7QM" not in text and "Tavasz2024" not in text
    assert text.count("REDACTEDSECRET") == 2
    assert kinds and set(kinds) <= {"code", "password"}
