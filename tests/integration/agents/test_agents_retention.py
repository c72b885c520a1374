"""Retention and erasure (GDPR): the purge deletes exactly what is past its period in every store
(the app's database and Rasa's tracker store), --dry-run deletes nothing, and an erasure request for
one phone number or one username leaves no row of that subject anywhere, with an audit entry that
names kinds and counts only."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from agents import retention
from agents.models import AuditEntry, ConversationEvent, CsatRating, Escalation, EscalationMessage
from gateway import sessions_of
from ivr.models import CallbackTicket, PhoneCall, PhoneLimit, PhoneTurn
from kernel.clock import utcnow
from kernel.privacy import keyed_digest

# The columns of Rasa 3.6's SQLTrackerStore ``events`` table (rasa/core/tracker_store.py).
RASA_EVENTS = ("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
               "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
               "action_name VARCHAR(255), data TEXT)")
NOW = utcnow()
NUMBER, OTHER_NUMBER = "+36301234567", "+36209876543"


def _days(n: float):
    return NOW - timedelta(days=n)


@pytest.fixture
def tracker_url(tmp_path):
    url = f"sqlite:///{tmp_path}/tracker.db"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(RASA_EVENTS))
    engine.dispose()
    return url


def _add_tracker(url, sender, age_days, n=3):
    engine = create_engine(url)
    with engine.begin() as conn:
        for i in range(n):
            conn.execute(text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, 'user', :t, :d)"),
                         {"s": sender, "t": _days(age_days).timestamp() + i, "d": json.dumps({"text": "hi"})})
    engine.dispose()


def _senders(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        found = sorted({row[0] for row in conn.execute(text("SELECT sender_id FROM events"))})
    engine.dispose()
    return found


def _conversation(session, conv, channel, age_days, *, status="closed", key=None, number=None, n=[0]):
    """One whole conversation of every kind, all ``age_days`` old."""
    n[0] += 1
    at = _days(age_days)
    case = Escalation(reference=f"R{n[0]:06d}", idempotency_key=f"{channel}:{conv}", channel=channel,
                      conversation_id=conv, language="hu", reason="agent_requested", status=status,
                      created_at=at, closed_at=None if status != "closed" else at, updated_at=at,
                      recording_url="https://api.twilio.com/rec/RE1" if channel == "phone" else None)
    session.add(case)
    session.flush()
    session.add(EscalationMessage(escalation_id=case.id, sender="user", text="szia", created_at=at))
    session.add(AuditEntry(actor="system", action="escalation_created", escalation_id=case.id, at=at, detail={}))
    session.add(ConversationEvent(conversation_id=conv, channel=channel, kind="started", at=at, contact_key=key))
    session.add(CsatRating(conversation_key=f"{channel}:{conv}", conversation_id=conv, channel=channel,
                           rating=4, at=at))
    if channel == "phone":
        session.add(PhoneCall(call_sid=conv, started_at=at, ended_at=at, caller_number_masked="+3630***67"))
        session.add(PhoneTurn(call_sid=conv, step="voice", created_at=at))
        session.add(CallbackTicket(call_sid=conv, language="hu", callback_number=number, created_at=at,
                                   recording_url="https://api.twilio.com/rec/RE1"))
    return case


def _rows(session):
    """Rows per table, for every store of the app's database."""
    tables = (Escalation, EscalationMessage, AuditEntry, ConversationEvent, CsatRating, PhoneCall, PhoneTurn,
              CallbackTicket, PhoneLimit)
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in tables}


def _settings(tracker_url):
    return retention.RetentionSettings.from_env({"AGENTS_RASA_TRACKER_URL": tracker_url})


