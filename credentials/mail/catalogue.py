"""The shape of one language's mail texts; the texts themselves live in texts_hu.py and texts_en.py.

Every text is plain text with ``string.Template`` placeholders ($legal_name, $expiry, ...); compose.py
fills them and escapes the result for the HTML part, so no text here may contain markup. Facts of the
letter come from kernel.facts.text_params: $days (CODE_TTL_DAYS) and the S11 contacts ($phone,
$phone_abroad, $contact_email, $contact_web).
"""
from __future__ import annotations

from dataclasses import dataclass
from string import Template


@dataclass(frozen=True)
class MailTexts:
    language: str
    months: tuple[str, ...]          # January..December, as used in ``expiry``
    expiry: Template                 # $year $month $day $hour $minute
    greeting: Template               # $legal_name
    code_subject: dict[str, str]     # reason -> subject
    code_intro: dict[str, str]       # reason -> first paragraph
    code_label: str
    code_validity: Template          # $expiry $days
    steps_title: str
    steps: tuple[Template, ...]      # $username_hint_clause
    username_hint_clause: Template   # $username_hint
    code_rules: tuple[str, ...]
    lapse: str
    keep_username: str
    never_password: str
    not_you_code: str
    help_title: str
    help_lines: tuple[Template, ...]  # $phone $phone_abroad $contact_email $contact_web
    footer: str
    notice_subject: dict[str, str]   # kind -> subject
    notice_body: dict[str, tuple[str, ...]]
    notice_not_you_title: str
    notice_not_you: dict[str, tuple[str, ...]]
