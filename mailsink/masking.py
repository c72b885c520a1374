"""Masking of e-mail addresses in the sink's log lines: the log never holds a full address."""
from __future__ import annotations

import logging
import re

_ADDRESS = re.compile(r"[^\s<>\"'(),;:@\[\]]+@[^\s<>\"'(),;:@\[\]=]+")


def mask_address(address: str) -> str:
    """``kiss.pista@gmail.com`` -> ``k***@g***.com``; anything unparsable -> ``***``."""
    local, sep, domain = address.strip().strip("<>").rpartition("@")
    if not sep or not local or not domain:
        return "***"
    host, dot, tld = domain.rpartition(".")
    if not dot or not host:
        return f"{local[0]}***@***"
    return f"{local[0]}***@{host[0]}***.{tld}"


def mask_addresses_in(text: str) -> str:
    """Every address-shaped token of ``text`` masked."""
    return _ADDRESS.sub(lambda m: mask_address(m.group(0)), text)


class AddressMaskingFilter(logging.Filter):
    """Masks any address that reaches a log record, also from aiosmtpd's own logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_addresses_in(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
