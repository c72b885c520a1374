"""kernel.privacy: logs, audit rows, diagnoses and read-backs never hold a full address or username
(S5, S9), and every room masks the same way."""
from __future__ import annotations

import logging

import pytest

from kernel.privacy import (MaskingLogFilter, e164, email_mask_parts, keyed_digest, mask_spoken_emails_in, mask_email, mask_emails_in, mask_username,
                            redact_structure, redact_text)


@pytest.mark.parametrize("address, masked", [
    ("kiss.pista@gmail.com", "ki***@g***.com"),
    ("Kiss.Pista@Gmail.com", "Ki***@G***.com"),
    ("a@freemail.hu", "a***@f***.hu"),
    ("ab@freemail.hu", "a***@f***.hu"),
    ("anna@mail.example.co.uk", "an***@m***.uk"),
    ("<kiss.pista@gmail.com>", "ki***@g***.com"),
    ("nobody", "***"),
    ("@gmail.com", "***"),
    ("x@localhost", "x***@***"),
    ("", "***"),
    (None, "***"),
])
def test_mask_email_shows_the_start_of_the_address_and_the_top_level_domain_only(address, masked):
    assert mask_email(address) == masked


@pytest.mark.parametrize("address", ["kiss.pista@gmail.com", "ab@x.hu", "x@localhost", "anna@mail.example.co.uk"])
def test_masking_a_masked_address_changes_nothing(address):
    once = mask_email(address)
    assert mask_email(once) == once
    assert mask_emails_in(once) == once


def test_a_two_letter_local_part_is_not_shown_whole():
    assert "ab" not in mask_email("ab@example.hu").split("@")[0]


def test_spoken_read_back_parts_are_the_masks_parts():
    assert email_mask_parts("kiss.pista@gmail.com") == ("ki", "g", "com")
    assert email_mask_parts("nobody") is None


def test_mask_username_keeps_two_letters():
    assert mask_username("kisspista77") == "ki***"
    assert mask_username(mask_username("kisspista77")) == "ki***"
    assert mask_username("") == "***"
    assert mask_username(None) == "***"


def test_a_mail_servers_reply_loses_the_echoed_recipient_in_any_letter_case():
    reply = "550 5.1.1 <Kiss.Pista@GMAIL.com>: Recipient address rejected; see other@example.hu"
    scrubbed = mask_emails_in(reply, "kiss.pista@gmail.com")
    assert "kiss.pista" not in scrubbed.lower() and "gmail.com" not in scrubbed.lower()
    assert "other@example.hu" not in scrubbed
    assert scrubbed.startswith("550 5.1.1 <ki***@g***.com>")


def test_masking_a_text_twice_changes_nothing():
    once = mask_emails_in("<kiss.pista@gmail.com>", "kiss.pista@gmail.com")
    assert mask_emails_in(once) == once


def test_email_in_user_text_is_masked_and_reported():
    text, kinds = redact_text("az e-mailem kiss.pista@gmail.com, kérem")
    assert "kiss.pista@gmail.com" not in text
    assert "ki***@g***.com" in text
    assert kinds == ["email"]


def test_user_text_loses_codes_and_passwords():
    text, kinds = redact_text("a kódom K7QM-3XPA-9TDE-W2HF, a jelszavam Tavasz2024!!")
    assert "K7QM" not in text and "Tavasz2024" not in text
    assert text.count("REDACTEDSECRET") == 2
    assert kinds and set(kinds) <= {"code", "password"}


def test_nested_json_strings_are_redacted_but_its_shape_is_kept():
    diagnosis = {"verified": True, "last_code_mail": {"status": "bounced", "detail": "to kiss.pista@gmail.com"},
                 "recent_failures": [{"at": "2026-11-24T10:00:00Z", "reason": "code_used_as_password"}], "n": 3}
    clean = redact_structure(diagnosis)
    assert clean["verified"] is True and clean["n"] == 3
    assert clean["recent_failures"][0]["reason"] == "code_used_as_password"
    assert "kiss.pista@gmail.com" not in str(clean)


def test_log_filter_masks_addresses_in_any_logger(caplog):
    logger = logging.getLogger("third.party.smtp")
    logger.addFilter(MaskingLogFilter())
    try:
        with caplog.at_level(logging.INFO, logger="third.party.smtp"):
            logger.info("recipient %s refused", "kiss.pista@gmail.com")
    finally:
        logger.filters.clear()
    assert "kiss.pista@gmail.com" not in caplog.text
    assert "ki***@g***.com" in caplog.text


@pytest.mark.parametrize("number, expected", [
    ("+36 30 123 4512", "+36301234512"), ("06 30 123 4512", "+36301234512"), ("0044 20 7946 0958", "+442079460958"),
    ("+36 30 *** **12", None), ("anonymous", None), ("", None), (None, None), ("2025550123", None), ("+4412", None),
])
def test_caller_numbers_have_one_comparable_form(number, expected):
    assert e164(number) == expected


def test_a_keyed_digest_is_stable_needs_the_key_and_separates_parts():
    assert keyed_digest("k1", "kpista77") == keyed_digest(b"k1", "kpista77")
    assert keyed_digest("k1", "kpista77") != keyed_digest("k2", "kpista77")
    assert keyed_digest("k1", "a", "bc") != keyed_digest("k1", "ab", "c")
    assert "kpista77" not in keyed_digest("k1", "kpista77")
    with pytest.raises(ValueError):
        keyed_digest("", "x")


@pytest.mark.parametrize("said, masked", [
    ("kiss pista kukac gmail pont com", "ki***@g***.com"),
    ("a címem kiss pont pista kukac gmail pont com, köszönöm", "a címem ki***@g***.com, köszönöm"),
    ("my email is john dot smith at example dot co dot uk please", "my email is jo***@e***.uk please"),
    ("a kódot a k i s s kukac freemail pont hu címre kérem", "a kódot ak***@f***.hu címre kérem"),
    ("kíss pista kukac citromail pont hu", "kí***@c***.hu"),
])
def test_a_spoken_or_spelled_address_is_masked_like_a_written_one(said, masked):
    assert mask_spoken_emails_in(said) == masked
    assert redact_text(said) == (masked, ["email"])


@pytest.mark.parametrize("ordinary", ["look at the menu", "I am at home dot", "meet me at noon at the office dot com",
                                      "nem kaptam meg a kódot", "at", ""])
def test_ordinary_sentences_with_at_or_dot_are_left_alone(ordinary):
    assert mask_spoken_emails_in(ordinary) == ordinary


def test_a_written_and_a_spoken_address_in_one_message_are_both_masked():
    text, kinds = redact_text("kiss.pista@gmail.com és kiss pista kukac gmail pont com")
    assert text == "ki***@g***.com és ki***@g***.com" and kinds == ["email"]
