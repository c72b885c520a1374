"""The sink's mailbox: one .eml file per accepted message and envelope recipient.

File names are ``<UTC timestamp>-<short id>.eml`` (e.g. ``20261124T130501.123456Z-3f9c2a1b.eml``),
so sorting by name is sorting by arrival. Each file is written to a hidden temp file in the same
directory and renamed into place, so a reader never sees half a message.
"""
from __future__ import annotations

import email
import email.policy
import os
import pathlib
import secrets
from datetime import datetime, timezone
from email.message import EmailMessage


class MailStore:
    """Writes and reads the .eml files under one directory."""

    def __init__(self, directory: pathlib.Path) -> None:
        self.directory = pathlib.Path(directory)

    def save(self, raw: bytes, *, mail_from: str, recipient: str, now: datetime | None = None) -> pathlib.Path:
        """Store ``raw`` for one envelope recipient, atomically; return the final path."""
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S.%fZ")
        name = f"{stamp}-{secrets.token_hex(4)}.eml"
        # Delivered-To/Return-Path tell which envelope this copy belongs to, as a mailbox would.
        trace = f"Return-Path: <{mail_from}>\r\nDelivered-To: {recipient}\r\n".encode("utf-8")
        temp = self.directory / f".{name}.tmp"
        with open(temp, "wb") as handle:
            handle.write(trace + raw)
            handle.flush()
            os.fsync(handle.fileno())
        final = self.directory / name
        os.replace(temp, final)
        return final

    def paths(self) -> list[pathlib.Path]:
        """Stored messages, oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*.eml"))

    @staticmethod
    def read(path: pathlib.Path) -> EmailMessage:
        """Parse one stored message."""
        with open(path, "rb") as handle:
            return email.message_from_binary_file(handle, policy=email.policy.default)  # type: ignore[return-value]
