"""The agent's reply carries an idempotency key (issue #12): the console's reply form holds a
``send_key`` made with the page; a second POST of the same send (the resend after a lost answer, or
the copy a hung gateway process carries out later) stores nothing and answers as the first did, also
when the two race; a malformed key is a 400 with a clear message, never a 500; no key (old pages,
scripts) is a new message each time."""
from __future__ import annotations

import re
import threading

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import event, func, inspect, select

from agents.models import AgentAccount, AuditEntry, EscalationMessage
from tests.fixtures.gateway_services import (create_escalation_via_api, csrf_from, login, make_gateway_app,
                                             sample_escalation)

JSON = {"Accept": "application/json"}


@pytest.fixture
def anna(console_app):
    """Agent Anna logged in to the console (a test client)."""
    from agents.accounts import create_agent
    from gateway import sessions_of
    from tests.fixtures.gateway_services import AGENT_PASSWORD

    with sessions_of(console_app)() as s:
        create_agent(s, "anna", AGENT_PASSWORD, "agent", "Anna")
    client = console_app.test_client()
    assert login(client, "anna").status_code == 302
    return client


@pytest.fixture
def annas_case(console_app, anna) -> str:
    return claimed_case(console_app, anna)


def claimed_case(app, agent, **overrides) -> str:
    esc = create_escalation_via_api(app.test_client(), **overrides)
    page = agent.get(f"/agents/escalations/{esc['id']}").get_data(as_text=True)
    assert agent.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf_from(page)}).status_code == 302
    return esc["id"]


def reply_form(agent, case: str) -> dict[str, str]:
    """The case page's reply form as the browser has it: its CSRF token and send key."""
    page = agent.get(f"/agents/escalations/{case}").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="reply-form".*?</form>', page, re.S).group(0)
    return {"csrf_token": csrf_from(page), "send_key": re.search(r'name="send_key" value="([^"]+)"', form).group(1)}


def agent_messages(app, case: str) -> list[EscalationMessage]:
    from gateway import sessions_of

    with sessions_of(app)() as s:
        return list(s.scalars(select(EscalationMessage).where(EscalationMessage.escalation_id == case,
                                                              EscalationMessage.sender == "agent")
                              .order_by(EscalationMessage.id)))


def reply_audits(app, case: str) -> list[AuditEntry]:
    from gateway import sessions_of

    with sessions_of(app)() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.escalation_id == case, AuditEntry.action == "reply")))


def test_agent_reply_sent_twice_with_one_key_is_stored_once(console_app, anna):
    case = claimed_case(console_app, anna)
    form = reply_form(anna, case)
    first = anna.post(f"/agents/escalations/{case}/reply", data={**form, "text": "Nézze meg a levélszemét mappát."},
                      headers=JSON)
    again = anna.post(f"/agents/escalations/{case}/reply", data={**form, "text": "Nézze meg a levélszemét mappát."},
                      headers=JSON)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json() and isinstance(first.get_json()["id"], int)
    stored = agent_messages(console_app, case)
    assert [m.text for m in stored] == ["Nézze meg a levélszemét mappát."]
    assert stored[0].id == first.get_json()["id"] and stored[0].send_key == form["send_key"]
    assert len(reply_audits(console_app, case)) == 1  # the resend records nothing either
    shown = anna.get(f"/agents/escalations/{case}/messages.json").get_json()["messages"]
    assert [m["text"] for m in shown if m["sender"] == "agent"] == ["Nézze meg a levélszemét mappát."]


def test_the_plain_forms_resend_with_one_key_is_answered_as_the_first_was_and_stored_once(console_app, anna):
    """Without the script: the browser posts the form, the answer is a redirect and a flash."""
    case = claimed_case(console_app, anna, language="en")
    form = {**reply_form(anna, case), "text": "Please check your spam folder."}
    first = anna.post(f"/agents/escalations/{case}/reply", data=form)
    first_page = anna.get(first.headers["Location"]).get_data(as_text=True)
    again = anna.post(f"/agents/escalations/{case}/reply", data=form)
    again_page = anna.get(again.headers["Location"]).get_data(as_text=True)
    assert first.status_code == again.status_code == 302 and first.headers["Location"] == again.headers["Location"]
    assert "Elküldve." in first_page and "Elküldve." in again_page
    assert len(agent_messages(console_app, case)) == 1


def test_replies_without_a_send_key_are_each_a_new_message(console_app, anna):
    """Old pages still open in a browser and scripts that send no key: each POST is a message."""
    case = claimed_case(console_app, anna)
    token = reply_form(anna, case)["csrf_token"]
    for send_key in (None, ""):
        data = {"csrf_token": token, "text": "Jó napot!"} | ({} if send_key is None else {"send_key": send_key})
        assert anna.post(f"/agents/escalations/{case}/reply", data=data, headers=JSON).status_code == 200
    stored = agent_messages(console_app, case)
    assert [m.text for m in stored] == ["Jó napot!", "Jó napot!"] and {m.send_key for m in stored} == {None}


