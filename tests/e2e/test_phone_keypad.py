"""The keypad line end to end over real HTTP on a live gateway, both languages: the recorded answers
(S4-S7, S9, S11), a person (escalation, queue, waiting, a message, the agent), status outcomes."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.fixtures.phone_driver import AGENT_PIN, agent_with_pin

FACTS = {
    "hu": {"1": "5 napig", "2": "nem azonos az egyszer használható aktiváló kóddal", "4": "okmányirodában",
           "5": "1 8 9"},
    "en": {"1": "5 days", "2": "not the one-time activation code", "4": "document office", "5": "1 8 9"},
}


@pytest.fixture
def line(phone_line_factory):
    return phone_line_factory(IVR={"queue_message_after": 60})


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_keypad_menu_answers_every_topic_and_repeats(line, lang):
    call = line.call()
    call.dial()
    if lang == "en":
        call.press("9")
    for key, fact in FACTS[lang].items():
        call.press(key)
        assert fact in call.text(), key
        call.press("*")
        assert fact in call.text()
        call.press("#")
    call.hang_up(90)
    from ivr.models import PhoneCall
    from gateway import sessions_of

    with sessions_of(line.app)() as session:
        assert session.get(PhoneCall, call.call_sid).outcome == "solved_by_bot"


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_caller_waits_leaves_a_message_and_an_agent_hears_the_case(line, lang):
    from agents.models import Escalation
    from gateway import sessions_of
    from ivr.models import PhoneCall

    call = line.call(caller="+36 70 555 1234")
    call.dial()
    if lang == "en":
        call.press("9")
    call.press("2")
    call.press("0")
    assert call.enqueue.text == f"helpdesk-{lang}"
    wait = call.wait_in_queue(position=1, average=90, waited=20)
    assert wait.find("Pause") is not None and wait.says
    agent = line.call(caller="+3611111111")
    summary = agent.ring_agent_line(agent_with_pin(line.app), AGENT_PIN, lang)  # caller ID alone proves nothing
    assert summary.find("Dial/Queue").text == f"helpdesk-{lang}"
    assert ("belépési tanácsok" if lang == "hu" else "login advice") in " ".join(summary.says)
    assert call.wait_in_queue(waited=61).find("Leave") is not None
    call.leave_queue("leave")
    call.press("1")
    call.leave_message(20)
    assert call.last.find("Hangup") is not None
    call.hang_up(140)
    with sessions_of(line.app)() as session:
        escalation = session.scalar(select(Escalation).where(Escalation.conversation_id == call.call_sid))
        stored = session.get(PhoneCall, call.call_sid)
    assert escalation.status == "callback" and escalation.language == lang
    assert stored.outcome == "left_message" and stored.duration_seconds == 140


def test_caller_who_hangs_up_in_the_menu_is_recorded_as_hung_up(line):
    from gateway import sessions_of
    from ivr.models import PhoneCall

    call = line.call()
    call.dial()
    call.hang_up(4)
    with sessions_of(line.app)() as session:
        assert session.get(PhoneCall, call.call_sid).outcome == "hung_up"
