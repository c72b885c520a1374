"""Masks for the audit log and logs: enough to tell records apart, never the whole secret."""
from __future__ import annotations


def mask_username(username: str) -> str:
    """``kovacsjanos`` -> ``ko*******os``; short names keep only their first character."""
    name = username.strip()
    if len(name) <= 4:
        return (name[:1] + "***") if name else "***"
    return name[:2] + "*" * (len(name) - 4) + name[-2:]


def mask_email(email: str) -> str:
    """``janos.kovacs@example.com`` -> ``j***s@e***.com``; never the whole local part or domain."""
    address = email.strip()
    local, at, domain = address.rpartition("@")
    if not at:
        return mask_username(address)
    masked_local = (local[:1] + "***" + local[-1:]) if len(local) > 2 else (local[:1] + "***")
    host, dot, tld = domain.rpartition(".")
    if not dot:
        return f"{masked_local}@{domain[:1]}***"
    return f"{masked_local}@{host[:1]}***.{tld}"
