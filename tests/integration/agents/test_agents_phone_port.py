"""The phone line's port (agents/phone_port.py): primitives in, its own transaction, idempotent on the
call, the call's state as events of the case, statistics events of every call, and a database
failure reported as PortUnavailable (the caller is queued all the same)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from agents import phone_port
from agents.models import AuditEntry, ConversationEvent, Escalation

CALL = dict(call_sid="CA100", language="hu", reason="user_asked",
            transcript=[{"role": "user", "text": "a kódom ABCD1234EF nem jó, kiss.pista@gmail.com", "at": None}],
            tried=["request_new_code"], diagnosis={"note": "jelszó: Titok123!"},
            caller_number_masked="+36301234512")


def _stored(app, escalation_id):
    from gateway import sessions_of

    with sessions_of(app)() as s:
        return s.get(Escalation, escalation_id)


def _actions(app, escalation_id):
    from gateway import sessions_of

    with sessions_of(app)() as s:
        return [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.escalation_id == escalation_id)
                                            .order_by(AuditEntry.id))]


def test_the_same_call_opens_one_case(gateway_app):
    with gateway_app.app_context():
        first = phone_port.open_case(**CALL)
        again = phone_port.open_case(**CALL)
    assert first == again and first.reference.startswith("HD-")
    stored = _stored(gateway_app, first.id)
    assert (stored.idempotency_key, stored.channel, stored.conversation_id) == ("phone:CA100", "phone", "CA100")


def test_a_phone_case_stores_nothing_in_clear(gateway_app):
    with gateway_app.app_context():
        case = phone_port.open_case(**CALL)
    stored = _stored(gateway_app, case.id)
    text = stored.transcript[0]["text"]
    assert "ABCD1234EF" not in text and "kiss.pista@gmail.com" not in text
    assert "Titok123!" not in str(stored.diagnosis)
    assert stored.caller_number_masked == "+36 30 *** **12"


def test_call_events_follow_the_case_and_close_it(gateway_app):
    with gateway_app.app_context():
        case = phone_port.open_case(**CALL)
        phone_port.call_queued(case.id)
        phone_port.call_connected(case.id)
        assert _stored(gateway_app, case.id).status == "claimed"
        phone_port.call_ended(case.id, "solved")
    stored = _stored(gateway_app, case.id)
    assert (stored.status, stored.outcome) == ("closed", "solved")
    assert _actions(gateway_app, case.id) == ["escalation_created", "phone_queued", "phone_connected", "phone_ended"]


def test_a_callback_request_turns_the_case_into_a_ticket(gateway_app):
    with gateway_app.app_context():
        case = phone_port.open_case(**CALL)
        phone_port.callback_requested(case.id, "https://api.twilio.com/rec/RE1")
    stored = _stored(gateway_app, case.id)
    assert (stored.status, stored.recording_url) == ("callback", "https://api.twilio.com/rec/RE1")


def test_call_events_are_statistics_events_recorded_once(gateway_app):
    from gateway import sessions_of

    with gateway_app.app_context():
        phone_port.record_call_event("CA200", "en", "started")
        phone_port.record_call_event("CA200", "en", "started")  # a replayed webhook
        phone_port.record_call_event("CA200", "en", "topic", "code_expired")
        phone_port.record_call_event("CA200", "en", "ended")
    with sessions_of(gateway_app)() as s:
        events = [(e.channel, e.language, e.kind, e.detail) for e in s.scalars(select(ConversationEvent))]
    assert events == [("phone", "en", "started", ""), ("phone", "en", "topic", "code_expired"),
                      ("phone", "en", "ended", "")]


def test_an_unknown_case_or_a_bad_value_is_port_unavailable(gateway_app):
    with gateway_app.app_context():
        with pytest.raises(phone_port.PortUnavailable):
            phone_port.callback_requested("no-such-case", None)
        with pytest.raises(phone_port.PortUnavailable):
            phone_port.open_case(**{**CALL, "reason": "Not A Code"})
        with pytest.raises(phone_port.PortUnavailable):
            phone_port.record_call_event("CA300", "hu", "dialled")


def test_a_database_that_is_gone_is_port_unavailable(gateway_app):
    from sqlalchemy import text

    from gateway import sessions_of

    with sessions_of(gateway_app)() as s:
        s.execute(text("DROP TABLE agents_audit"))
        s.commit()
    with gateway_app.app_context(), pytest.raises(phone_port.PortUnavailable):
        phone_port.call_queued("some-case")


def test_the_port_never_commits_the_callers_session(gateway_app):
    """A caller's uncommitted write is neither committed nor rolled back by a port call."""
    from gateway import sessions_of

    with gateway_app.app_context():
        case = phone_port.open_case(**CALL)
        with sessions_of(gateway_app)() as mine:
            mine.add(ConversationEvent(conversation_id="mine", channel="phone", language="hu", kind="started"))
            mine.flush()
            mine.commit()  # the caller commits its own pending writes first (one SQLite writer)
            mine.add(ConversationEvent(conversation_id="pending", channel="phone", language="hu", kind="started"))
            phone_port.record_call_event("CA400", "hu", "started")
            mine.rollback()
    with sessions_of(gateway_app)() as s:
        ids = {e.conversation_id for e in s.scalars(select(ConversationEvent))}
    assert ids == {"mine", "CA400"} and case.id
