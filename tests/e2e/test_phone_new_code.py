"""New code by phone end to end (S4, S5, S8): a live gateway, the real credentials backend and the
real SMTP sink — the code mail arrives at the address on file, and only there."""
from __future__ import annotations

import time

import pytest

from tests.fixtures.mail_services import extract_code

USERNAME, EMAIL = "kisspista77", "kiss.pista@example.hu"
SPOKEN_EMAIL = {"hu": "kiss pont pista kukac example pont hu", "en": "kiss dot pista at example dot hu"}
SPELLED_USERNAME = {"hu": "k mint Károly i s s p mint Péter i s t a 7 7", "en": "kilo india sierra sierra p i s t a 7 7"}


@pytest.fixture
def registered(credentials_server):
    credentials_server.register(USERNAME, "Kiss Pista", EMAIL)
    credentials_server.sink.wait_for_mail(EMAIL, timeout=20)  # the first code, from registration
    return credentials_server


@pytest.fixture
def line(phone_line_factory, registered):
    return phone_line_factory(credentials_url=registered.url, credentials_token=registered.service_token)


def _settled_count(sink, quiet: float = 2.0, timeout: float = 20.0) -> int:
    """Number of stored mails once no new one has arrived for ``quiet`` seconds (a new code sends the
    code mail and a notice without secrets; both must be in before counting)."""
    deadline = time.monotonic() + timeout
    count, since = len(sink.messages()), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = len(sink.messages())
        if now != count:
            count, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return count


def _request_code(call, lang, username_speech, email_speech):
    call.dial()
    if lang == "en":
        call.press("9")
    call.press("3")
    call.say(username_speech)
    call.press("1")
    call.say(email_speech)
    call.press("1")
    return call.says


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_new_code_by_phone_arrives_at_the_address_on_file(line, registered, lang):
    call = line.call()
    says = _request_code(call, lang, SPELLED_USERNAME[lang], SPOKEN_EMAIL[lang])
    assert any(("Ha a megadott adatok egyeznek" if lang == "hu" else "If the details match") in s for s in says)
    mail = registered.sink.wait_for_mail(EMAIL, timeout=20)
    assert extract_code(mail)
    assert call.hang_up().status == 204


def test_unknown_account_hears_the_same_words_and_no_mail_is_sent(line, registered):
    known = _request_code(line.call(), "hu", SPELLED_USERNAME["hu"], SPOKEN_EMAIL["hu"])
    registered.sink.wait_for_mail(EMAIL, timeout=20)
    before = _settled_count(registered.sink)
    unknown = _request_code(line.call(), "hu", "n o b o d y 1", "nobody kukac example pont hu")
    assert unknown == known
    assert _settled_count(registered.sink) == before


def test_code_never_goes_to_an_address_given_on_the_phone_S5(line, registered):
    _request_code(line.call(), "hu", SPELLED_USERNAME["hu"], "masik kukac example pont hu")
    time.sleep(1.5)
    assert not [m for m in registered.sink.messages() if "masik@example.hu" in str(m.get("To", ""))]


def test_backend_stopped_mid_call_offers_a_person(line, registered):
    call = line.call()
    call.dial()
    call.press("3")
    call.say(SPELLED_USERNAME["hu"])
    call.press("1")
    call.say(SPOKEN_EMAIL["hu"])
    registered.stop()
    started = time.monotonic()
    call.press("1")
    assert time.monotonic() - started < 3.5
    assert "A kódkérő rendszer most nem érhető el" in call.text()
    call.press("0")
    assert call.enqueue is not None and call.enqueue.text == "helpdesk-hu"
