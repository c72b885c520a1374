"""The code mail (S2–S4, S6–S9, S11) and the secret-free notices, in Hungarian and English.

Each message is UTF-8 multipart/alternative: a plain-text part and an HTML part with the same
content (everything escaped, inline CSS only, no remote images or fonts). No To/From: the sender
sets them. In the plain-text part the code stands alone on a line indented by four spaces, and no
other line is indented like that (tests/fixtures/mail_services.extract_code relies on it).
"""
from __future__ import annotations

import html
import textwrap
from datetime import datetime, timezone
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Literal
from zoneinfo import ZoneInfo

from credentials.mail import texts_en, texts_hu
from credentials.mail.catalogue import MailTexts
from kernel.facts import contact_params, text_params
from kernel.privacy import mask_username

BUDAPEST = ZoneInfo("Europe/Budapest")
CATALOGUES: dict[str, MailTexts] = {"hu": texts_hu.TEXTS, "en": texts_en.TEXTS}
CODE_INDENT = " " * 4
_WIDTH = 76

Reason = Literal["registration", "reset"]
NoticeKind = Literal["activated", "reset_requested"]


def texts_for(language: str) -> MailTexts:
    """The catalogue of ``language`` (hu|en); ValueError for any other."""
    try:
        return CATALOGUES[language]
    except KeyError:
        raise ValueError(f"language must be one of {sorted(CATALOGUES)}, got {language!r}") from None


def format_expiry(expires_at: datetime, language: str) -> str:
    """``expires_at`` in Budapest local time, e.g. ``2026. november 29. 14:05 (budapesti idő)``."""
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise ValueError("expires_at must be timezone-aware")
    local = expires_at.astimezone(BUDAPEST)
    texts = texts_for(language)
    return texts.expiry.substitute(year=local.year, month=texts.months[local.month - 1],
                                   day=local.day, hour=f"{local.hour:02d}", minute=f"{local.minute:02d}")


def display_code(code: str) -> str:
    """The code as shown: kept as given when already grouped, else in dash-separated groups of four."""
    code = code.strip()
    if not code or any(ch.isspace() and ch != " " for ch in code):
        raise ValueError("code must be a non-empty single-line string")
    if "-" in code or " " in code:
        return code
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def code_mail(*, language: str, legal_name: str, username_hint: str | None, code: str,
              expires_at: datetime, reason: Reason, valid_days: int | None = None, now: datetime | None = None,
              message_id: str | None = None, message_id_domain: str = "ugyfelkapu.example") -> EmailMessage:
    """The e-mail carrying a one-time activation code (S2), for a registration or a reset (S8).

    ``valid_days``: the code lifetime; by default the CODE_TTL_DAYS setting (kernel.facts). Pass a
    stable ``message_id`` (e.g. from the outbox row) so a retried send keeps the same Message-ID and
    receiving systems can drop a duplicate.
    """
    texts = texts_for(language)
    facts = text_params(language, days=valid_days)
    if reason not in texts.code_subject:
        raise ValueError(f"reason must be one of {sorted(texts.code_subject)}, got {reason!r}")
    expiry = format_expiry(expires_at, language)
    shown_code = display_code(code)
    hint_clause = (texts.username_hint_clause.substitute(username_hint=mask_username(username_hint))
                   if username_hint else "")
    steps = [step.substitute(username_hint_clause=hint_clause) for step in texts.steps]
    body: list[tuple[str, object]] = [
        ("para", texts.greeting.substitute(legal_name=legal_name.strip())),
        ("para", texts.code_intro[reason]),
        ("para", texts.code_label),
        ("code", shown_code),
        ("strong", texts.code_validity.substitute(days=facts["days"], expiry=expiry)),
        ("heading", texts.steps_title),
        ("steps", steps),
        *[("para", rule) for rule in texts.code_rules],
        ("para", texts.lapse),
        ("para", texts.keep_username),
        ("para", f"{texts.never_password} {texts.not_you_code}"),
        ("heading", texts.help_title),
        ("list", _help_lines(texts, facts)),
        ("small", texts.footer),
    ]
    return _message(texts, texts.code_subject[reason], body, now, message_id or make_msgid(domain=message_id_domain))


