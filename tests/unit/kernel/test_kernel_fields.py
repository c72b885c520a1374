"""kernel.fields: one username rule (S1) and one e-mail rule for the backend, the assistant and the
phone line."""
from __future__ import annotations

import pytest

from kernel.fields import (FieldError, email_key, is_email, is_username, joined_name_keys, name_key,
                           username_key, validate_email, validate_language, validate_username)


@pytest.mark.parametrize("username", ["kpista77", "kiss.pista", "Kiss_Pista-77", "abcd", "a" * 32])
def test_a_chosen_username_is_4_to_32_characters_starting_with_a_letter(username):
    assert validate_username(f"  {username} ") == username
    assert is_username(username)


@pytest.mark.parametrize("username", ["abc", "a" * 33, "7kiss", "kiss pista", "kíss", "kiss@pista", "", None, 77])
def test_what_the_backend_would_reject_is_no_username_anywhere(username):
    assert not is_username(username)
    with pytest.raises(FieldError) as caught:
        validate_username(username)
    assert caught.value.field == "username"


def test_a_missing_value_is_reported_as_missing():
    with pytest.raises(FieldError) as caught:
        validate_username("   ")
    assert caught.value.missing


def test_usernames_and_addresses_compare_case_insensitively():
    assert username_key(" KPista77 ") == username_key("kpista77")
    assert email_key("Kiss.Pista@Gmail.com ") == "kiss.pista@gmail.com"


@pytest.mark.parametrize("address", ["kiss.pista@gmail.com", "a@freemail.hu", "anna+x@mail.example.co.uk"])
def test_an_e_mail_address_has_one_at_and_a_dotted_domain(address):
    assert validate_email(address) == address and is_email(address)


@pytest.mark.parametrize("address", ["kiss.pista", "kiss@localhost", "a@@b.hu", "a b@c.hu", "a..b@c.hu",
                                     "x@" + "a" * 70 + ".hu", "a" * 250 + "@b.hu", "", None])
def test_what_is_not_an_address_is_refused(address):
    assert not is_email(address)


def test_names_compare_in_either_order_and_without_accents():
    assert name_key("Kovács János") == name_key("janos.kovacs") == "janos kovacs"
    assert joined_name_keys("Kovács János") == ("kovacsjanos", "janoskovacs")


def test_language_is_hu_or_en():
    assert validate_language("en") == "en"
    with pytest.raises(FieldError):
        validate_language("de")


@pytest.mark.parametrize("value, held", [("a\x00b", True), ("ab", False), ({"k": ["x", {"y": "\x00"}]}, True),
                                         ({"k\x00": 1}, True), ([1, 2.5, None, True], False), ("", False)])
def test_a_nul_character_is_found_in_any_string_of_a_json_value_keys_included(value, held):
    from kernel.fields import holds_nul

    assert holds_nul(value) is held


def test_the_field_holding_a_nul_character_is_named_and_a_name_with_one_is_the_body():
    from kernel.fields import field_holding_nul

    assert field_holding_nul({"username": "kis", "email": ["a\x00"]}) == "email"
    assert field_holding_nul({"a\x00": "x"}) == "body"
    assert field_holding_nul({"username": "kis"}) is None


@pytest.mark.parametrize("text, max_digits, number", [
    ("42", 9, 42), ("007", 3, 7), ("²", 9, None), ("١٢", 9, None), ("１２", 9, None), ("߁", 9, None),
    ("", 9, None), (None, 9, None), ("1234567890", 9, None), (" 12", 9, None), ("-1", 9, None), ("1.5", 9, None)])
def test_a_number_is_read_from_ascii_digits_only_and_within_its_digits(text, max_digits, number):
    from kernel.fields import ascii_number

    assert ascii_number(text, max_digits) == number