def test_every_rendered_reply_form_has_its_own_random_send_key(console_app, anna):
    case = claimed_case(console_app, anna)
    page = anna.get(f"/agents/escalations/{case}").get_data(as_text=True)
    keys = re.findall(r'name="send_key" value="([^"]+)"', page)
    assert len(keys) > 1  # the reply form and every canned answer's form
    assert len(set(keys)) == len(keys) and all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)
    assert reply_form(anna, case)["send_key"] not in keys  # a new page, a new key


def test_the_same_send_key_in_another_case_is_another_message(console_app, anna):
    one, other = claimed_case(console_app, anna), claimed_case(console_app, anna, idempotency_key="chat:other:1",
                                                                conversation_id="other")
    form = reply_form(anna, one)
    for case in (one, other):
        assert anna.post(f"/agents/escalations/{case}/reply", data={**form, "text": "Segítek."},
                         headers=JSON).status_code == 200
    assert len(agent_messages(console_app, one)) == len(agent_messages(console_app, other)) == 1


def test_a_canned_answer_resent_with_its_forms_key_is_stored_once(console_app, anna):
    case = claimed_case(console_app, anna, language="en")
    page = anna.get(f"/agents/escalations/{case}").get_data(as_text=True)
    canned = re.search(r'class="canned-form">.*?name="send_key" value="([^"]+)".*?name="canned" value="([^"]+)"',
                       page, re.S)
    data = {"csrf_token": csrf_from(page), "send_key": canned.group(1), "canned": canned.group(2)}
    answers = [anna.post(f"/agents/escalations/{case}/reply", data=data, headers=JSON) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200] and answers[0].get_json() == answers[1].get_json()
    assert len(agent_messages(console_app, case)) == 1


@pytest.mark.parametrize("send_key", ["k" * 65, "with space", "tab\tkey", "bell\x07", "kulcs-é", "line\nbreak"],
                         ids=["65 characters", "space", "tab", "control", "non-ASCII", "newline"])
def test_a_malformed_send_key_is_a_400_with_a_clear_message_and_nothing_stored(console_app, anna, send_key, caplog):
    case = claimed_case(console_app, anna)
    data = {"csrf_token": reply_form(anna, case)["csrf_token"], "send_key": send_key, "text": "Jó napot!"}
    r = anna.post(f"/agents/escalations/{case}/reply", data=data, headers=JSON)
    assert r.status_code == 400, r.get_data(as_text=True)
    assert r.get_json()["error"] == "send_key_malformed" and "küldési kulcsa érvénytelen" in r.get_json()["message"]
    plain = anna.post(f"/agents/escalations/{case}/reply", data=data, headers={"Accept-Language": "en"})
    assert plain.status_code == 302
    assert "send key is not valid" in anna.get(plain.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert agent_messages(console_app, case) == []
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(send_key=st.text(max_size=80))
def test_any_send_key_is_a_reply_or_a_400_never_a_500(anna, annas_case, send_key):
    case = annas_case
    data = {"csrf_token": reply_form(anna, case)["csrf_token"], "send_key": send_key, "text": "Jó napot!"}
    r = anna.post(f"/agents/escalations/{case}/reply", data=data, headers=JSON)
    valid = 0 < len(send_key) <= 64 and all("!" <= c <= "~" for c in send_key)
    assert r.status_code == (200 if valid or send_key == "" else 400), (send_key, r.get_data(as_text=True))


def test_the_longest_send_key_is_accepted(console_app, anna):
    case = claimed_case(console_app, anna)
    data = {"csrf_token": reply_form(anna, case)["csrf_token"], "send_key": "~" + "Az9-_.!" * 9, "text": "Jó napot!"}
    assert len(data["send_key"]) == 64
    assert anna.post(f"/agents/escalations/{case}/reply", data=data, headers=JSON).status_code == 200
    assert [m.send_key for m in agent_messages(console_app, case)] == [data["send_key"]]


def test_a_send_key_used_again_for_another_text_is_refused_and_the_first_message_kept(console_app, anna):
    """The key names one send: a different text under it is a client's mistake, not a resend (the
    console's script draws a new key when the agent changed the text after a failed send)."""
    case = claimed_case(console_app, anna)
    form = reply_form(anna, case)
    assert anna.post(f"/agents/escalations/{case}/reply", data={**form, "text": "Első."}, headers=JSON).status_code == 200
    r = anna.post(f"/agents/escalations/{case}/reply", data={**form, "text": "Más szöveg."}, headers=JSON)
    assert r.status_code == 422 and r.get_json()["error"] == "send_key_reused"
    assert [m.text for m in agent_messages(console_app, case)] == ["Első."]


def test_the_send_key_is_not_in_the_audit_nor_in_what_the_widget_or_console_read(console_app, anna, caplog):
    case = claimed_case(console_app, anna)
    form = reply_form(anna, case)
    r = anna.post(f"/agents/escalations/{case}/reply", data={**form, "text": "Jó napot!"}, headers=JSON)
    assert form["send_key"] not in r.get_data(as_text=True)
    assert form["send_key"] not in anna.get(f"/agents/escalations/{case}/messages.json").get_data(as_text=True)
    assert all(form["send_key"] not in repr(a.detail) for a in reply_audits(console_app, case))
    assert form["send_key"] not in caplog.text


# --- two POSTs of one send at the same moment (two gateway processes) ---------------------------

def meet_before_the_insert(session, barrier: threading.Barrier) -> None:
    """Hold this session's first flush of a new message until the other thread reaches its own: both
    have looked for the key and found nothing, so the UNIQUE index decides."""
    met = []

    @event.listens_for(session, "before_flush")
    def _wait(s, _context, _instances):
        if not met and any(isinstance(o, EscalationMessage) for o in s.new):
            met.append(True)
            barrier.wait(timeout=20)


def race_two_sends(app, send_key: str | None = "f" * 32) -> tuple[list, int, int]:
    """Two threads post the same send of one agent at once; (the ids they got, the agent messages
    stored, the reply audit entries)."""
    from agents import chat, escalations
    from agents.accounts import create_agent
    from gateway import sessions_of

    sessions = sessions_of(app)
    with sessions() as s:
        case, _ = escalations.create_or_get_escalation(s, sample_escalation())
        agent = create_agent(s, "anna", "x" * 12)
        assert escalations.claim(s, case.id, agent)
        case_id, agent_id = case.id, agent.id
    barrier = threading.Barrier(2)
    ids, errors = [], []

    def send():
        try:
            with sessions() as s:
                meet_before_the_insert(s, barrier)
                e, a = escalations.get(s, case_id), s.get(AgentAccount, agent_id)
                ids.append(chat.post_agent_message(s, e, a, "Kérem, nézze meg a levélszemét mappát.",
                                                   send_key=send_key).id)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    with sessions() as s:
        stored = s.scalar(select(func.count()).select_from(EscalationMessage).where(
            EscalationMessage.escalation_id == case_id, EscalationMessage.sender == "agent"))
        audits = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.escalation_id == case_id, AuditEntry.action == "reply"))
    return ids, stored, audits


