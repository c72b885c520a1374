"""The code mail and the notices (S2–S4, S6–S9, S11): content, languages, Budapest time, escaping."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest

from credentials.mail.compose import code_mail, display_code, format_expiry, notice_mail
from tests.fixtures.mail_services import extract_code

CODE = "K7QM-3XPA-9TDE-W2HF"
CODE_SHAPE = re.compile(r"\b[0-9A-Z]{4}(?:[- ]?[0-9A-Z]{4}){2,}\b")
EXPIRES = datetime(2026, 11, 29, 13, 5, tzinfo=timezone.utc)  # 14:05 in Budapest (CET, +1)


def _code_mail(language="hu", **overrides):
    kwargs = dict(language=language, legal_name="Kiss István", username_hint="kisspista77", code=CODE,
                  expires_at=EXPIRES, reason="registration")
    kwargs.update(overrides)
    return code_mail(**kwargs)


def _parts(message):
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


@pytest.mark.parametrize("language", ["hu", "en"])
def test_code_appears_exactly_once_in_plain_and_html(language):
    plain, html = _parts(_code_mail(language))
    assert plain.count(CODE) == 1
    assert html.count(CODE) == 1


def test_ungrouped_code_is_shown_in_groups_of_four():
    assert display_code("K7QM3XPA9TDEW2HF") == CODE
    plain, _ = _parts(_code_mail(code="K7QM3XPA9TDEW2HF"))
    assert CODE in plain


@pytest.mark.parametrize("language", ["hu", "en"])
def test_extract_code_finds_the_code_in_the_plain_part(language):
    assert extract_code(_code_mail(language)) == CODE


@pytest.mark.parametrize("language, expected", [
    ("hu", "2026. november 29. 14:05 (budapesti idő)"),
    ("en", "29 November 2026, 14:05 (Budapest time)"),
])
def test_code_expiry_is_shown_in_budapest_time(language, expected):
    plain, html = _parts(_code_mail(language))
    assert expected in plain.replace("\n", " ")
    assert expected in html


@pytest.mark.parametrize("issued, expected_hu", [
    # Issued in winter time, expires in summer time (clocks go forward on 29 March 2026).
    (datetime(2026, 3, 26, 12, 0, tzinfo=timezone.utc), "2026. március 31. 14:00 (budapesti idő)"),
    # Issued in summer time, expires in winter time (clocks go back on 25 October 2026).
    (datetime(2026, 10, 22, 12, 0, tzinfo=timezone.utc), "2026. október 27. 13:00 (budapesti idő)"),
])
def test_code_expires_after_five_days_shown_in_budapest_time_across_dst(issued, expected_hu):
    expires = issued + timedelta(days=5)  # S4: five days, an exact duration
    assert format_expiry(expires, "hu") == expected_hu
    plain, _ = _parts(_code_mail(expires_at=expires))
    assert expected_hu in plain.replace("\n", " ")
    assert "5 napig" in plain


def test_expiry_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        _code_mail(expires_at=datetime(2026, 11, 29, 14, 5))


@pytest.mark.parametrize("language, facts", [
    ("hu", ["egyszer használható", "egyetlen alkalommal",                     # S2 single use
            "felhasználónevét", "NE a saját nevét",                           # S3, S6
            "új jelszót",                                                     # S3
            "nem a jelszava",                                                 # S7
            "önmagában nem",                                                  # S8
            "„Elfelejtett jelszó”",                                           # S4
            "okmányirodában tudhatja meg",                                    # S9
            "189", "+36 1 371 9300", "189@ugyfelvonal.hu", "www.ugyfelvonal.hu",  # S11
            "soha nem kéri el a jelszavát"]),
    ("en", ["works only once", "username you chose", "NOT your own name", "new password",
            "not your password", "on its own opens nothing", "\"Forgotten password\"",
            "only the document office", "189", "+36 1 371 9300", "189@ugyfelvonal.hu",
            "www.ugyfelvonal.hu", "never asks for your password"]),
])
def test_code_mail_states_the_letters_rules(language, facts):
    plain, html = _parts(_code_mail(language))
    flat_plain = " ".join(plain.split())
    for fact in facts:
        assert fact in flat_plain, fact
        assert fact.replace('"', "&quot;") in html, fact


def test_reset_mail_says_older_codes_no_longer_work():
    plain, _ = _parts(_code_mail(reason="reset"))
    assert "érvényüket vesztették" in plain
    en_plain, _ = _parts(_code_mail("en", reason="reset"))
    assert "no longer works" in en_plain


def test_username_hint_is_masked_never_shown_in_full():
    message = _code_mail(username_hint="kisspista77")
    plain, html = _parts(message)
    assert "ki***" in plain and "ki***" in html
    assert "kisspista77" not in message.as_string()
    plain_without_hint, _ = _parts(_code_mail(username_hint=None))
    assert "***" not in plain_without_hint


def test_html_escapes_the_legal_name():
    plain, html = _parts(_code_mail(legal_name='<script>alert("x")</script> & Co'))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html
    assert '<script>alert("x")</script> & Co' in plain


@pytest.mark.parametrize("language", ["hu", "en"])
def test_html_uses_inline_css_only_and_nothing_remote(language):
    _, html = _parts(_code_mail(language))
    lowered = html.lower()
    assert "<style" not in lowered and "<link" not in lowered and "<img" not in lowered
    assert "@import" not in lowered and "url(" not in lowered and "http" not in lowered
    assert f'<html lang="{language}">' in html


@pytest.mark.parametrize("language", ["hu", "en"])
def test_code_mail_headers_are_utf8_and_complete_without_to_or_from(language):
    message = _code_mail(language)
    raw = message.as_bytes()
    assert raw.isascii()  # encoded words and quoted-printable: safe for any relay
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == message["Subject"]  # survives folding into encoded words intact
    assert parsed["Subject"] == {"hu": "Ügyfélkapu: az Ön egyszer használható aktiváló kódja",
                                 "en": "Ügyfélkapu: your one-time activation code"}[language]
    assert parsed["Date"] and parsed["Message-ID"]
    assert parsed["To"] is None and parsed["From"] is None
    assert parsed["Content-Language"] == language
    assert parsed.get_content_type() == "multipart/alternative"
    assert {p.get_content_charset() for p in parsed.iter_parts()} == {"utf-8"}
    assert extract_code(parsed) == CODE


@pytest.mark.parametrize("language", ["hu", "en"])
@pytest.mark.parametrize("kind", ["activated", "reset_requested"])
def test_notice_contains_no_code_and_says_what_to_do_if_it_was_not_you(language, kind):
    message = notice_mail(language=language, legal_name="Kiss István", kind=kind)
    plain, html = _parts(message)
    assert message_from_bytes(message.as_bytes(), policy=policy.default)["Subject"] == message["Subject"]
    assert not CODE_SHAPE.search(plain) and not CODE_SHAPE.search(html)
    with pytest.raises(AssertionError):
        extract_code(message)
    not_you = {"hu": "Ha nem Ön volt", "en": "If this was not you"}[language]
    assert not_you in plain and not_you in html
    assert "189" in plain and "www.ugyfelvonal.hu" in plain  # S11


def test_unknown_language_reason_or_kind_is_refused():
    with pytest.raises(ValueError, match="language"):
        _code_mail(language="de")
    with pytest.raises(ValueError, match="reason"):
        _code_mail(reason="welcome")
    with pytest.raises(ValueError, match="kind"):
        notice_mail(language="hu", legal_name="X", kind="deleted")


def test_a_stable_message_id_is_kept_so_a_retry_can_be_recognised():
    first = _code_mail(message_id="<outbox-42@ugyfelkapu.example>")
    again = _code_mail(message_id="<outbox-42@ugyfelkapu.example>")
    assert first["Message-ID"] == again["Message-ID"] == "<outbox-42@ugyfelkapu.example>"
    assert _code_mail()["Message-ID"] != _code_mail()["Message-ID"]
    with pytest.raises(ValueError, match="message_id"):
        notice_mail(language="hu", legal_name="X", kind="activated", message_id="outbox-42")


def test_date_header_is_the_given_time():
    message = _code_mail(now=datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc))
    assert message["Date"].datetime == datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)
