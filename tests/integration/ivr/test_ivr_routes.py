"""Twilio's webhooks on the Flask test client: signatures, the menu, re-prompts, bad input, replays,
status callbacks and the fallback URL. Assertions are on parsed TwiML, never XML strings."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from tests.fixtures.phone_driver import say_texts

TWILIO_ROUTES = ["/voice/incoming", "/voice/menu?step=1", "/voice/converse?step=1", "/voice/status",
                 "/voice/fallback", "/voice/agent", "/voice/queue-wait?lang=hu", "/voice/queue-done?step=1",
                 "/voice/recorded?step=1", "/voice/recording-status", "/voice/agent-connect",
                 "/voice/new-code/username?step=1", "/voice/new-code/email-confirm?step=1", "/voice/resume?step=r1"]


def _calls(app, phone_db):
    from ivr.models import PhoneCall

    with phone_db(app) as session:
        return session.scalar(select(func.count()).select_from(PhoneCall))


@pytest.mark.parametrize("path", TWILIO_ROUTES)
def test_every_twilio_route_refuses_a_bad_signature_and_changes_nothing(phone_app, call_phone, phone_db, path):
    call = call_phone()
    missing = call.post(path, {}, sign=False)
    forged = call.post(path, {}, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert missing.status == 403 and forged.status == 403
    assert _calls(phone_app, phone_db) == 0


def test_signature_made_with_another_token_is_refused(phone_app, call_phone):
    call = call_phone()
    call.auth_token = "somebody-elses-token-0123456789"
    assert call.dial().status == 403


def test_signature_is_checked_against_the_public_url_behind_a_proxy(phone_app_factory, call_phone):
    app = phone_app_factory(public_base_url="https://help.example.hu")
    good = call_phone(app=app).dial()
    assert good.status == 200 and good.find("Gather").attrib["action"].startswith("https://help.example.hu/voice/")
    # Signed for the address the app itself sees (as a proxy-unaware check would): refused.
    internal = call_phone(app=app)
    internal.public_base_url = "http://localhost"
    assert internal.dial().status == 403


def test_greeting_is_hungarian_and_offers_english_in_an_english_voice(phone_app, call_phone):
    answer = call_phone().dial()
    gather = answer.find("Gather")
    assert gather.attrib["input"] == "dtmf speech" and gather.attrib["language"] == "hu-HU"
    assert "ügyfélkapu" in gather.attrib["hints"] and gather.attrib["actionOnEmptyResult"] == "true"
    assert gather.attrib["action"].endswith("/voice/menu?step=1")
    says = gather.findall("Say")
    assert says[0].attrib == {"language": "hu-HU", "voice": "Google.hu-HU-Standard-A"}
    assert "English" in says[1].text and says[1].attrib["language"].startswith("en-")
    assert "9" in says[1].text
    assert answer.find("Redirect") is not None  # never silence, even if the Gather ends oddly


@pytest.mark.parametrize("key, lang, fact", [
    ("1", "hu", "5 napig"), ("2", "hu", "ne a saját nevét"), ("4", "hu", "okmányirodában"), ("5", "hu", "24 órájában"),
    ("1", "en", "5 days"), ("2", "en", "not your own name"), ("4", "en", "document office"), ("5", "en", "24 hours"),
])
def test_keypad_menu_gives_the_recorded_answers_in_both_languages(call_phone, key, lang, fact):
    call = call_phone()
    call.dial()
    if lang == "en":
        call.press("9")
        assert call.gather.attrib["language"].startswith("en-")
    call.press(key)
    assert fact in call.text()
    assert call.gather.attrib["action"].split("?")[0].endswith("/voice/menu")


def test_saying_english_switches_the_language(call_phone):
    call = call_phone()
    call.dial()
    call.say("English")
    assert call.gather.attrib["language"] == "en-GB"
    assert "How can we help? Please tell me briefly. Keypad menu: press star." in call.says
    call.press("*")
    assert "Activation: press 1" in call.text()


@pytest.mark.parametrize("lang, invite, menu_key", [("hu", "Gombos menü: csillag.", "Aktiválás: 1-es gomb"),
                                                    ("en", "Keypad menu: press star.", "Activation: press 1")])
def test_the_opening_invites_speech_and_gives_the_keypad_menu_on_star_or_silence(call_phone, lang, invite, menu_key):
    """Call time (issue #13): the opening is short (greeting, the other language's offer, the invitation to
    speak); the full keypad menu is one key away, and silence brings it too. Every key works at once."""
    for get_menu in ("*", ""):
        call = call_phone()
        call.dial()
        if lang == "en":
            call.press("9")
        assert any(invite in s for s in call.says) and menu_key not in call.text()
        call.press(get_menu) if get_menu else call.silence()
        assert menu_key in call.text() and call.gather.attrib["input"] == "dtmf speech"
    call = call_phone()
    call.dial()
    call.press("0")  # a key the opening does not name still works
    assert call.enqueue is not None


def test_star_repeats_and_hash_goes_back_to_the_menu(call_phone):
    call = call_phone()
    call.dial()
    call.press("5")
    answer = call.text()
    call.press("*")
    assert "1 8 9" in call.text() and "1 8 9" in answer
    call.press("#")
    assert "Aktiválás: 1-es gomb" in call.text()


def test_silence_is_reprompted_twice_then_a_person_is_offered_and_silence_connects(call_phone):
    call = call_phone()
    call.dial()
    call.silence()
    assert "Nem hallottam választ." in call.says and call.gather is not None
    call.silence()
    assert "Nem hallottam választ." in call.says
    call.silence()
    assert "ügyintéző" in call.text().lower() and call.gather.attrib["input"] == "dtmf"
    call.silence()
    assert call.enqueue is not None and call.enqueue.text == "helpdesk-hu"


def test_a_key_that_means_nothing_is_reprompted_twice_then_a_person_is_offered(call_phone):
    call = call_phone()
    call.dial()
    for digits in ("7", "12"):
        call.press(digits)
        assert "Ezt nem értettem." in call.says and call.gather is not None
    call.press("abc")
    assert "Ügyintézőért nyomja meg a 0-t" in call.text()
    call.press("0")
    assert call.enqueue is not None


def test_missing_or_garbage_call_sid_is_a_400(call_phone):
    call = call_phone()
    assert call.post("/voice/incoming", {"CallSid": None}).status == 400
    assert call.post("/voice/menu?step=1", {"CallSid": "<script>alert(1)</script>"}).status == 400


def test_unknown_call_sid_hears_an_apology_and_starts_over(call_phone):
    call = call_phone()
    answer = call.post("/voice/menu?step=3", {"Digits": "1"})
    assert answer.status == 200 and answer.find("Redirect").text.endswith("/voice/incoming")
    call._follow(answer)
    assert call.gather is not None


def test_ten_kilobyte_speech_result_is_reprompted(call_phone):
    call = call_phone()
    call.dial()
    answer = call.say("kód " * 2500)
    assert answer.status == 200 and "Ez túl hosszú volt, kérem, mondja rövidebben." in answer.says


def test_garbage_form_fields_get_a_defined_answer(call_phone):
    call = call_phone()
    call.dial()
    action = call.gather.attrib["action"]
    answer = call.post(action, {"Digits": "\x00\x01" * 30, "SpeechResult": "", "Confidence": "very"})
    assert answer.status == 200 and answer.find("Gather") is not None
    assert call.post("/voice/status", {"CallStatus": "completed", "CallDuration": "forever"}).status == 204


def test_replayed_webhook_gets_the_same_answer_and_one_escalation(phone_app, call_phone, phone_db):
    from agents.models import Escalation

    call = call_phone()
    call.dial()
    action = call.gather.attrib["action"]
    first = call.post(action, {"Digits": "0"})
    again = call.post(action, {"Digits": "0"})
    assert first.body == again.body and first.find("Enqueue") is not None
    with phone_db(phone_app) as session:
        assert session.scalar(select(func.count()).select_from(Escalation)) == 1
        escalation = session.scalar(select(Escalation))
    assert escalation.idempotency_key == f"phone:{call.call_sid}" and escalation.channel == "phone"
    assert escalation.caller_number_masked == "+36 30 *** **67"


def test_stale_action_url_replays_the_current_prompt_instead_of_acting(call_phone):
    call = call_phone()
    call.dial()
    call.press("3")  # now spelling a username
    stale = call.post(call.answers[0].find("Gather").attrib["action"].replace("step=1", "step=99"), {"Digits": "0"})
    assert stale.find("Enqueue") is None and "Betűzze" in " ".join(stale.says)


@pytest.mark.parametrize("actions, outcome", [
    ([], "hung_up"),
    ([("press", "1")], "solved_by_bot"),
    ([("press", "0")], "escalated"),
])
def test_status_callback_records_end_duration_and_outcome_once(phone_app, call_phone, phone_db, actions, outcome):
    from ivr.models import PhoneCall

    call = call_phone()
    call.dial()
    for verb, arg in actions:
        getattr(call, verb)(arg)
    assert call.hang_up(duration=42).status == 204
    assert call.post("/voice/status", {"CallStatus": "completed", "CallDuration": "999"}).status == 204
    with phone_db(phone_app) as session:
        stored = session.get(PhoneCall, call.call_sid)
    assert (stored.outcome, stored.duration_seconds, stored.call_status) == (outcome, 42, "completed")
    assert stored.ended_at is not None


def test_progress_status_callbacks_do_not_end_the_call(phone_app, call_phone, phone_db):
    from ivr.models import PhoneCall

    call = call_phone()
    call.dial()
    assert call.post("/voice/status", {"CallStatus": "ringing"}).status == 204
    with phone_db(phone_app) as session:
        assert session.get(PhoneCall, call.call_sid).ended_at is None


def test_fallback_is_fixed_twiml_that_queues_without_database_or_assistant(phone_app, call_phone):
    def no_database():
        raise RuntimeError("database down")

    phone_app.extensions["gateway_sessions"] = no_database
    answer = call_phone().post("/voice/fallback", {"ErrorCode": "11200"})
    assert answer.status == 200
    assert answer.find("Enqueue").text == "helpdesk-hu"
    languages = [say.attrib["language"] for say in answer.root.findall("Say")]
    assert languages[0] == "hu-HU" and languages[1].startswith("en-")


def test_a_failure_inside_a_step_answers_with_the_fallback_never_a_500(phone_app, call_phone):
    call = call_phone()
    call.dial()

    def no_database():
        raise RuntimeError("database down")

    phone_app.extensions["gateway_sessions"] = no_database
    answer = call.press("1")
    assert answer.status == 200 and answer.find("Enqueue") is not None


def test_no_input_at_the_opening_gives_the_catalogue_menu(call_phone):
    from ivr.prompts import catalogue

    call = call_phone()
    call.dial()
    assert catalogue("hu").text("invite") in call.says
    call.silence()
    assert catalogue("hu").text("menu") in call.says
    assert all(isinstance(ET.fromstring(a.body), ET.Element) for a in call.answers)
    assert say_texts(call.gather)


def test_duplicate_arriving_while_the_first_is_answered_holds_then_resumes(phone_app, call_phone, phone_db):
    from ivr.models import PhoneTurn

    call = call_phone()
    call.dial()
    action = call.gather.attrib["action"]
    with phone_db(phone_app) as session:  # the first copy of this webhook is still being worked on
        session.add(PhoneTurn(call_sid=call.call_sid, step="menu:1"))
        session.commit()
    held = call.post(action, {"Digits": "0"})
    assert held.find("Pause") is not None and "/voice/resume?step=" in held.find("Redirect").text
    assert held.find("Enqueue") is None
    call._follow(held)
    assert "Gombos menü: csillag." in call.text() and call.gather is not None  # the opening's prompt again


@pytest.fixture
def seven_day_codes(monkeypatch):
    """The gateway started with CODE_TTL_DAYS=7; the catalogues are read again afterwards."""
    from ivr.prompts import catalogues

    monkeypatch.setenv("CODE_TTL_DAYS", "7")
    yield
    monkeypatch.undo()
    catalogues.cache_clear()


@pytest.mark.parametrize("lang, days", [("hu", "7 napig"), ("en", "7 days")])
def test_the_line_says_the_code_lifetime_of_the_setting_S4(seven_day_codes, phone_app_factory, call_phone, lang, days):
    call = call_phone(app=phone_app_factory())
    call.dial()
    if lang == "en":
        call.press("9")
    call.press("1")
    heard = call.text()
    assert days in heard
    assert not any(by_hand in heard for by_hand in ("öt nap", "5 nap", "five days", "5 days"))
