"""A person: escalation, the queue of the caller's language, waiting, leaving a message, the agent's line."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.fixtures.phone_driver import AGENT_PIN, agent_with_pin, say_texts


def _escalation(app, phone_db, call_sid):
    from agents.models import Escalation

    with phone_db(app) as session:
        return session.scalar(select(Escalation).where(Escalation.conversation_id == call_sid))


@pytest.mark.parametrize("lang, queue", [("hu", "helpdesk-hu"), ("en", "helpdesk-en")])
def test_pressing_0_creates_the_escalation_and_queues_in_the_callers_language(phone_app, call_phone, phone_db,
                                                                               lang, queue):
    call = call_phone(caller="+36 20 234 5678")
    call.dial()
    if lang == "en":
        call.press("9")
    call.press("1")
    call.press("0")
    enqueue = call.enqueue
    assert enqueue.text == queue
    escalation = _escalation(phone_app, phone_db, call.call_sid)
    assert enqueue.attrib["waitUrl"].endswith(f"/voice/queue-wait?lang={lang}&case={escalation.id}")
    assert "/voice/queue-done?step=" in enqueue.attrib["action"]
    escalation = _escalation(phone_app, phone_db, call.call_sid)
    assert (escalation.channel, escalation.language, escalation.reason) == ("phone", lang, "caller_pressed_0")
    assert escalation.caller_number_masked == "+36 20 *** **78"
    assert "activation_help" in escalation.tried
    assert any(turn["role"] == "bot" for turn in escalation.transcript)
    reference_spoken = " ".join(escalation.reference.replace("-", ""))
    assert reference_spoken.replace(" ", "") in call.text().replace(" ", "").replace(",", "")


@pytest.mark.parametrize("lang, position_text, wait_text", [
    ("hu", "Ön a 3. helyen áll a sorban.", "körülbelül 4 perc"),
    ("en", "You are number 3 in the queue.", "about 4 minutes"),
])
def test_waiting_caller_without_a_case_hears_twilios_position_and_wait_in_their_language(call_phone, lang, position_text,
                                                                                         wait_text):
    """The fallback: no case in the wait URL (the database never stored one), so Twilio's figures
    (the help desk's own expected wait: tests/integration/ivr/test_ivr_expected_wait.py)."""
    call = call_phone()
    call.dial()
    if lang == "en":
        call.press("9")
    call.press("0")
    url = call.enqueue.attrib["waitUrl"].split("&case=")[0]
    wait = call.post(url, {"QueuePosition": "3", "AvgQueueTime": "200", "QueueTime": "30"}, record=False)
    says = wait.says
    assert position_text in says and any(wait_text in s for s in says)
    assert wait.find("Pause") is not None and wait.find("Leave") is None
    assert {s.attrib["language"] for s in wait.root.iter("Say")} == {"hu-HU" if lang == "hu" else "en-GB"}


def test_queue_wait_survives_garbage_parameters(call_phone):
    call = call_phone()
    call.dial()
    call.press("0")
    answer = call.post(call.enqueue.attrib["waitUrl"], {"QueuePosition": "soon", "AvgQueueTime": "-5"}, record=False)
    assert answer.status == 200 and answer.find("Pause") is not None


def test_after_the_set_time_the_caller_can_leave_a_message_and_a_callback_ticket_is_made(phone_app_factory,
                                                                                        call_phone, phone_db):
    from agents.models import Escalation
    from ivr.models import CallbackTicket, PhoneCall

    app = phone_app_factory(IVR={"queue_message_after": 60})
    call = call_phone(app=app)
    call.dial()
    call.press("0")
    assert call.wait_in_queue(waited=30).find("Leave") is None
    leave = call.wait_in_queue(waited=61)
    assert leave.find("Leave") is not None and "üzenetet hagy" in " ".join(leave.says)
    call.leave_queue("leave")
    assert call.gather.attrib["action"].split("?")[0].endswith("/voice/queue-choice")
    call.press("1")
    record = call.last.find("Record")
    assert record is not None and record.attrib["finishOnKey"] == "#"
    assert record.attrib["recordingStatusCallback"].endswith("/voice/recording-status")
    call.leave_message(seconds=17)
    assert call.last.find("Hangup") is not None and "visszahívjuk" in call.text()
    call.hang_up(duration=300)
    with phone_db(app) as session:
        ticket = session.scalar(select(CallbackTicket).where(CallbackTicket.call_sid == call.call_sid))
        escalation = session.scalar(select(Escalation).where(Escalation.conversation_id == call.call_sid))
        stored = session.get(PhoneCall, call.call_sid)
    assert ticket.callback_number == call.caller and ticket.recording_seconds == 17
    assert ticket.recording_url.startswith("https://api.twilio.com/")
    assert escalation.status == "callback" and escalation.recording_url == ticket.recording_url
    assert stored.outcome == "left_message"


def test_silence_at_the_message_offer_still_records_and_no_recording_still_makes_a_ticket(phone_app, call_phone,
                                                                                         phone_db):
    from ivr.models import CallbackTicket

    call = call_phone()
    call.dial()
    call.press("0")
    call.leave_queue("queue-full")
    assert "foglalt" in call.text()
    call.silence()
    record = call.last.find("Record")
    assert record is not None
    # Nothing said: Twilio skips the Record action and follows the Redirect after it.
    call._follow(call.post(call.last.find("Redirect").text, {}))
    assert call.last.find("Hangup") is not None
    with phone_db(phone_app) as session:
        ticket = session.scalar(select(CallbackTicket).where(CallbackTicket.call_sid == call.call_sid))
    assert ticket is not None and ticket.recording_url is None and ticket.escalation_id


def test_recording_status_callback_attaches_the_recording_once(phone_app, call_phone, phone_db):
    from ivr.models import CallbackTicket

    call = call_phone()
    call.dial()
    call.press("0")
    call.leave_queue("leave")
    call.press("1")
    call._follow(call.post(call.last.find("Redirect").text, {}))
    url = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1"
    for _ in range(2):
        assert call.post("/voice/recording-status", {"RecordingStatus": "completed", "RecordingUrl": url,
                                                     "RecordingSid": "RE1"}).status == 204
    with phone_db(phone_app) as session:
        ticket = session.scalar(select(CallbackTicket).where(CallbackTicket.call_sid == call.call_sid))
    assert ticket.recording_url == url and ticket.recording_sid == "RE1"


def test_choosing_to_wait_on_puts_the_caller_back_in_the_same_queue_with_one_escalation(phone_app, call_phone,
                                                                                        phone_db):
    from agents.models import Escalation

    call = call_phone()
    call.dial()
    call.press("9")
    call.press("0")
    call.leave_queue("leave")
    call.press("2")
    assert call.enqueue.text == "helpdesk-en"
    with phone_db(phone_app) as session:
        assert len(session.scalars(select(Escalation)).all()) == 1


def test_bridged_caller_is_asked_for_a_rating_then_thanked_and_hung_up(call_phone):
    call = call_phone()
    call.dial()
    call.press("0")
    call.leave_queue("bridged")
    assert call.gather is not None and call.last.find("Hangup") is None  # the CSAT prompt (docs/agents.md)
    call.silence()
    assert call.last.find("Hangup") is not None


def _agent(call_phone, app=None, lang=None, number="+3611111111"):
    """An agent rings the agent line from ``number`` and keys in agent number and PIN."""
    agent = call_phone(app=app, caller=number)
    from agents.models import AgentAccount
    from gateway import sessions_of

    app = app or agent.transport.client.application
    with sessions_of(app)() as session:
        existing = session.scalar(select(AgentAccount.id).where(AgentAccount.username == "anna"))
    agent_number = str(existing) if existing else agent_with_pin(app)
    return agent, agent.ring_agent_line(agent_number, AGENT_PIN, lang)


def test_agent_hears_the_case_summary_and_is_connected_to_the_longest_waiting_caller(phone_app, call_phone, phone_db):
    first, second = call_phone(), call_phone()
    for caller, key in ((first, "1"), (second, "2")):
        caller.dial()
        caller.press(key)
        caller.press("0")
    agent, answer = _agent(call_phone)
    summary = " ".join(answer.says)
    escalation = _escalation(phone_app, phone_db, first.call_sid)
    assert "magyar" in summary and "a hívó ügyintézőt kért" in summary and "aktiválási tájékoztató" in summary
    assert " ".join(escalation.reference.split("-")[1]) in summary
    queue = answer.find("Dial/Queue")
    assert queue.text == "helpdesk-hu" and queue.attrib["url"].endswith("/voice/agent-connect")
    # Twilio dequeues the first caller and fetches the Queue url on their leg.
    connected = first.post(queue.attrib["url"], {"DequeingCallSid": agent.call_sid, "QueueTime": "40"}, record=False)
    assert connected.status == 200 and connected.says
    _, next_answer = _agent(call_phone)
    assert "belépési tanácsok" in " ".join(next_answer.says)  # the second caller's case now


def test_agent_language_decides_which_queue_is_served_first(call_phone):
    hu_caller, en_caller = call_phone(), call_phone()
    hu_caller.dial(); hu_caller.press("0")
    en_caller.dial(); en_caller.press("9"); en_caller.press("0")
    _, answer = _agent(call_phone, lang="en")
    assert answer.find("Dial/Queue").text == "helpdesk-en"
    assert "Caller in English" in " ".join(answer.says)
    _, answer = _agent(call_phone)
    assert answer.find("Dial/Queue").text == "helpdesk-hu"


def test_agent_with_nobody_waiting_is_told_so(call_phone):
    _, answer = _agent(call_phone)
    assert answer.find("Dial") is None and answer.find("Hangup") is not None
    assert "senki" in " ".join(answer.says)


def test_only_listed_agent_numbers_may_take_callers(phone_app_factory, call_phone):
    app = phone_app_factory(IVR={"agent_numbers": "+3611111111"})
    caller = call_phone(app=app)
    caller.dial(); caller.press("0")
    _, refused = _agent(call_phone, app=app, number="+3619999999")
    assert refused.find("Dial") is None and refused.find("Hangup") is not None
    _, allowed = _agent(call_phone, app=app, number="+36 1 111 1111")
    assert allowed.find("Dial/Queue") is not None  # a listed number still keys in the PIN (_agent)


def test_fallback_queue_leave_message_works_for_a_call_the_database_never_saw(phone_app, call_phone, phone_db):
    from ivr.models import CallbackTicket

    call = call_phone()
    answer = call.post("/voice/fallback", {})
    assert say_texts(answer.root)
    call.leave_queue("leave")
    call.press("1")
    call.leave_message()
    with phone_db(phone_app) as session:
        ticket = session.scalar(select(CallbackTicket).where(CallbackTicket.call_sid == call.call_sid))
    assert ticket is not None and ticket.escalation_reference


def test_caller_is_queued_even_when_the_escalation_cannot_be_stored(phone_app, call_phone, monkeypatch):
    from agents import escalations

    def broken(session, payload):
        raise RuntimeError("escalation store unavailable")

    monkeypatch.setattr(escalations, "create_or_get_escalation", broken)
    call = call_phone()
    call.dial()
    call.press("0")
    assert call.enqueue is not None and "Kapcsolom az ügyintézőt." in call.says


def test_console_case_follows_the_call_connected_then_ended(phone_app, call_phone, phone_db):
    call = call_phone()
    call.dial()
    call.press("0")
    assert _escalation(phone_app, phone_db, call.call_sid).status == "waiting"
    agent, answer = _agent(call_phone)
    call.post(answer.find("Dial/Queue").attrib["url"], {"DequeingCallSid": agent.call_sid}, record=False)
    assert _escalation(phone_app, phone_db, call.call_sid).status == "claimed"
    call.leave_queue("bridged")
    call.hang_up(200)
    escalation = _escalation(phone_app, phone_db, call.call_sid)
    assert (escalation.status, escalation.outcome) == ("closed", "phone_call_completed")


def test_caller_hanging_up_in_the_queue_closes_the_case_but_a_message_keeps_it_open(phone_app, call_phone, phone_db):
    gone = call_phone()
    gone.dial()
    gone.press("0")
    gone.leave_queue("hangup")
    gone.hang_up(50)
    assert _escalation(phone_app, phone_db, gone.call_sid).outcome == "caller_hung_up_waiting"
    message = call_phone()
    message.dial()
    message.press("0")
    message.leave_queue("leave")
    message.press("1")
    message.leave_message()
    message.hang_up(90)
    assert _escalation(phone_app, phone_db, message.call_sid).status == "callback"


def test_every_call_is_counted_once_from_its_start_and_end_events(phone_app, call_phone, phone_db):
    from agents.models import ConversationEvent

    call = call_phone()
    call.dial()
    call.press("9")
    call.hang_up(30)
    call.hang_up(30)  # Twilio retries the status callback
    with phone_db(phone_app) as session:
        events = session.scalars(select(ConversationEvent).where(ConversationEvent.conversation_id == call.call_sid)
                                 .order_by(ConversationEvent.id)).all()
    assert [(e.kind, e.channel, e.language) for e in events] == [("started", "phone", "hu"), ("ended", "phone", "en")]


def test_the_console_reads_the_call_state_from_the_case_queued_connected_ended(phone_app, call_phone, phone_db):
    from agents import escalations

    call = call_phone()
    call.dial()
    call.press("0")
    case = _escalation(phone_app, phone_db, call.call_sid)
    states = []
    with phone_db(phone_app) as session:
        states.append(escalations.call_states(session, [case.id])[case.id])
    agent, answer = _agent(call_phone)
    call.post(answer.find("Dial/Queue").attrib["url"], {"DequeingCallSid": agent.call_sid}, record=False)
    with phone_db(phone_app) as session:
        states.append(escalations.call_states(session, [case.id])[case.id])
    call.leave_queue("bridged")
    call.hang_up(120)
    with phone_db(phone_app) as session:
        states.append(escalations.call_states(session, [case.id])[case.id])
    assert states == ["queued", "connected", "ended"]