def test_purge_removes_exactly_what_is_past_its_period_in_every_store(gateway_app, tracker_url):
    settings = _settings(tracker_url)
    with sessions_of(gateway_app)() as session:
        # Phone turns are kept 7 days, calls/transcripts/tickets 90, events and CSAT 400, audit 730.
        _conversation(session, "CAold", "phone", 91)        # past 90: case, call, ticket, turn go
        _conversation(session, "CAfresh", "phone", 6)       # within every period: all stay
        _conversation(session, "CAmid", "phone", 30)        # only its replay turn (7 days) goes
        _conversation(session, "chat-old", "web", 401)      # past 400: events and CSAT go too
        _conversation(session, "chat-open", "web", 200, status="waiting")  # an open case stays
        # A call-back case still open after 120 days: the case stays, its call, ticket and voicemail go.
        _conversation(session, "CAwaiting", "phone", 120, status="callback")
        session.add(PhoneLimit(key="pin:abc", window_start=_days(3), count=2))
        session.add(PhoneLimit(key="pin:def", window_start=_days(1), count=1))
        session.add(AuditEntry(actor="anna", action="login", at=_days(731), detail={}))
        session.commit()
    for sender, age in (("CAold", 31), ("CAfresh", 29), ("chat-old", 400)):
        _add_tracker(tracker_url, sender, age)

    with sessions_of(gateway_app)() as session:
        before = _rows(session)
        dry = retention.purge(session, settings, dry_run=True, now=NOW)
        assert _rows(session) == before, "--dry-run deleted something"
    assert _senders(tracker_url) == ["CAfresh", "CAold", "chat-old"]
    assert dry.counts["transcripts"] == 2 and dry.counts["rasa_trackers"] == 2

    with sessions_of(gateway_app)() as session:
        report = retention.purge(session, settings, now=NOW)
        assert report.counts == dry.counts
        assert report.counts == {
            "chat_messages": 2, "transcripts": 2, "phone_calls": 2, "phone_turns": 3, "callback_tickets": 2,
            "voicemail_refs": 1, "phone_limits": 1, "conversation_events": 1, "csat": 1,
            "audit": 1, "rasa_trackers": 2}
        cases = set(session.scalars(select(Escalation.conversation_id)))
        assert cases == {"CAfresh", "CAmid", "chat-open", "CAwaiting"}
        assert session.scalar(select(Escalation.recording_url).where(Escalation.conversation_id == "CAwaiting")) is None
        assert set(session.scalars(select(PhoneCall.call_sid))) == {"CAfresh", "CAmid"}
        assert set(session.scalars(select(PhoneTurn.call_sid))) == {"CAfresh"}
        assert set(session.scalars(select(CallbackTicket.call_sid))) == {"CAfresh", "CAmid"}
        assert set(session.scalars(select(ConversationEvent.conversation_id))) == {"CAold", "CAfresh", "CAmid", "chat-open", "CAwaiting"}
        assert set(session.scalars(select(CsatRating.conversation_id))) == {"CAold", "CAfresh", "CAmid", "chat-open", "CAwaiting"}
        assert set(session.scalars(select(PhoneLimit.key))) == {"pin:def"}
        # The audit trail keeps 730 days (the cases' own entries stay): the login past it goes; the
        # purge's own entry says counts only.
        assert session.scalar(select(func.count()).where(AuditEntry.action == "login")) == 0
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "retention_purge"))
        assert entry.detail["counts"] == report.counts
    assert _senders(tracker_url) == ["CAfresh"]


