"""Outside the agents' working hours (kernel.hours): a caller who asks for a person hears when people
are back, in their language, and may leave a message to be called back (a call-back ticket) or go on
with the assistant, which answers 24/7 (S11); within the hours nothing changes."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from kernel.contracts import HandoffRequest

UTC = timezone.utc
HOURS = {"hours": "mon-fri 08:00-18:00", "holidays": "2026-12-25", "timezone": "Europe/Budapest"}
FRIDAY_EVENING = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)  # 19:30 in Budapest
CHRISTMAS_EVE_EVENING = datetime(2026, 12, 24, 19, 0, tzinfo=UTC)  # Thursday; Friday is a holiday
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Budapest


def _app(phone_app_factory, at, **kwargs):
    return phone_app_factory(IVR=HOURS, IVR_CLOCK=lambda: at, **kwargs)


def _stored(app, phone_db, call_sid):
    from agents.models import Escalation
    from ivr.models import CallbackTicket, PhoneCall

    with phone_db(app) as session:
        return (session.scalar(select(CallbackTicket).where(CallbackTicket.call_sid == call_sid)),
                session.scalar(select(Escalation).where(Escalation.conversation_id == call_sid)),
                session.get(PhoneCall, call_sid))


@pytest.mark.parametrize("lang, at, back, after", [
    ("hu", FRIDAY_EVENING, "Ügyintézőink hétfőn 8 órától érhetők el.", "Munkaidőben, hétfőn 8 órától visszahívjuk."),
    ("en", FRIDAY_EVENING, "Our agents are available on Monday from 8 am",
     "We will call you back during working hours, on Monday from 8 am"),
    ("hu", CHRISTMAS_EVE_EVENING, "Ügyintézőink hétfőn 8 órától érhetők el.", "hétfőn 8 órától visszahívjuk"),
])
def test_out_of_hours_pressing_0_says_when_people_are_back_and_takes_a_message(phone_app_factory, call_phone, phone_db,
                                                                               lang, at, back, after):
    app = _app(phone_app_factory, at)
    call = call_phone(app=app, caller="+36 30 987 6543")
    call.dial()
    if lang == "en":
        call.press("9")
    call.press("0")
    assert call.enqueue is None  # nobody would answer the queue
    assert back in call.text()
    assert "1 8 9" in call.text()  # the 24-hour customer line (S11) is still there
    assert call.gather.attrib["action"].split("?")[0].endswith("/voice/closed-choice")
    assert {s.attrib["language"] for s in call.last.root.iter("Say")} == {"hu-HU" if lang == "hu" else "en-GB"}
    call.press("1")
    assert call.last.find("Record") is not None
    call.leave_message(seconds=21)
    assert after in call.text() and call.last.find("Hangup") is not None
    call.hang_up(duration=90)
    ticket, escalation, stored = _stored(app, phone_db, call.call_sid)
    assert ticket.callback_number == call.caller and ticket.recording_seconds == 21
    assert escalation.status == "callback" and escalation.language == lang
    assert escalation.reason == "caller_pressed_0" and "out_of_hours" in escalation.tried
    assert any(back in t["text"] for t in escalation.transcript if t["role"] == "bot")  # the agent sees it was said
    assert stored.outcome == "left_message"


@pytest.mark.parametrize("lang, menu_words", [("hu", "Mondja el röviden"), ("en", "")])
def test_out_of_hours_the_caller_goes_on_with_the_assistant_which_still_answers(phone_app_factory, call_phone,
                                                                                phone_db, rasa_stand_in,
                                                                                lang, menu_words):
    app = _app(phone_app_factory, FRIDAY_EVENING, rasa_url=rasa_stand_in.url)
    answer = "Új kódot az Elfelejtett jelszó menüben kérhet." if lang == "hu" else "Ask for a new code under Forgotten password."
    rasa_stand_in.reply = lambda body: [{"recipient_id": "x", "text": answer}]
    call = call_phone(app=app)
    call.dial()
    if lang == "en":
        call.press("9")
    call.press("0")
    call.press("2")
    assert call.gather.attrib["action"].split("?")[0].endswith("/voice/menu")
    call.say("lejárt a kódom" if lang == "hu" else "my code expired")
    assert answer in call.text()
    assert rasa_stand_in.received[-1]["body"]["metadata"]["language"] == lang
    _ticket, escalation, _call = _stored(app, phone_db, call.call_sid)
    assert escalation is None  # nothing was left for the agents


def test_out_of_hours_the_assistants_handoff_goes_straight_to_the_message(phone_app_factory, call_phone, phone_db,
                                                                          rasa_stand_in):
    """The assistant's own offer already said when people are back and asked for a message: the caller
    said yes, so the recording starts, and the case keeps what the assistant found."""
    app = _app(phone_app_factory, FRIDAY_EVENING, rasa_url=rasa_stand_in.url)
    rasa_stand_in.reply = lambda body: [
        {"recipient_id": "x", "text": "Rendben, hagyjon üzenetet."},
        {"recipient_id": "x", "custom": HandoffRequest(reason="user_asked", tried=["request_new_code"],
                                                        diagnosis={"code": "expired"}).as_payload()}]
    call = call_phone(app=app)
    call.dial()
    call.say("igen, hagynék üzenetet")
    assert call.enqueue is None and call.last.find("Record") is not None
    call.leave_message(seconds=9)
    assert "hétfőn 8 órától visszahívjuk" in call.text()
    ticket, escalation, _call = _stored(app, phone_db, call.call_sid)
    assert ticket is not None and escalation.status == "callback"
    assert escalation.diagnosis == {"code": "expired"} and "request_new_code" in escalation.tried


def test_within_the_hours_pressing_0_queues_as_before(phone_app_factory, call_phone):
    app = _app(phone_app_factory, MONDAY_MORNING)
    call = call_phone(app=app)
    call.dial()
    call.press("0")
    assert call.enqueue is not None and call.enqueue.text == "helpdesk-hu"
    assert not any("érhetők el" in s for s in call.says)


def test_out_of_hours_an_unknown_key_reprompts_the_choice(phone_app_factory, call_phone):
    app = _app(phone_app_factory, FRIDAY_EVENING)
    call = call_phone(app=app)
    call.dial()
    call.press("0")
    call.press("7")
    assert call.gather.attrib["action"].split("?")[0].endswith("/voice/closed-choice")
    assert "Ha üzenetet hagy" in call.text()


def test_bad_working_hours_stop_the_phone_line_at_start(phone_app_factory):
    from gateway.settings import SettingsError

    with pytest.raises(SettingsError, match="'mon-fry' is not a day"):
        phone_app_factory(IVR={"hours": "mon-fry 08:00-18:00"})


@pytest.mark.parametrize("lang, back", [("hu", "Ügyintézőink hétfőn 8 órától érhetők el."),
                                        ("en", "Our agents are available on Monday from 8 am")])
def test_a_caller_still_waiting_at_closing_time_is_told_and_may_leave_a_message(phone_app_factory, call_phone,
                                                                                phone_db, lang, back):
    clock = {"now": datetime(2026, 12, 4, 16, 55, tzinfo=UTC)}  # Friday 17:55 in Budapest
    app = phone_app_factory(IVR=HOURS, IVR_CLOCK=lambda: clock["now"])
    call = call_phone(app=app)
    call.dial()
    if lang == "en":
        call.press("9")
    call.press("0")
    assert call.enqueue is not None and call.wait_in_queue(waited=20).find("Leave") is None
    clock["now"] = datetime(2026, 12, 4, 17, 1, tzinfo=UTC)  # 18:01: the hours are over
    wait = call.wait_in_queue(waited=380)
    assert wait.find("Leave") is not None and back in " ".join(wait.says)
    call.leave_queue("leave")
    assert call.gather.attrib["action"].split("?")[0].endswith("/voice/closed-choice")  # no "wait on" now
    call.press("1")
    call.leave_message(seconds=11)
    call.hang_up()
    ticket, escalation, _call = _stored(app, phone_db, call.call_sid)
    assert ticket is not None and escalation.status == "callback"
