"""New passwords at activation (S3), NIST SP 800-63B: length >= 15 (configurable), >= 64 accepted, no
composition rules, not common, not (containing) the username, not the code; the rejection names the rule."""
from __future__ import annotations

import pytest

from credentials.domain.exceptions import PasswordRejected
from credentials.domain.passwords import PasswordPolicy, common_passwords

POLICY = PasswordPolicy(min_length=15)


def rule_of(password: str, *, username: str = "kovacsj", code: str | None = None, policy=POLICY) -> str | None:
    try:
        policy.check(password, username=username, code=code)
    except PasswordRejected as exc:
        return exc.rule
    return None


def test_blocklist_ships_at_least_ten_thousand_common_passwords():
    assert len(common_passwords()) >= 10_000
    assert {"password", "123456", "qwerty", "jelszo"} <= common_passwords()


def test_password_shorter_than_minimum_is_rejected_as_too_short():
    assert rule_of("fourteen chars") == "too_short"
    assert rule_of("fifteen chars!!") is None


def test_minimum_length_is_configurable():
    assert rule_of("eight ch", policy=PasswordPolicy(min_length=8)) is None
    assert rule_of("twenty characters..", policy=PasswordPolicy(min_length=20)) == "too_short"


def test_at_least_64_characters_are_accepted():
    assert rule_of("w" + "ordy phrase " * 5 + "xyzab") is None
    assert rule_of("a long passphrase that keeps going " * 3) is None  # 105 chars


def test_no_composition_rules_lowercase_only_is_fine():
    assert rule_of("correcthorsebatterystaple") is None


def test_common_password_is_rejected_even_with_digits_around_it():
    assert rule_of("1234567890qwerty") == "common_password"
    assert rule_of("password12345678") == "common_password"
    assert rule_of("Password", policy=PasswordPolicy(min_length=8)) == "common_password"


def test_password_equal_to_or_containing_the_username_is_rejected():
    assert rule_of("kovacsjkovacsjx", username="kovacsjkovacsjx") == "equals_username"
    assert rule_of("my name is KovacsJ, ok?", username="kovacsj") == "contains_username"


def test_password_equal_to_the_code_is_rejected():
    code = "K7QM-3XPA-9TDE-W2HF"
    assert rule_of("k7qm3xpa9tdew2hf", code=code) == "equals_code"


def test_repetitive_password_is_rejected():
    assert rule_of("aaaaaaaaaaaaaaaaaa") == "repetitive"
    assert rule_of("abcabcabcabcabcabc") == "repetitive"


def test_rejection_names_the_rule_and_says_why():
    with pytest.raises(PasswordRejected) as info:
        POLICY.check("short", username="kovacsj")
    assert info.value.rule == "too_short" and "15" in info.value.message
