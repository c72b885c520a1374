"""Speech turns through the assistant (Rasa's REST channel, channel phone), the assistant's request for
a person (the phone line opens the case itself), and what happens when the assistant is slow, broken
or stopped mid-call: the keypad menu with recorded answers keeps serving."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from kernel.contracts import HandoffRequest


def _bot(text, **extra):
    return [{"recipient_id": "x", "text": text, **extra}]


def test_speech_goes_to_the_assistant_marked_as_phone_in_the_callers_language(phone_app_factory, call_phone,
                                                                             rasa_stand_in):
    rasa_stand_in.reply = lambda body: _bot("Az aktiváló kód **öt napig** érvényes. Ha lejárt, kérjen újat.")
    call = call_phone(app=phone_app_factory(rasa_url=rasa_stand_in.url))
    call.dial()
    call.say("lejárt az aktiváló kódom")
    body = rasa_stand_in.received[-1]["body"]
    assert body == {"sender": call.call_sid, "message": "lejárt az aktiváló kódom",
                    "metadata": {"channel": "phone", "language": "hu", "confidence": 0.92}}
    assert "Az aktiváló kód öt napig érvényes." in call.text()
    assert call.gather.attrib["action"].split("?")[0].endswith("/voice/converse")
    call.press("#")
    call.press("9")
    call.say("my code expired")
    assert rasa_stand_in.received[-1]["body"]["metadata"] == {"channel": "phone", "language": "en", "confidence": 0.92}


def test_speech_the_recogniser_is_unsure_of_is_asked_again_not_sent_to_the_assistant(phone_app_factory, call_phone,
                                                                                      rasa_stand_in):
    """Twilio's Confidence below 0.3: no guess; 0.3-0.6 goes on with its confidence, for the forms to
    confirm; keys carry none."""
    rasa_stand_in.reply = lambda body: _bot("Rendben.")
    call = call_phone(app=phone_app_factory(rasa_url=rasa_stand_in.url))
    call.dial()
    call.say("lejárt a kódom", confidence=0.15)
    assert rasa_stand_in.received == []
    assert "Ezt nem hallottam tisztán. Kérem, mondja el újra, vagy használja a gombokat." in call.says
    assert call.gather.attrib["input"] == "dtmf speech"
    call.say("lejárt a kódom", confidence=0.41)
    assert rasa_stand_in.received[-1]["body"]["metadata"]["confidence"] == 0.41


def test_assistant_buttons_are_chosen_by_key_and_sent_as_their_payload(phone_app_factory, call_phone, rasa_stand_in):
    def reply(body):
        if body["message"] == "/affirm":
            return _bot("Rendben.")
        return _bot("Kér új kódot?", buttons=[{"title": "Igen", "payload": "/affirm"},
                                              {"title": "Nem", "payload": "/deny"}])

    rasa_stand_in.reply = reply
    call = call_phone(app=phone_app_factory(rasa_url=rasa_stand_in.url))
    call.dial()
    call.say("új kódot szeretnék")
    assert "1: Igen." in call.text()
    call.press("1")
    assert rasa_stand_in.received[-1]["body"]["message"] == "/affirm"
    assert "Rendben." in call.says


def _handoff(text, **request):
    """The assistant's answer when it hands a phone call to a person: its words (no reference) and
    the handoff request (kernel.contracts.HandoffRequest) as a custom payload."""
    return [{"recipient_id": "x", "text": text},
            {"recipient_id": "x", "custom": HandoffRequest(**{"reason": "user_asked", **request}).as_payload()}]


def test_bot_handoff_queues_the_caller_on_a_case_the_phone_line_opens(phone_app_factory, call_phone, rasa_stand_in,
                                                                    phone_db):
    from agents.models import Escalation

    app = phone_app_factory(rasa_url=rasa_stand_in.url)
    rasa_stand_in.reply = lambda body: _handoff("Átadom egy munkatársnak.", reason="user_asked",
                                                tried=["request_new_code"], diagnosis={"code": "expired"})
    call = call_phone(app=app)
    call.dial()
    call.say("ügyintézőt kérek")
    assert call.enqueue.text == "helpdesk-hu"
    assert "Átadom egy munkatársnak." in call.text()
    with phone_db(app) as session:
        [escalation] = session.scalars(select(Escalation)).all()
    assert (escalation.idempotency_key, escalation.channel, escalation.reason) == (
        f"phone:{call.call_sid}", "phone", "user_asked")
    assert "request_new_code" in escalation.tried and "assistant" in escalation.tried
    assert escalation.diagnosis == {"code": "expired"}
    assert [t["text"] for t in escalation.transcript if t["role"] == "user"] == ["ügyintézőt kérek"]
    reference = ", ".join(" ".join(part) for part in escalation.reference.split("-"))
    assert call.text().count(reference) == 1 and escalation.reference not in call.text()  # read out, said once


def test_bot_handoff_creates_the_case_with_the_redacted_transcript(phone_app_factory, call_phone,
                                                                   rasa_stand_in, phone_db):
    from agents.models import Escalation

    app = phone_app_factory(rasa_url=rasa_stand_in.url)
    rasa_stand_in.reply = lambda body: _handoff("Kapcsolom.")
    call = call_phone(app=app)
    call.dial()
    call.say("a jelszavam Titok123456 és nem enged be, kiss.pista@gmail.com")
    with phone_db(app) as session:
        escalation = session.scalar(select(Escalation))
    assert escalation.reason == "user_asked" and escalation.idempotency_key == f"phone:{call.call_sid}"
    user_text = " ".join(t["text"] for t in escalation.transcript if t["role"] == "user")
    assert "Titok123456" not in user_text and "kiss.pista@gmail.com" not in user_text


@pytest.mark.parametrize("trouble", ["stopped", "http500", "garbage", "slow"])
def test_assistant_trouble_leaves_the_keypad_menu_with_recorded_answers(phone_app_factory, call_phone,
                                                                      rasa_stand_in, trouble):
    app = phone_app_factory(rasa_url=rasa_stand_in.url, IVR={"rasa_timeout": 1.0})
    rasa_stand_in.reply = lambda body: _bot("Miben segíthetek?")
    call = call_phone(app=app)
    call.dial()
    call.say("szia")
    assert "Miben segíthetek?" in call.says
    if trouble == "stopped":
        rasa_stand_in.stop()
    elif trouble == "http500":
        rasa_stand_in.status = 500
    elif trouble == "garbage":
        rasa_stand_in.reply = lambda body: {"not": "a list"}
    else:
        rasa_stand_in.delay = 3.0
    started = time.monotonic()
    call.say("lejárt a kódom")
    assert time.monotonic() - started < 3.0  # the webhook keeps Twilio's deadline
    assert "A hangalapú asszisztens most nem érhető el" in call.text()
    gather = call.gather
    assert gather.attrib["input"] == "dtmf" and "Aktiválás: 1-es gomb" in call.text()
    assert "Kérem, válasszon a gombokkal." in call.text() and "Mondja el" not in call.text()
    call.press("1")
    assert "5 napig érvényes" in call.text()
    call.press("0")
    assert call.enqueue is not None


def test_assistant_saying_nothing_is_a_reprompt(phone_app_factory, call_phone, rasa_stand_in):
    rasa_stand_in.reply = lambda body: []
    call = call_phone(app=phone_app_factory(rasa_url=rasa_stand_in.url))
    call.dial()
    call.say("hmm")
    assert "Ezt nem értettem." in call.says and call.gather is not None


def test_replayed_speech_turn_is_sent_to_the_assistant_once(phone_app_factory, call_phone, rasa_stand_in):
    rasa_stand_in.reply = lambda body: _bot("Rendben.")
    call = call_phone(app=phone_app_factory(rasa_url=rasa_stand_in.url))
    call.dial()
    action = call.gather.attrib["action"]
    first = call.post(action, {"SpeechResult": "szia", "Confidence": "0.9"})
    second = call.post(action, {"SpeechResult": "szia", "Confidence": "0.9"})
    assert first.body == second.body and len(rasa_stand_in.received) == 1


def test_a_replayed_handoff_webhook_opens_no_second_case(phone_app_factory, call_phone, rasa_stand_in, phone_db):
    from agents.models import Escalation

    app = phone_app_factory(rasa_url=rasa_stand_in.url)
    rasa_stand_in.reply = lambda body: _handoff("Átadom egy munkatársnak.")
    call = call_phone(app=app)
    call.dial()
    action = call.gather.attrib["action"]
    first = call.post(action, {"SpeechResult": "ügyintézőt kérek", "Confidence": "0.9"})
    again = call.post(action, {"SpeechResult": "ügyintézőt kérek", "Confidence": "0.9"})
    assert first.body == again.body and first.find("Enqueue") is not None
    assert len(rasa_stand_in.received) == 1
    with phone_db(app) as session:
        assert len(session.scalars(select(Escalation)).all()) == 1


def test_an_answer_without_a_handoff_request_keeps_the_caller_with_the_assistant(phone_app_factory, call_phone,
                                                                               rasa_stand_in, phone_db):
    from agents.models import Escalation

    app = phone_app_factory(rasa_url=rasa_stand_in.url)
    rasa_stand_in.reply = lambda body: [{"recipient_id": "x", "text": "Átadom.",
                                         "custom": {"handoff": {"reference": "HD-7K3R", "escalation_id": "e" * 32}}}]
    call = call_phone(app=app)
    call.dial()
    call.say("ügyintézőt kérek")
    assert call.enqueue is None and call.gather is not None
    with phone_db(app) as session:
        assert session.scalars(select(Escalation)).all() == []


def _question(text, answer, **custom):
    """A phone response of the assistant that asks something (domain.yml: ``custom: {answer: ...}``)."""
    return [{"recipient_id": "x", "text": text}, {"recipient_id": "x", "custom": {"answer": answer, **custom}}]


def test_a_question_of_the_assistant_is_the_whole_prompt_and_comes_with_its_keys_when_heard_again(
        phone_app_factory, call_phone, rasa_stand_in):
    """Call time (issue #13): no "ask on / rate" ending after a question; a yes/no waits 1 s of silence, a
    spelling 3 s with the spelling words as hints; silence repeats the question, a yes/no with its keys."""
    answers = {"lejárt a kódom": _question("Betűzze a választott felhasználónevét, nem a saját nevét.", "spelling"),
               "ká pé": _question("Ezt értettem: k, p. Jó így?", "yes_no")}
    rasa_stand_in.reply = lambda body: answers.get(body["message"], _bot("Rendben."))
    call = call_phone(app=phone_app_factory(rasa_url=rasa_stand_in.url))
    call.dial()
    call.say("lejárt a kódom")
    assert call.says == ["Betűzze a választott felhasználónevét, nem a saját nevét."]
    gather = call.gather.attrib
    assert gather["speechTimeout"] == "3" and "kukac" in gather["hints"]
    call.say("ká pé")
    assert call.says == ["Ezt értettem: k, p. Jó így?"] and call.gather.attrib["speechTimeout"] == "1"
    call.silence()
    assert call.says == ["Nem hallottam választ.", "Ezt értettem: k, p. Jó így?", "Gombbal: igen 1, nem 2."]
    call.press("1")
    assert rasa_stand_in.received[-1]["body"]["message"] == "/affirm"


def test_an_answer_that_ends_a_task_offers_the_rating_once(phone_app_factory, call_phone, rasa_stand_in):
    """The rating offer (key 8, issue #14) comes after an answer that ends a task, not after every turn."""
    rasa_stand_in.reply = lambda body: _bot("Köszönöm. Ha az adatok egyeznek, új kódot küldünk.")
    call = call_phone(app=phone_app_factory(rasa_url=rasa_stand_in.url))
    call.dial()
    call.say("igen")
    assert call.says[-1] == "Kérdezhet tovább, vagy értékelje a hívást a 8-as gombbal."
    assert call.gather.attrib["speechTimeout"] == "2"
    call.press("8")
    assert any("Mennyire volt elégedett" in s for s in call.says)


@pytest.mark.parametrize("lang, offer", [
    ("hu", "Szeretné, hogy átadjam a beszélgetést egy munkatársnak?"),
    ("en", "Would you like me to pass the conversation to a member of staff?")])
def test_asking_for_a_person_by_voice_queues_the_caller_in_one_turn_as_key_0(phone_app_factory, call_phone,
                                                                            rasa_stand_in, phone_db, lang, offer):
    """The assistant's offer of a person right after the caller asked for one (its phone response marks
    it: ``offer: person``) is not asked back: the line transfers as with key 0. After other words (the
    backend is down) the offer stays a yes/no question."""
    from agents.models import Escalation

    app = phone_app_factory(rasa_url=rasa_stand_in.url)
    rasa_stand_in.reply = lambda body: _question(offer, "yes_no", offer="person")
    call = call_phone(app=app)
    call.dial()
    if lang == "en":
        call.press("9")
    call.say("ügyintézővel szeretnék beszélni" if lang == "hu" else "i want to talk to a person")
    assert call.enqueue is not None and offer not in call.text()
    with phone_db(app) as session:
        [escalation] = session.scalars(select(Escalation)).all()
    assert escalation.reason == "caller_pressed_0" and escalation.language == lang
    rasa_stand_in.reply = lambda body: [{"recipient_id": "x", "text": "A rendszer most nem érhető el."},
                                        *_question(offer, "yes_no", offer="person")]
    call = call_phone(app=app)
    call.dial()
    call.say("kérek új kódot")
    assert call.enqueue is None and offer in call.text() and call.gather.attrib["speechTimeout"] == "1"
