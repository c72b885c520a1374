"""New code by phone (S4, S5, S8): spelling, read-back, confirmation, keypad, the one backend request,
the same words for every account, never a password; backend trouble offers a person."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kernel.spoken import keypad_keys_for


@pytest.fixture
def nc_app(phone_app_factory, backend_stand_in):
    return phone_app_factory(credentials_url=backend_stand_in.url)


def _to_username(call):
    call.dial()
    call.press("3")
    assert "Betűzze a felhasználónevét" in call.text()
    assert call.gather.attrib["action"].split("?")[0].endswith("/voice/new-code/username")


def test_new_code_request_after_spelling_and_confirming_both(nc_app, call_phone, backend_stand_in, phone_db):
    from ivr.models import PhoneCall

    call = call_phone(app=nc_app)
    _to_username(call)
    call.say("k mint Károly i s s p i s t a 7 7")
    assert "Ezt értettem: k, i, s, s, p, i, s, t, a, 77." in call.says
    with phone_db(nc_app) as session:
        stored = session.get(PhoneCall, call.call_sid)
        assert stored.sealed_username and "kiss" not in stored.sealed_username
    call.press("1")
    assert "e-mail címét" in call.text()
    call.say("kiss pont pista kukac gmail pont com")
    assert "Az e-mail cím: k, i, s, s, pont, p, i, s, t, a, kukac, g, m, a, i, l, pont, c, o, m." in call.says
    call.press("1")
    assert "Ha a megadott adatok egyeznek a nyilvántartással" in call.text()
    [request] = backend_stand_in.received
    from gateway import settings_of
    from kernel.privacy import keyed_digest

    # the source is the keyed digest of the full number, never the number or its mask
    assert request["body"] == {"username": "kisspista77", "email": "kiss.pista@gmail.com", "channel": "phone",
                               "source": keyed_digest(settings_of(nc_app).secret_key, "ivr-caller", call.caller)}
    assert request["headers"]["Authorization"].startswith("Bearer ")
    with phone_db(nc_app) as session:
        stored = session.get(PhoneCall, call.call_sid)
    assert stored.sealed_username is None and stored.sealed_email is None
    transcript = " ".join(t["text"] for t in stored.transcript)
    assert "kiss.pista@gmail.com" not in transcript and "kisspista77" not in transcript


def test_reset_answer_is_identical_for_unknown_user_and_rejected_request(nc_app, call_phone, backend_stand_in):
    heard = []
    for status in (202, 422):
        backend_stand_in.status = status
        call = call_phone(app=nc_app)
        _to_username(call)
        call.say("n o b o d y")
        call.press("1")
        call.say("nobody at example dot com")
        call.press("1")
        heard.append(call.says)
    assert heard[0] == heard[1]


def test_replayed_confirmation_sends_one_new_code_request(nc_app, call_phone, backend_stand_in):
    call = call_phone(app=nc_app)
    _to_username(call)
    call.say("k i s s")
    call.press("1")
    call.say("kiss at example dot com")
    action = call.gather.attrib["action"]
    first = call.post(action, {"Digits": "1"})
    again = call.post(action, {"Digits": "1"})
    assert first.body == again.body and len(backend_stand_in.received) == 1


@pytest.mark.parametrize("lang, retry", [("hu", "Rendben, próbáljuk újra."), ("en", "All right, let us try again.")])
def test_two_failed_spellings_offer_the_keypad_then_a_person(nc_app, call_phone, backend_stand_in, lang, retry):
    call = call_phone(app=nc_app)
    call.dial()
    if lang == "en":
        call.press("9")
    call.press("3")
    call.say("a b c")  # three letters: the backend's rule (S1) takes no such username, so none is read back
    assert retry in call.says and not any("a, b, c" in s for s in call.says)
    call.say("kiss@@@")  # not a username at all
    assert call.gather.attrib["action"].split("?")[0].endswith("/voice/new-code/keypad-offer")
    call.press("1")
    call.press(keypad_keys_for("anna2001"))  # multi-tap, as in a text message
    assert any("a, n, n, a, 2001" in s for s in call.says)
    call.press("2")
    assert call.gather.attrib["action"].split("?")[0].endswith("/voice/offer-person")
    call.silence()
    assert call.enqueue is not None and backend_stand_in.received == []


def test_keypad_username_then_email_sends_the_request(nc_app, call_phone, backend_stand_in):
    """The keypad spells with multi-tap letters (S1: a username starts with a letter)."""
    call = call_phone(app=nc_app)
    _to_username(call)
    call.press(keypad_keys_for("kiss_p77"))
    assert "Ezt értettem: k, i, s, s, alulvonás, p, 77." in call.says
    call.press("1")
    call.say("anna kukac example pont hu")
    call.press("1")
    assert backend_stand_in.received[0]["body"]["username"] == "kiss_p77"


def test_digits_only_on_the_keypad_are_no_username_S1(nc_app, call_phone, backend_stand_in):
    call = call_phone(app=nc_app)
    _to_username(call)
    call.press("22220000")  # multi-tap "2" then four "0"s: starts with a digit
    assert "Ezt nem értettem." in call.says and not any("Ezt értettem" in s for s in call.says)


@pytest.mark.parametrize("said", ["ká pé i es té a hetvenhét", "k pista 77", "öö K. P. I. S. T. A., hetven hét",
                                  "k mint Károly, p mint Péter, i mint Ilona, s mint Sándor, t mint Tamás, "
                                  "a mint Aladár, hét hét"])
def test_the_issues_spoken_usernames_are_read_back_letter_by_letter(nc_app, call_phone, backend_stand_in, said):
    call = call_phone(app=nc_app)
    _to_username(call)
    call.say(said)
    assert "Ezt értettem: k, p, i, s, t, a, 77." in call.says


def test_low_recogniser_confidence_is_asked_again_not_read_back(nc_app, call_phone, backend_stand_in):
    call = call_phone(app=nc_app)
    _to_username(call)
    call.say("k i s s p i s t a", confidence=0.12)
    assert any("nem hallottam tisztán" in s for s in call.says)
    assert not any("Ezt értettem" in s for s in call.says)
    assert call.gather.attrib["action"].split("?")[0].endswith("/voice/new-code/username")
    call.say("k i s s p i s t a", confidence=0.45)  # unsure but usable: read back for confirmation
    assert "Ezt értettem: k, i, s, s, p, i, s, t, a." in call.says


def test_two_failed_email_attempts_offer_a_person(nc_app, call_phone, backend_stand_in):
    call = call_phone(app=nc_app)
    _to_username(call)
    call.say("k i s s")
    call.press("1")
    call.say("nem tudom")
    assert "próbáljuk újra" in call.text()
    call.say("anna kukac example pont hu")
    call.press("2")
    assert "Ügyintézőért nyomja meg a 0-t" in call.text()
    call.press("0")
    assert call.enqueue is not None and backend_stand_in.received == []


@pytest.mark.parametrize("spoken", ["a jelszavam Titok123", "my password is hunter2", "jelszó"])
def test_a_password_is_never_taken_on_the_phone(nc_app, call_phone, backend_stand_in, phone_db, spoken):
    from ivr.models import PhoneCall

    call = call_phone(app=nc_app)
    _to_username(call)
    call.say(spoken)
    assert any("jelszót ne mondjon be" in s or "Telefonon soha nem kérjük" in s for s in call.says)
    assert call.gather.attrib["action"].split("?")[0].endswith("/voice/new-code/username")
    with phone_db(nc_app) as session:
        stored = session.get(PhoneCall, call.call_sid)
    assert stored.sealed_username is None
    assert "Titok123" not in str(stored.transcript) and "hunter2" not in str(stored.transcript)


@pytest.mark.parametrize("trouble", ["stopped", "http500", "slow"])
def test_backend_down_offers_a_person(phone_app_factory, call_phone, backend_stand_in, phone_db, trouble):
    from agents.models import Escalation

    app = phone_app_factory(credentials_url=backend_stand_in.url, IVR={"backend_timeout": 0.5})
    if trouble == "stopped":
        backend_stand_in.stop()
    elif trouble == "http500":
        backend_stand_in.status = 500
    else:
        backend_stand_in.delay = 2.0
    call = call_phone(app=app)
    _to_username(call)
    call.say("k i s s")
    call.press("1")
    call.say("kiss at example dot com")
    call.press("1")
    assert "A kódkérő rendszer most nem érhető el" in call.text()
    call.silence()
    assert call.enqueue is not None
    with phone_db(app) as session:
        assert session.scalar(select(Escalation)).reason == "backend_down"


def test_zero_reaches_a_person_from_inside_the_new_code_flow(nc_app, call_phone):
    call = call_phone(app=nc_app)
    _to_username(call)
    call.press("0")
    assert call.enqueue is not None
