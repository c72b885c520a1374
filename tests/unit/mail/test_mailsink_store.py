"""The sink's mailbox: one file per message and recipient, named by UTC time, written atomically."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from email.message import EmailMessage

from mailsink.reader import list_lines, plain_body, show_text
from mailsink.store import MailStore


def _raw(subject: str = "Próba") -> bytes:
    message = EmailMessage()
    message["To"] = "kiss.pista@gmail.com"
    message["Subject"] = subject
    message.set_content("Szia!\n")
    return message.as_bytes()


def test_stored_file_is_named_by_utc_time_and_short_id(tmp_path):
    store = MailStore(tmp_path / "mail")
    path = store.save(_raw(), mail_from="noreply@ugyfelkapu.example", recipient="kiss.pista@gmail.com",
                      now=datetime(2026, 11, 24, 13, 5, 1, 123456, tzinfo=timezone.utc))
    assert re.fullmatch(r"20261124T130501\.123456Z-[0-9a-f]{8}\.eml", path.name)
    assert [p.name for p in (tmp_path / "mail").iterdir()] == [path.name]  # no temp file left behind
    stored = store.read(path)
    assert stored["Delivered-To"] == "kiss.pista@gmail.com"
    assert stored["Return-Path"] == "<noreply@ugyfelkapu.example>"
    assert stored["Subject"] == "Próba"


def test_messages_are_listed_oldest_first_and_temp_files_ignored(tmp_path):
    store = MailStore(tmp_path)
    store.save(_raw("második"), mail_from="a@b.hu", recipient="x@y.hu", now=datetime(2026, 1, 2, tzinfo=timezone.utc))
    store.save(_raw("első"), mail_from="a@b.hu", recipient="x@y.hu", now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    (tmp_path / ".half-written.eml.tmp").write_bytes(b"Subject: half")
    assert [store.read(p)["Subject"] for p in store.paths()] == ["első", "második"]
    assert "első" in list_lines(store)[0]
    assert "Szia!" in show_text(store, 2)


def test_empty_or_missing_mailbox_is_reported(tmp_path):
    assert list_lines(MailStore(tmp_path / "none")) == [f"no mail in {tmp_path / 'none'}"]


def test_html_only_mail_is_shown_as_text():
    message = EmailMessage()
    message.set_content("<p>Kedves &amp; Anna</p><script>x()</script><p>Kód</p>", subtype="html")
    assert plain_body(message) == "Kedves & Anna\nKód"
