"""Masking: logs, audit rows and diagnoses never hold a full address or username (standards, S9)."""
from __future__ import annotations

import pytest

from credentials.mail.masking import mask_email, mask_username, scrub_addresses
from mailsink.masking import mask_address, mask_addresses_in


@pytest.mark.parametrize("address, masked", [
    ("kiss.pista@gmail.com", "ki***@g***.com"),
    ("a@freemail.hu", "a***@f***.hu"),
    ("anna@mail.example.co.uk", "an***@m***.uk"),
    ("nobody", "***"),
    ("@gmail.com", "***"),
    ("x@localhost", "x***@***"),
])
def test_mask_email(address, masked):
    assert mask_email(address) == masked


def test_mask_username_keeps_two_letters():
    assert mask_username("kisspista77") == "ki***"
    assert mask_username("") == "***"


def test_scrub_addresses_removes_the_echoed_recipient_in_any_case():
    reply = "550 5.1.1 <Kiss.Pista@GMAIL.com>: Recipient address rejected; see other@example.hu"
    scrubbed = scrub_addresses(reply, "kiss.pista@gmail.com")
    assert "kiss.pista" not in scrubbed.lower() and "gmail.com" not in scrubbed.lower()
    assert "other@example.hu" not in scrubbed
    assert scrubbed.startswith("550 5.1.1 <ki***@g***.com>")


def test_scrubbing_twice_changes_nothing():
    once = scrub_addresses("<kiss.pista@gmail.com>", "kiss.pista@gmail.com")
    assert scrub_addresses(once) == once


def test_sink_log_mask_keeps_one_letter():
    assert mask_address("kiss.pista@gmail.com") == "k***@g***.com"
    assert mask_addresses_in("recip: <kiss.pista@gmail.com>") == "recip: <k***@g***.com>"
