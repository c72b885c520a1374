"""The phone-number mask (kernel.privacy.mask_phone_number) and what the gateway stores of a case:
no secret (S7, S8), no full e-mail address, no full caller number. Moved from the agent room's
tests when agents/masking.py gave way to the kernel."""
from __future__ import annotations

import pytest

from kernel.privacy import mask_email, mask_phone_number, redact_structure, redact_text


@pytest.mark.parametrize("number, masked", [
    ("+36301234512", "+36 30 *** **12"),
    ("+36 30 123 4512", "+36 30 *** **12"),
    ("+3612345678", "+36 1 *** **78"),
    ("+36 30 *** **12", "+36 30 *** **12"),
    ("+441632960961", "+44 *** **61"),
])
def test_caller_number_is_masked_to_country_area_and_last_two_digits(number, masked):
    assert mask_phone_number(number) == masked


HUNGARIAN_AND_FOREIGN = [
    ("+36201234567", "+36 20 *** **67"),   # mobile networks
    ("+36 30 123 4512", "+36 30 *** **12"),
    ("+36 31 765 4321", "+36 31 *** **21"),
    ("+36-50-111-2233", "+36 50 *** **33"),
    ("+36 (70) 987 6543", "+36 70 *** **43"),
    ("+3612345678", "+36 1 *** **78"),      # Budapest
    ("+36 1 371 9300", "+36 1 *** **00"),
    ("+36 62 123 456", "+36 62 *** **56"),  # other area codes (Szeged, Győr, Miskolc)
    ("+36 96 512 345", "+36 96 *** **45"),
    ("+3646123456", "+36 46 *** **56"),
    ("06 30 123 4512", "+36 30 *** **12"),  # domestic and 00 prefixes
    ("06 1 234 5678", "+36 1 *** **78"),
    ("0036 62 123 456", "+36 62 *** **56"),
    ("+36 1 23", "+36 *** ****"),           # too short to show anything
    ("+441632960961", "+44 *** **61"),      # foreign
    ("+49 30 1234 5678", "+49 *** **78"),
    ("+1 202 555 0123", "+12 *** **23"),
    ("0044 20 7946 0958", "+44 *** **58"),
    ("2025550123", "*** **23"),
    ("+4412", "*** ****"),
]


@pytest.mark.parametrize("number, masked", HUNGARIAN_AND_FOREIGN)
def test_every_number_form_is_masked_and_re_masking_is_idempotent(number, masked):
    assert mask_phone_number(number) == masked
    assert mask_phone_number(masked) == masked
    assert mask_phone_number(mask_phone_number(masked)) == masked


@pytest.mark.parametrize("tampered, masked", [
    ("+36 1 2345 *** **78", "+36 1 *** **78"),
    ("+36 30 *** 123 4512", "+36 30 *** **12"),
    ("+36 301234512 ***", "+36 *** ****"),
    ("+44 1632 *** 960961", "+44 *** **61"),
])
def test_masked_looking_input_never_keeps_more_than_area_and_last_two_digits(tampered, masked):
    assert mask_phone_number(tampered) == masked


def test_a_full_number_sent_as_masked_is_masked_anyway():
    assert "1234" not in mask_phone_number("+36 30 1234567")


def test_empty_caller_number_stays_empty():
    assert mask_phone_number(None) is None
    assert mask_phone_number("") is None


def test_email_in_text_is_masked():
    text, kinds = redact_text("az e-mailem kiss.pista@gmail.com, kérem")
    assert "kiss.pista@gmail.com" not in text
    assert "ki***@g***.com" in text
    assert "email" in kinds
    assert mask_email("kiss.pista@gmail.com") == "ki***@g***.com"


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