def notice_mail(*, language: str, legal_name: str, kind: NoticeKind, now: datetime | None = None,
                message_id: str | None = None, message_id_domain: str = "ugyfelkapu.example") -> EmailMessage:
    """A notice after an activation or a reset request: no secret, says what to do if it was not them."""
    texts = texts_for(language)
    facts = contact_params(language)  # a notice names no code lifetime
    if kind not in texts.notice_subject:
        raise ValueError(f"kind must be one of {sorted(texts.notice_subject)}, got {kind!r}")
    body: list[tuple[str, object]] = [
        ("para", texts.greeting.substitute(legal_name=legal_name.strip())),
        *[("para", paragraph) for paragraph in texts.notice_body[kind]],
        ("heading", texts.notice_not_you_title),
        ("list", list(texts.notice_not_you[kind])),
        ("para", texts.never_password),
        ("heading", texts.help_title),
        ("list", _help_lines(texts, facts)),
        ("small", texts.footer),
    ]
    return _message(texts, texts.notice_subject[kind], body, now, message_id or make_msgid(domain=message_id_domain))


def _help_lines(texts: MailTexts, facts: dict[str, str]) -> list[str]:
    """The S11 contacts, from kernel.facts."""
    return [line.substitute(facts) for line in texts.help_lines]


def _message(texts: MailTexts, subject: str, body: list[tuple[str, object]], now: datetime | None,
             message_id: str) -> EmailMessage:
    if not (message_id.startswith("<") and message_id.endswith(">") and "@" in message_id) \
            or any(c.isspace() for c in message_id):
        raise ValueError(f"message_id must look like <id@domain>, got {message_id!r}")
    message = EmailMessage()
    # Pre-encoded: Python 3.11's header folder drops the space between two encoded words.
    message.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode(linesep="\n"))
    message["Date"] = format_datetime(now or datetime.now(timezone.utc))
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    message.set_content(_plain(body), subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(_html(texts.language, subject, body), subtype="html", charset="utf-8",
                            cte="quoted-printable")
    message["Content-Language"] = texts.language  # after set_content, which drops Content-* headers
    return message


def _fill(text: str, indent: str = "", rest: str = "") -> str:
    return textwrap.fill(text, width=_WIDTH, initial_indent=indent, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)


def _plain(body: list[tuple[str, object]]) -> str:
    blocks: list[str] = []
    heading = ""
    for kind, value in body:
        if kind == "heading":
            heading = f"{value}\n"  # glued to the block that follows it
            continue
        if kind == "code":
            block = f"{CODE_INDENT}{value}"
        elif kind == "steps":
            block = "\n".join(_fill(step, f"{n}. ", "   ") for n, step in enumerate(value, 1))  # type: ignore[arg-type]
        elif kind == "list":
            block = "\n".join(_fill(item, "- ", "  ") for item in value)  # type: ignore[union-attr]
        else:
            block = _fill(str(value))
        blocks.append(heading + block)
        heading = ""
    return "\n\n".join(blocks) + "\n"


_STYLE = {
    "body": "margin:0;padding:24px;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;"
            "color:#1b1f23;font-size:15px;line-height:1.5",
    "card": "max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #d8dde3;"
            "border-radius:6px;padding:24px",
    "para": "margin:0 0 14px 0",
    "strong": "margin:0 0 14px 0;font-weight:bold",
    "heading": "margin:18px 0 6px 0;font-weight:bold;font-size:16px",
    "code": "margin:8px 0 14px 0;padding:14px;text-align:center;background:#eef3f8;"
            "border:1px dashed #2f5d8a;border-radius:4px;font-family:Consolas,'Courier New',monospace;"
            "font-size:24px;letter-spacing:3px;font-weight:bold;color:#12355b",
    "list": "margin:0 0 14px 0;padding-left:22px",
    "small": "margin:18px 0 0 0;font-size:12px;color:#5b6570",
}


def _html(language: str, subject: str, body: list[tuple[str, object]]) -> str:
    esc = html.escape
    parts = []
    for kind, value in body:
        if kind in ("steps", "list"):
            tag = "ol" if kind == "steps" else "ul"
            items = "".join(f'<li style="margin:0 0 6px 0">{esc(item)}</li>' for item in value)  # type: ignore[union-attr]
            parts.append(f'<{tag} style="{_STYLE["list"]}">{items}</{tag}>')
        else:
            parts.append(f'<p style="{_STYLE[kind]}">{esc(str(value))}</p>')
    return (f'<!DOCTYPE html>\n<html lang="{esc(language)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width">'
            f"<title>{esc(subject)}</title></head>\n"
            f'<body style="{_STYLE["body"]}"><div style="{_STYLE["card"]}">\n'
            + "\n".join(parts) + "\n</div></body></html>\n")
