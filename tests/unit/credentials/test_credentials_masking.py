"""Masks for the audit log: never a full e-mail or username."""
from credentials.domain.masking import mask_email, mask_username


def test_mask_email_hides_local_part_and_domain():
    masked = mask_email("janos.kovacs@example.hu")
    assert masked == "j***s@e***.hu"
    assert "janos" not in masked and "example" not in masked


def test_mask_username_keeps_only_the_edges():
    assert mask_username("kovacsjanos") == "ko*******os"
    assert mask_username("abc") == "a***"
    assert mask_username("") == "***"
