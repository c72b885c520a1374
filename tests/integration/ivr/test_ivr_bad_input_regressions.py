"""What the Twilio webhook fuzz (tests/reliability/test_fuzz_twilio_webhooks.py, issue #12) found on the
phone line, each test named after the input that broke it. The blueprint's catch-all hid both: the
caller heard the fallback apology (or the call went on) and only the log showed the exception."""
from __future__ import annotations

import logging
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sqlalchemy import select

from tests.fixtures.phone_driver import agent_with_pin


def _tracebacks(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]


@pytest.mark.parametrize("figure", ["inf", "-inf", "1e999", "Infinity", "nan"])
def test_queue_wait_with_queue_time_inf_says_the_wait_not_the_fallback(phone_app, call_phone, caplog, figure):
    """QueueTime/QueuePosition/AvgQueueTime "inf" (float() takes it, int() of it raised OverflowError):
    the waiting caller heard the fallback's apology and was queued again; now the figure is no count."""
    from ivr.prompts import catalogue

    caller = call_phone()
    answer = caller.post("/voice/queue-wait?lang=hu", {"QueuePosition": figure, "AvgQueueTime": figure,
                                                      "QueueTime": figure})
    assert answer.status == 200
    said = " ".join(answer.says)
    assert catalogue("hu").text("queue_hold") in said
    assert catalogue("hu").text("fallback") not in said and answer.find("Enqueue") is None
    assert answer.find("Pause") is not None
    assert _tracebacks(caplog) == []


def test_a_message_left_with_recording_duration_inf_keeps_its_call_back_ticket(phone_app, call_phone, phone_db,
                                                                               caplog):
    """RecordingDuration "inf" on the <Record> action raised OverflowError before the ticket was stored:
    the message was lost and the caller heard the fallback; now the ticket is kept without a duration."""
    from ivr.models import CallbackTicket, PhoneCall

    caller = call_phone()
    caller.dial()
    with phone_db(phone_app) as session:  # where the message prompt leaves a call (key 0, nobody came)
        session.get(PhoneCall, caller.call_sid).state = "record"
        session.commit()
    url = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1"
    answer = caller.post("/voice/recorded?step=fuzz", {"RecordingUrl": url, "RecordingDuration": "inf",
                                                        "RecordingSid": "RE1"})
    assert answer.status == 200 and answer.find("Hangup") is not None
    with phone_db(phone_app) as session:
        ticket = session.scalar(select(CallbackTicket).where(CallbackTicket.call_sid == caller.call_sid))
    assert ticket is not None and ticket.recording_url == url and ticket.recording_seconds is None
    assert _tracebacks(caplog) == []


@pytest.mark.parametrize("digits, carried", [("²", "-"), ("١٢", "-"), ("１２", "-"), ("߁", "-"), ("1²", "1"),
                                             ("٣7", "7")])
def test_agent_number_keyed_as_superscript_two_is_not_carried_to_the_pin_step(phone_app, call_phone, digits, carried):
    """Digits "²" (or "١٢", "１２", "߁") on the agent number: str.isdigit() took them, so the look-alike
    rode in the signed PIN URL (and into the PIN check's audit); only the keypad's 0-9 are kept now."""
    agent = call_phone()
    agent.post("/voice/agent", {})
    answer = agent.press(digits)
    action = answer.find("Gather").attrib["action"]
    assert parse_qs(urlsplit(action).query)["agent"] == [carried]


@pytest.mark.parametrize("attempt", ["٣", "١", "߁", "²", "-1", ""])
def test_pin_step_with_attempt_in_arabic_indic_digits_counts_as_the_last_try(phone_app, call_phone, attempt):
    """attempt=١ (int() takes Arabic-Indic digits, the line only ever writes 1-3): a wrong PIN then asks
    again; any value the line did not write counts as the last try (refused, goodbye)."""
    number = agent_with_pin(phone_app)
    agent = call_phone()
    answer = agent.post(f"/voice/agent/pin?lang=hu&agent={number}&attempt={quote(attempt)}", {"Digits": "000000"})
    assert answer.status == 200
    assert answer.find("Hangup") is not None and answer.find("Gather") is None


def test_pin_step_with_attempt_1_still_asks_again(phone_app, call_phone):
    """The line's own attempt=1: a wrong PIN is asked again, as the second of the three tries a call."""
    number = agent_with_pin(phone_app)
    agent = call_phone()
    answer = agent.post(f"/voice/agent/pin?lang=hu&agent={number}&attempt=1", {"Digits": "000000"})
    action = urlsplit(answer.find("Gather").attrib["action"])
    assert action.path == "/voice/agent/number" and parse_qs(action.query)["attempt"] == ["2"]
