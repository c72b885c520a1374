"""``python -m mailsink list`` / ``show N``: read the stored mails in a terminal."""
from __future__ import annotations

import html
import re
from email.message import EmailMessage

from mailsink.store import MailStore


def plain_body(message: EmailMessage) -> str:
    """The text/plain body, decoded; the HTML part stripped to text when there is no plain part."""
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        return part.get_content()
    part = message.get_body(preferencelist=("html",))
    if part is None:
        return ""
    text = re.sub(r"(?is)<(script|style).*?</\1>", "", part.get_content())
    text = re.sub(r"(?i)<br\s*/?>|</p>|</h\d>|</li>|</tr>", "\n", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def list_lines(store: MailStore) -> list[str]:
    """One line per stored mail: number, arrival file name, recipient, subject."""
    lines = []
    for number, path in enumerate(store.paths(), start=1):
        message = store.read(path)
        to = str(message.get("To") or message.get("Delivered-To") or "")
        lines.append(f"{number:>4}  {path.name}  {to}  {message.get('Subject', '')}")
    return lines or [f"no mail in {store.directory}"]


def show_text(store: MailStore, number: int) -> str:
    """Headers a person cares about and the decoded plain body of mail ``number`` (1 = oldest)."""
    paths = store.paths()
    if not 1 <= number <= len(paths):
        raise IndexError(f"there is no mail number {number}; {len(paths)} stored in {store.directory}")
    message = store.read(paths[number - 1])
    head = [f"{name}: {message[name]}" for name in ("Date", "From", "To", "Subject") if message[name]]
    return "\n".join([f"File: {paths[number - 1]}", *head, "", plain_body(message)])