def test_two_sends_with_one_key_at_the_same_moment_store_one_message_on_a_sqlite_file(gateway_app):
    assert gateway_app.extensions["gateway_engine"].url.database.endswith("gateway.db")
    ids, stored, audits = race_two_sends(gateway_app)
    assert len(ids) == 2 and ids[0] == ids[1]
    assert stored == 1 and audits == 1


def test_two_sends_without_a_key_at_the_same_moment_are_two_messages(gateway_app):
    """The race above is decided by the key, not by the text: without one both are stored."""
    ids, stored, audits = race_two_sends(gateway_app, send_key=None)
    assert len(set(ids)) == 2 and stored == 2 and audits == 2


@pytest.fixture
def pg_app(gateway_pg_settings):
    app = make_gateway_app(gateway_pg_settings)
    yield app
    app.extensions["gateway_engine"].dispose()


@pytest.mark.postgres
def test_two_sends_with_one_key_at_the_same_moment_store_one_message_on_postgres(pg_app):
    columns = {c["name"]: c for c in inspect(pg_app.extensions["gateway_engine"]).get_columns("agents_escalation_messages")}
    assert columns["send_key"]["nullable"]
    ids, stored, audits = race_two_sends(pg_app)
    assert len(ids) == 2 and ids[0] == ids[1]
    assert stored == 1 and audits == 1


# --- the migration ----------------------------------------------------------------------------

def test_the_send_key_migration_keeps_the_messages_stored_before_it_without_a_key(tmp_path):
    """A database at agents_0007 with agent messages: after the upgrade they have no key, more
    keyless messages can follow, and a key is unique per case."""
    from alembic import command
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import IntegrityError

    from gateway.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path}/old.db"
    command.upgrade(alembic_config(url), "agents_0007_routing")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO agents_escalations (id, reference, idempotency_key, channel, conversation_id,"
                              " language, reason, transcript, tried, status, created_at, updated_at) VALUES ('e1',"
                              " 'HD-OLD1', 'chat:old:1', 'chat', 'old', 'hu', 'user_asked', '[]', '[]', 'claimed',"
                              " '2026-11-30 10:00:00', '2026-11-30 10:00:00')"))
            for n in range(2):
                conn.execute(text("INSERT INTO agents_escalation_messages (escalation_id, kind, sender, text, redacted,"
                                  " created_at) VALUES ('e1', 'message', 'agent', :t, '[]', '2026-11-30 10:01:00')"),
                             {"t": f"régi {n}"})
        upgrade(url)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT send_key FROM agents_escalation_messages")).scalars().all() == [None, None]
            insert = text("INSERT INTO agents_escalation_messages (escalation_id, kind, sender, text, redacted, created_at,"
                          " send_key) VALUES ('e1', 'message', 'agent', 'új', '[]', '2026-12-02 10:00:00', :k)")
            conn.execute(insert, {"k": None})
            conn.execute(insert, {"k": "a" * 32})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert, {"k": "a" * 32})
    finally:
        engine.dispose()