def test_an_erasure_request_leaves_no_row_of_that_phone_number_anywhere(gateway_app, tracker_url):
    secret = gateway_app.config["SECRET_KEY"]
    key = keyed_digest(secret, "ivr-caller", NUMBER)
    other = keyed_digest(secret, "ivr-caller", OTHER_NUMBER)
    with sessions_of(gateway_app)() as session:
        _conversation(session, "CAsubj1", "phone", 1, key=key, number=NUMBER)
        _conversation(session, "CAsubj2", "phone", 40, key=key, number=None)
        _conversation(session, "CAnokey", "phone", 2, key=None, number=NUMBER)  # withheld digest, but the ticket's number
        _conversation(session, "CAother", "phone", 1, key=other, number=OTHER_NUMBER)
        session.add(PhoneLimit(key=f"newcode:{key}", window_start=NOW, count=1))
        session.commit()
    for sender in ("CAsubj1", "CAsubj2", "CAnokey", "CAother"):
        _add_tracker(tracker_url, sender, 1)

    with sessions_of(gateway_app)() as session:
        report = retention.erase_subject(session, _settings(tracker_url), secret, phone="06 30 123 4567")
        assert report.counts["transcripts"] == 3 and report.counts["rasa_trackers"] == 9
        assert report.counts["phone_limits"] == 1
        for model, column in ((Escalation, Escalation.conversation_id), (ConversationEvent, ConversationEvent.conversation_id),
                              (CsatRating, CsatRating.conversation_id), (PhoneCall, PhoneCall.call_sid),
                              (PhoneTurn, PhoneTurn.call_sid), (CallbackTicket, CallbackTicket.call_sid)):
            assert set(session.scalars(select(column))) == {"CAother"}, model.__tablename__
        assert session.scalar(select(func.count()).select_from(CallbackTicket).where(CallbackTicket.callback_number == NUMBER)) == 0
        assert session.scalar(select(func.count()).select_from(ConversationEvent).where(ConversationEvent.contact_key == key)) == 0
        assert set(session.scalars(select(PhoneLimit.key))) == set()
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "subject_erased"))
        assert entry.detail == {"subject": "phone", "conversations": 3, "counts": report.counts}
        # What was erased, not what it contained, nor whose: no number, no digest, no call id.
        dumped = json.dumps(entry.detail)
        assert NUMBER not in dumped and key not in dumped and "CAsubj" not in dumped
        audit_cases = set(session.scalars(select(AuditEntry.escalation_id).where(AuditEntry.escalation_id.is_not(None))))
        assert len(audit_cases) == 1
    assert _senders(tracker_url) == ["CAother"]


def test_erasure_of_a_username_through_the_cli_and_dry_run_deletes_nothing(gateway_app, tracker_url):
    secret = gateway_app.config["SECRET_KEY"]
    key = keyed_digest(secret, "contact-account", "kovacs.anna")
    with sessions_of(gateway_app)() as session:
        _conversation(session, "web-subj", "web", 1, key=key)
        _conversation(session, "web-other", "web", 1, key=keyed_digest(secret, "contact-account", "nagy.bela"))
        session.commit()
    _add_tracker(tracker_url, "web-subj", 1)
    gateway_app.config["AGENTS_RASA_TRACKER_URL"] = tracker_url
    runner = gateway_app.test_cli_runner()

    dry = runner.invoke(args=["agents", "erase-subject", "--username", "Kovacs.Anna", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "transcripts          would delete 1" in dry.output
    assert _senders(tracker_url) == ["web-subj"]
    with sessions_of(gateway_app)() as session:
        assert session.scalar(select(func.count()).select_from(Escalation)) == 2

    done = runner.invoke(args=["agents", "erase-subject", "--username", "Kovacs.Anna"])
    assert done.exit_code == 0, done.output
    assert "kovacs" not in done.output.lower()
    with sessions_of(gateway_app)() as session:
        assert set(session.scalars(select(Escalation.conversation_id))) == {"web-other"}
        assert set(session.scalars(select(ConversationEvent.conversation_id))) == {"web-other"}
        assert set(session.scalars(select(CsatRating.conversation_id))) == {"web-other"}
        for table, rows in _every_row_as_text(session).items():
            assert not [row for row in rows if key in row or "web-subj" in row], f"{table} still holds the subject"
    assert _senders(tracker_url) == []

    both = runner.invoke(args=["agents", "erase-subject", "--username", "x", "--phone", "+36301234567"])
    assert both.exit_code != 0 and "exactly one" in both.output
    bad = runner.invoke(args=["agents", "erase-subject", "--phone", "hello"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_purge_command_prints_counts_per_kind_and_dry_run_deletes_nothing(gateway_app, tracker_url):
    with sessions_of(gateway_app)() as session:
        _conversation(session, "CAancient", "phone", 800)
        session.commit()
    gateway_app.config["AGENTS_RASA_TRACKER_URL"] = tracker_url
    runner = gateway_app.test_cli_runner()
    dry = runner.invoke(args=["agents", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "phone_calls          would delete 1" in dry.output
    with sessions_of(gateway_app)() as session:
        assert session.scalar(select(func.count()).select_from(PhoneCall)) == 1
    done = runner.invoke(args=["agents", "purge"])
    assert done.exit_code == 0, done.output
    assert "phone_calls          deleted 1" in done.output and "csat                 deleted 1" in done.output
    with sessions_of(gateway_app)() as session:
        assert session.scalar(select(func.count()).select_from(PhoneCall)) == 0
        assert session.scalar(select(func.count()).select_from(Escalation)) == 0


def test_retention_periods_come_from_the_settings_with_documented_defaults():
    defaults = retention.RetentionSettings.from_env({"AGENTS_RASA_TRACKER_URL": "-"})
    assert defaults.days["phone_turns"] == 7 and defaults.days["transcripts"] == 90
    assert defaults.days["rasa_trackers"] == 30 and defaults.days["audit"] == 730
    assert defaults.tracker_url is None
    custom = retention.RetentionSettings.from_env({"AGENTS_RETAIN_CALL_DAYS": "14", "AGENTS_RASA_TRACKER_URL": "-"})
    assert custom.days["phone_calls"] == 14
    with pytest.raises(retention.SettingsError):
        retention.RetentionSettings.from_env({"AGENTS_RETAIN_CSAT_DAYS": "0"})
    production = retention.RetentionSettings.from_env({"RASA_TRACKER_DB_NAME": "rasa", "RASA_TRACKER_DB_HOST": "db:5432",
                                                       "RASA_TRACKER_DB_PASSWORD": "p@ss"})
    assert production.tracker_url == "postgresql+psycopg://postgres:p%40ss@db:5432/rasa"


def test_a_supervisor_finds_and_erases_a_subject_in_the_console_and_an_agent_cannot(gateway_app, tracker_url, make_agent):
    from tests.fixtures.gateway_services import csrf_from, login

    secret = gateway_app.config["SECRET_KEY"]
    key = keyed_digest(secret, "ivr-caller", NUMBER)
    with sessions_of(gateway_app)() as session:
        _conversation(session, "CAconsole", "phone", 1, key=key, number=NUMBER)
        _conversation(session, "CAkeep", "phone", 1, key=keyed_digest(secret, "ivr-caller", OTHER_NUMBER))
        session.commit()
    _add_tracker(tracker_url, "CAconsole", 1)
    gateway_app.config["AGENTS_RASA_TRACKER_URL"] = tracker_url
    make_agent("vera", role="supervisor")
    make_agent("anna")

    agent = gateway_app.test_client()
    assert login(agent, "anna").status_code == 302
    assert agent.get("/agents/privacy").status_code == 403
    token = csrf_from(agent.get("/agents/").get_data(as_text=True))
    refused = agent.post("/agents/privacy/erase", data={"csrf_token": token, "kind": "phone", "value": NUMBER,
                                                        "step": "erase", "confirm": "yes"})
    assert refused.status_code == 403

    vera = gateway_app.test_client()
    assert login(vera, "vera").status_code == 302
    page = vera.get("/agents/privacy").get_data(as_text=True)
    token = csrf_from(page)
    found = vera.post("/agents/privacy/erase", data={"csrf_token": token, "kind": "phone", "value": "06301234567"})
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and 'id="privacy-found"' in html and "<td>transcripts</td><td>1</td>" in html
    with sessions_of(gateway_app)() as session:  # finding deleted nothing
        assert session.scalar(select(func.count()).select_from(Escalation)) == 2
    unconfirmed = vera.post("/agents/privacy/erase", data={"csrf_token": token, "kind": "phone",
                                                           "value": "06301234567", "step": "erase"})
    assert unconfirmed.status_code == 200 and 'id="privacy-found"' in unconfirmed.get_data(as_text=True)
    erased = vera.post("/agents/privacy/erase", data={"csrf_token": token, "kind": "phone", "value": "06301234567",
                                                      "step": "erase", "confirm": "yes"})
    html = erased.get_data(as_text=True)
    assert erased.status_code == 200 and 'id="privacy-erased"' in html and "06301234567" not in html
    with sessions_of(gateway_app)() as session:
        assert set(session.scalars(select(Escalation.conversation_id))) == {"CAkeep"}
        assert set(session.scalars(select(PhoneCall.call_sid))) == {"CAkeep"}
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "subject_erased"))
        assert entry.actor == "vera" and NUMBER not in json.dumps(entry.detail)
    assert _senders(tracker_url) == []
    bad = vera.post("/agents/privacy/erase", data={"csrf_token": token, "kind": "phone", "value": "not a number"})
    assert bad.status_code == 400
    forged = vera.post("/agents/privacy/erase", data={"kind": "phone", "value": NUMBER, "step": "erase", "confirm": "yes"})
    assert forged.status_code in (400, 403)


def test_env_example_documents_every_retention_period_with_its_default():
    import pathlib

    lines = (pathlib.Path(__file__).resolve().parents[3] / ".env.example").read_text().splitlines()
    shown = dict(line.split("=", 1) for line in lines if line.startswith("AGENTS_RETAIN_"))
    assert shown == {name: str(default) for name, default in retention.PERIODS.values()}


def _every_row_as_text(session):
    from gateway.db import Base

    return {table.name: [" ".join(str(v) for v in row) for row in session.execute(select(table))]
            for table in Base.metadata.sorted_tables}


def test_erasing_a_caller_after_real_calls_leaves_no_row_with_their_call_number_or_digest(
        phone_app_factory, call_phone, phone_db, tracker_url):
    """Two real calls through the phone line's signed webhooks (queue, voicemail, hang-up) from the
    subject and one from somebody else; after the erasure no table of the gateway's database holds the
    subject's call ids, number or caller digest, and the other caller's call is whole."""
    app = phone_app_factory(IVR={"queue_message_after": 60})
    app.config["AGENTS_RASA_TRACKER_URL"] = tracker_url
    subject, other = "+36 20 234 5678", "+36 30 765 4321"
    calls = {}
    for name, number in (("s1", subject), ("s2", subject), ("o", other)):
        call = call_phone(app=app, caller=number)
        call.dial()
        call.press("0")
        call.wait_in_queue(waited=61)
        call.leave_queue("leave")
        call.press("1")
        call.leave_message(seconds=5)
        call.hang_up(duration=90)
        calls[name] = call
        _add_tracker(tracker_url, call.call_sid, 0.01)
    digest = keyed_digest(app.config["SECRET_KEY"], "ivr-caller", "+36202345678")
    with phone_db(app) as session:
        before = _every_row_as_text(session)
    assert any(calls["s1"].call_sid in row for rows in before.values() for row in rows)
    assert any(subject in row for row in before["ivr_callback_tickets"])

    result = app.test_cli_runner().invoke(args=["agents", "erase-subject", "--phone", "06 20 234 5678"])
    assert result.exit_code == 0, result.output
    with phone_db(app) as session:
        after = _every_row_as_text(session)
    for table, rows in after.items():
        for row in rows:
            for needle in (calls["s1"].call_sid, calls["s2"].call_sid, subject, "+36202345678", digest):
                assert needle not in row, f"{table} still holds the subject"
    assert any(calls["o"].call_sid in row for row in after["ivr_calls"])
    assert any(calls["o"].call_sid in row for row in after["ivr_callback_tickets"])
    assert any(calls["o"].call_sid in row for row in after["agents_escalations"])
    assert _senders(tracker_url) == [calls["o"].call_sid]
