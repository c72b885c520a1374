"""The agent console's permissions and actions: login, CSRF, idle timeout, atomic claim, a claimed
chat only for its agent, hand-back through Rasa's HTTP API, supervisor-only statistics, audit."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from agents.models import AuditEntry, Escalation, EscalationMessage
from tests.fixtures.gateway_services import create_escalation_via_api, csrf_from, login


@pytest.fixture
def client(console_app):
    return console_app.test_client()


@pytest.fixture
def agents_ready(console_app):
    from agents.accounts import create_agent
    from gateway import sessions_of
    from tests.fixtures.gateway_services import AGENT_PASSWORD

    with sessions_of(console_app)() as s:
        for name, role in (("anna", "agent"), ("bela", "agent"), ("vera", "supervisor")):
            create_agent(s, name, AGENT_PASSWORD, role, name.title())


def other_client(app, username):
    c = app.test_client()
    assert login(c, username).status_code == 302
    return c


def csrf_of(client, path="/agents/"):
    return csrf_from(client.get(path).get_data(as_text=True))


def status_of(app, escalation_id):
    from gateway import sessions_of

    with sessions_of(app)() as s:
        return s.get(Escalation, escalation_id)


def test_console_refuses_a_request_without_login(client, console_app):
    esc = create_escalation_via_api(client)
    r = client.get("/agents/")
    assert r.status_code == 302 and "/agents/login" in r.headers["Location"]
    assert client.get("/agents/queue.json").status_code == 401
    assert client.get(f"/agents/escalations/{esc['id']}").status_code == 302
    login_page_token = csrf_of(client, "/agents/login")
    r = client.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": login_page_token})
    assert r.status_code == 302 and "/agents/login" in r.headers["Location"]
    assert status_of(console_app, esc["id"]).status == "waiting"


def test_wrong_password_and_unknown_agent_get_the_same_answer(client, agents_ready):
    wrong = login(client, "anna", "not the password at all")
    unknown = login(client, "nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "Hibás felhasználónév vagy jelszó" in wrong.get_data(as_text=True)
    import re

    def without_token(r):
        return re.sub(r'name="csrf_token" value="[^"]+"', "", r.get_data(as_text=True))

    assert without_token(wrong) == without_token(unknown)


def test_csrf_token_is_required_on_every_console_post(client, console_app, agents_ready):
    esc = create_escalation_via_api(client)
    login(client, "anna")
    r = client.post(f"/agents/escalations/{esc['id']}/claim")
    assert r.status_code == 400
    r = client.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": "forged"})
    assert r.status_code == 400
    assert status_of(console_app, esc["id"]).status == "waiting"
    r = client.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf_of(client)})
    assert r.status_code == 302
    assert status_of(console_app, esc["id"]).status == "claimed"
    assert client.post("/agents/logout").status_code == 400  # logout is a POST with CSRF too


def test_login_form_itself_needs_the_csrf_token(client, agents_ready):
    r = client.post("/agents/login", data={"username": "anna", "password": "correct horse battery staple"})
    assert r.status_code == 400


def test_idle_console_session_is_logged_out(client, console_app, agents_ready):
    login(client, "anna")
    assert client.get("/agents/").status_code == 200
    console_app.config["AGENTS_IDLE_TIMEOUT_S"] = -1
    r = client.get("/agents/")
    assert r.status_code == 302 and "idle=1" in r.headers["Location"]
    console_app.config["AGENTS_IDLE_TIMEOUT_S"] = 1800
    assert client.get("/agents/").status_code == 302  # the session was cleared, not just refused once


def test_logout_ends_the_session(client, agents_ready):
    login(client, "anna")
    token = csrf_of(client)
    assert client.post("/agents/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/agents/queue.json").status_code == 401


def test_queue_shows_chat_and_phone_escalations_with_their_context(client, agents_ready):
    create_escalation_via_api(client)
    create_escalation_via_api(client, idempotency_key="phone:CA9", channel="phone", conversation_id="CA9",
                              language="en", reason="caller_pressed_0", caller_number_masked="+36301234512")
    login(client, "anna")
    items = client.get("/agents/queue.json").get_json()["items"]
    assert {i["channel"] for i in items} == {"chat", "phone"}
    phone = next(i for i in items if i["channel"] == "phone")
    assert phone["language"] == "en" and phone["reason"] == "caller_pressed_0" and phone["position"] == 1
    assert phone["caller"] == "+36 30 *** **12"
    chat = next(i for i in items if i["channel"] == "chat")
    assert chat["tried"] == ["request_new_code"] and chat["waiting_seconds"] >= 0
    page = client.get("/agents/").get_data(as_text=True)
    assert "request_new_code" in page and "caller_pressed_0" in page


def test_two_agents_claiming_at_once_one_wins_and_the_other_is_told(console_app, client, agents_ready):
    esc = create_escalation_via_api(client)
    anna, bela = other_client(console_app, "anna"), other_client(console_app, "bela")
    tokens = {c: csrf_of(c) for c in (anna, bela)}
    barrier = threading.Barrier(2)
    results = {}

    def claim(c, name):
        barrier.wait()
        results[name] = c.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": tokens[c]},
                               headers={"Accept": "application/json"})

    threads = [threading.Thread(target=claim, args=(c, n)) for c, n in ((anna, "anna"), (bela, "bela"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results.values())
    assert codes == [200, 409]
    loser = next(r for r in results.values() if r.status_code == 409)
    assert loser.get_json()["error"] == "already_claimed"


def test_atomic_claim_in_the_service_with_many_threads(console_app, agents_ready):
    from agents import escalations
    from agents.models import AgentAccount
    from gateway import sessions_of

    sessions = sessions_of(console_app)
    with sessions() as s:
        e, _ = escalations.create_or_get_escalation(s, {"idempotency_key": "k1", "channel": "chat",
                                                        "conversation_id": "c1", "language": "hu",
                                                        "reason": "user_asked"})
        agents = [a.id for a in s.scalars(select(AgentAccount))]
    barrier = threading.Barrier(6)
    wins = []

    def attempt(agent_id):
        with sessions() as s:
            agent = s.get(AgentAccount, agent_id)
            barrier.wait()
            wins.append(escalations.claim(s, e.id, agent))

    threads = [threading.Thread(target=attempt, args=(agents[i % len(agents)],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1 and wins.count(False) == 5


def test_an_agent_cannot_use_another_agents_claimed_chat(console_app, client, agents_ready):
    esc = create_escalation_via_api(client)
    anna, bela = other_client(console_app, "anna"), other_client(console_app, "bela")
    anna.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf_of(anna)})
    mine = anna.get(f"/agents/escalations/{esc['id']}").get_data(as_text=True)
    theirs = bela.get(f"/agents/escalations/{esc['id']}").get_data(as_text=True)
    assert 'id="reply-form"' in mine
    assert 'id="reply-form"' not in theirs and "hand-back" not in theirs
    token = csrf_of(bela)
    for action, data in (("reply", {"text": "hello"}), ("close", {"outcome": "solved"}), ("hand-back", {}),
                         ("new-code", {})):
        r = bela.post(f"/agents/escalations/{esc['id']}/{action}", data={**data, "csrf_token": token})
        assert r.status_code == 403, action
    assert status_of(console_app, esc["id"]).status == "claimed"
    from gateway import sessions_of

    with sessions_of(console_app)() as s:
        assert s.scalar(select(EscalationMessage).where(EscalationMessage.sender == "agent")) is None


def test_claimed_chat_shows_redacted_transcript_and_verified_diagnosis(console_app, client, agents_ready):
    esc = create_escalation_via_api(
        client, transcript=[{"role": "user", "text": "a kódom REDACTEDSECRET"}],
        diagnosis={"verified": True, "state": "pending", "live_code": {"exists": False, "expires_at": None},
                   "recent_failures": [{"at": "2026-11-23T10:00:00Z", "reason": "code_expired"}],
                   "last_code_mail": {"status": "delivered", "at": "2026-11-18T10:00:00Z", "detail": ""}})
    anna = other_client(console_app, "anna")
    page = anna.get(f"/agents/escalations/{esc['id']}").get_data(as_text=True)
    assert "•••• (hidden)" in page and "REDACTEDSECRET" not in page
    assert "code_expired" in page and "pending" in page


def test_canned_answer_is_sent_in_the_users_language(console_app, client, agents_ready):
    esc = create_escalation_via_api(client, language="en")
    anna = other_client(console_app, "anna")
    anna.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf_of(anna)})
    r = anna.post(f"/agents/escalations/{esc['id']}/reply", data={"canned": "code_expired", "csrf_token": csrf_of(anna)},
                  headers={"Accept": "application/json"})
    assert r.status_code == 200
    msgs = anna.get(f"/agents/escalations/{esc['id']}/messages.json").get_json()["messages"]
    assert "valid for 5 days" in msgs[-1]["text"]


def test_hand_back_resumes_the_rasa_conversation(console_app, client, agents_ready, rasa_api_stub):
    esc = create_escalation_via_api(client, conversation_id="sender/with space")
    anna = other_client(console_app, "anna")
    anna.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf_of(anna)})
    r = anna.post(f"/agents/escalations/{esc['id']}/hand-back", data={"csrf_token": csrf_of(anna)})
    assert r.status_code == 302
    assert status_of(console_app, esc["id"]).status == "handed_back"
    execute, listen, resume = rasa_api_stub.requests
    # no token in the URL (proxy and access logs keep URLs): a JWT in the Authorization header
    assert all("token" not in req["path"] and req["headers"]["Authorization"].startswith("Bearer ey")
               for req in (execute, listen, resume))
    # still paused: the assistant clears the escalation's state and says it is back, then listens
    assert execute["path"].startswith("/conversations/sender%2Fwith%20space/execute?")
    assert execute["body"] == {"name": "action_agent_handed_back"}
    assert listen["path"].startswith("/conversations/sender%2Fwith%20space/tracker/events?")
    assert listen["body"] == [{"event": "action", "name": "action_listen"}]
    assert resume["path"].startswith("/conversations/sender%2Fwith%20space/tracker/events?")
    assert resume["body"] == [{"event": "resume"}]


def test_hand_back_with_rasa_down_keeps_the_case_with_the_agent(console_app, client, agents_ready, rasa_api_stub):
    rasa_api_stub.status = 500
    esc = create_escalation_via_api(client)
    anna = other_client(console_app, "anna")
    anna.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf_of(anna)})
    r = anna.post(f"/agents/escalations/{esc['id']}/hand-back", data={"csrf_token": csrf_of(anna)},
                  headers={"Accept": "application/json"})
    assert r.status_code == 503
    assert status_of(console_app, esc["id"]).status == "claimed"
    # the hand-back stopped at its first failing call: the bot was not resumed half-prepared
    assert [req["body"] for req in rasa_api_stub.requests] == [{"name": "action_agent_handed_back"}]


def test_closing_a_chat_records_the_outcome_and_resumes_the_bot(console_app, client, agents_ready, rasa_api_stub):
    esc = create_escalation_via_api(client)
    anna = other_client(console_app, "anna")
    anna.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf_of(anna)})
    r = anna.post(f"/agents/escalations/{esc['id']}/close", data={"outcome": "bogus", "csrf_token": csrf_of(anna)})
    assert status_of(console_app, esc["id"]).status == "claimed"
    anna.post(f"/agents/escalations/{esc['id']}/close", data={"outcome": "solved", "csrf_token": csrf_of(anna)})
    e = status_of(console_app, esc["id"])
    assert (e.status, e.outcome) == ("closed", "solved") and e.closed_at is not None
    assert rasa_api_stub.requests[-1]["body"] == [{"event": "resume"}]


def test_phone_callback_ticket_shows_the_recording_and_is_marked_done(console_app, client, agents_ready):
    from agents import escalations
    from gateway import sessions_of

    esc = create_escalation_via_api(client, idempotency_key="phone:CA7", channel="phone", conversation_id="CA7")
    with sessions_of(console_app)() as s:
        escalations.request_callback(s, esc["id"], "https://api.twilio.com/rec/RE1")
    anna = other_client(console_app, "anna")
    item = anna.get("/agents/queue.json").get_json()["items"][0]
    assert item["status"] == "callback" and item["has_recording"]
    page = anna.get(f"/agents/escalations/{esc['id']}").get_data(as_text=True)
    assert "https://api.twilio.com/rec/RE1" in page
    # the agent takes the call-back first (it stays a call-back, now hers), then marks it done
    anna.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf_of(anna)})
    assert status_of(console_app, esc["id"]).status == "callback"
    anna.post(f"/agents/escalations/{esc['id']}/callback-done", data={"outcome": "solved", "csrf_token": csrf_of(anna)})
    assert (status_of(console_app, esc["id"]).status, status_of(console_app, esc["id"]).outcome) == ("closed", "solved")
    assert anna.get("/agents/queue.json").get_json()["items"] == []


def test_case_reference_search_finds_the_case(console_app, client, agents_ready):
    esc = create_escalation_via_api(client)
    anna = other_client(console_app, "anna")
    r = anna.get("/agents/search", query_string={"reference": esc["reference"].lower().replace("-", " ")})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/agents/escalations/{esc['id']}")
    r = anna.get("/agents/search", query_string={"reference": "HD-XXXX"})
    assert r.headers["Location"].endswith("/agents/")


def test_statistics_are_for_supervisors_only(console_app, client, agents_ready):
    create_escalation_via_api(client)
    client.post("/api/v1/conversation-events", json={"conversation_id": "sender-1", "channel": "chat",
                "kind": "started"}, headers={"Authorization": "Bearer test-gateway-service-token-0123456789"})
    client.post("/api/v1/conversation-events", json={"conversation_id": "other", "channel": "chat",
                "kind": "started"}, headers={"Authorization": "Bearer test-gateway-service-token-0123456789"})
    anna = other_client(console_app, "anna")
    assert anna.get("/agents/stats").status_code == 403
    vera = other_client(console_app, "vera")
    r = vera.get("/agents/stats")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert page.count("<svg") >= 4
    assert 'id="solved-chat">50 %' in page


def test_every_agent_action_is_audited(console_app, client, agents_ready, rasa_api_stub):
    esc = create_escalation_via_api(client)
    anna = other_client(console_app, "anna")
    anna.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf_of(anna)})
    anna.get(f"/agents/escalations/{esc['id']}")
    anna.post(f"/agents/escalations/{esc['id']}/reply", data={"text": "Jó napot!", "csrf_token": csrf_of(anna)})
    anna.post(f"/agents/escalations/{esc['id']}/hand-back", data={"csrf_token": csrf_of(anna)})
    anna.post("/agents/logout", data={"csrf_token": csrf_of(anna)})
    from gateway import sessions_of

    with sessions_of(console_app)() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.actor == "anna").order_by(AuditEntry.id))]
    for expected in ("login", "claim", "view", "reply", "handed_back", "logout"):
        assert expected in actions


def test_phone_cases_follow_the_call_connected_and_ended(console_app, client, agents_ready):
    from agents import escalations
    from gateway import sessions_of

    esc = create_escalation_via_api(client, idempotency_key="phone:CA5", channel="phone", conversation_id="CA5")
    other = create_escalation_via_api(client, idempotency_key="phone:CA6", channel="phone", conversation_id="CA6")
    with sessions_of(console_app)() as s:
        assert escalations.phone_connected(s, esc["id"])
        assert not escalations.phone_connected(s, esc["id"])  # a replayed webhook changes nothing
        assert escalations.phone_ended(s, other["id"], "hung_up")
    anna = other_client(console_app, "anna")
    items = {i["id"]: i for i in anna.get("/agents/queue.json").get_json()["items"]}
    assert items[esc["id"]]["status"] == "claimed" and items[esc["id"]]["claimed_by"] == "telefonon"
    assert other["id"] not in items
    assert status_of(console_app, other["id"]).outcome == "hung_up"
    with sessions_of(console_app)() as s:
        escalations.phone_ended(s, esc["id"], "escalated")
    assert anna.get("/agents/queue.json").get_json()["items"] == []


def test_queue_shows_what_the_phone_line_knows_of_the_call(console_app, client, agents_ready):
    from agents import phone_port

    with console_app.app_context():
        case = phone_port.open_case(call_sid="CA8", language="hu", reason="user_asked", transcript=[], tried=[],
                                    diagnosis=None, caller_number_masked=None)
    anna = other_client(console_app, "anna")
    (item,) = anna.get("/agents/queue.json").get_json()["items"]
    assert item["call"] == "in_menu"
    with console_app.app_context():
        phone_port.call_queued(case.id)
    (item,) = anna.get("/agents/queue.json").get_json()["items"]
    assert item["call"] == "queued"
    assert "sorban vár" in anna.get("/agents/").get_data(as_text=True)


def test_share_solved_by_the_bot_counts_the_phone_lines_calls(console_app, client, agents_ready):
    from agents import phone_port

    create_escalation_via_api(client, idempotency_key="phone:CA1", channel="phone", conversation_id="CA1")
    with console_app.app_context():
        for sid in ("CA1", "CA2", "CA3", "CA4"):
            phone_port.record_call_event(sid, "hu", "started")
    vera = other_client(console_app, "vera")
    page = vera.get("/agents/stats").get_data(as_text=True)
    assert 'id="solved-phone">75 %' in page


def test_the_console_speaks_the_agents_language(console_app, client, agents_ready):
    """Accept-Language picks English; the header's choice wins over it and outlives the login."""
    assert "Log in for agents" in client.get("/agents/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    page = client.get("/agents/login").get_data(as_text=True)
    assert "Belépés ügyintézőknek" in page
    client.post("/agents/language", data={"language": "en", "csrf_token": csrf_from(page)})
    assert login(client, "anna").status_code == 302
    queue = client.get("/agents/", headers={"Accept-Language": "hu"}).get_data(as_text=True)
    assert "Open cases" in queue and "Nyitott ügyek" not in queue
    client.post("/agents/language", data={"language": "hu", "csrf_token": csrf_of(client)})
    assert "Nyitott ügyek" in client.get("/agents/").get_data(as_text=True)


def _console_with_anna(settings):
    """A console app on ``settings`` with the agent anna."""
    from agents.accounts import create_agent
    from gateway import sessions_of
    from tests.fixtures.gateway_services import AGENT_PASSWORD, make_gateway_app

    app = make_gateway_app(settings)
    with sessions_of(app)() as s:
        create_agent(s, "anna", AGENT_PASSWORD, "agent", "Anna")
    return app


def _phone_case_claimed_by_anna(app):
    client = app.test_client()
    esc = create_escalation_via_api(client, idempotency_key="phone:CA20", channel="phone", conversation_id="CA20")
    anna = other_client(app, "anna")
    anna.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf_of(anna)})
    return esc, anna


def test_a_phone_new_code_with_the_backend_down_tells_the_agent_to_retry(console_settings):
    from dataclasses import replace

    from gateway import sessions_of
    from tests.fixtures.ports import free_port

    app = _console_with_anna(replace(console_settings, credentials_url=f"http://127.0.0.1:{free_port()}"))
    esc, anna = _phone_case_claimed_by_anna(app)
    r = anna.post(f"/agents/escalations/{esc['id']}/new-code", headers={"Accept": "application/json"},
                  data={"username": "kisspista77", "email": "kiss.pista@example.hu", "csrf_token": csrf_of(anna)})
    assert r.status_code == 503 and "nem érhető el" in r.get_json()["message"]
    with sessions_of(app)() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.escalation_id == esc["id"]))]
    assert "new_code_failed" in actions and "new_code_requested" not in actions
    app.extensions["gateway_engine"].dispose()


def test_a_phone_new_code_through_the_real_backend_states_the_code_lifetime_setting(
        console_settings, credentials_server, monkeypatch):
    """S4, S8: the backend takes the agent's request (202 whatever the account); the agent reads the
    code lifetime of the setting, and the audit keeps only a masked address."""
    from dataclasses import replace

    from gateway import sessions_of

    monkeypatch.setenv("CODE_TTL_DAYS", "7")
    app = _console_with_anna(replace(console_settings, credentials_url=credentials_server.url,
                                     credentials_console_token=credentials_server.tokens["console"]))
    esc, anna = _phone_case_claimed_by_anna(app)
    good = anna.post(f"/agents/escalations/{esc['id']}/new-code", headers={"Accept": "application/json"},
                     data={"username": "kisspista77", "email": "kiss.pista@example.hu", "csrf_token": csrf_of(anna)})
    assert good.status_code == 202 and "7 napig" in good.get_json()["message"]
    with sessions_of(app)() as s:
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "new_code_requested"))
    assert entry.detail["email"] == "ki***@e***.hu"
    app.extensions["gateway_engine"].dispose()


def test_a_phone_new_code_the_backend_refuses_tells_the_agent_which_field(console_settings):
    from dataclasses import replace

    from tests.fixtures.gateway_services import RecordingHttpServer

    refusing = RecordingHttpServer()
    refusing.status = 422
    try:
        app = _console_with_anna(replace(console_settings, credentials_url=refusing.url))
        esc, anna = _phone_case_claimed_by_anna(app)
        r = anna.post(f"/agents/escalations/{esc['id']}/new-code", headers={"Accept": "application/json"},
                      data={"username": "kisspista77", "email": "kiss.pista@example.hu", "csrf_token": csrf_of(anna)})
        assert r.status_code == 400 and r.get_json()["message"] == "Hibás adat: request."
        assert refusing.requests[0]["body"]["channel"] == "agent"
        app.extensions["gateway_engine"].dispose()
    finally:
        refusing.stop()


def test_callback_done_requires_ownership_and_a_known_outcome(console_app, client, agents_ready):
    """Only the agent who took the call-back (or a supervisor) marks it done, and only with an
    outcome of the fixed list; nobody else and nothing else is stored."""
    from agents import escalations
    from gateway import sessions_of

    esc = create_escalation_via_api(client, idempotency_key="phone:CA30", channel="phone", conversation_id="CA30")
    with sessions_of(console_app)() as s:
        escalations.request_callback(s, esc["id"], None)
    anna, bela, vera = (other_client(console_app, n) for n in ("anna", "bela", "vera"))
    url = f"/agents/escalations/{esc['id']}/callback-done"
    # nobody has taken it: an agent cannot close it
    assert bela.post(url, data={"outcome": "solved", "csrf_token": csrf_of(bela)}).status_code == 403
    anna.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf_of(anna)})
    r = bela.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf_of(bela)},
                  headers={"Accept": "application/json"})
    assert r.status_code == 409  # one agent rings back
    assert bela.post(url, data={"outcome": "solved", "csrf_token": csrf_of(bela)}).status_code == 403
    for outcome in ("<script>alert(1)</script>", "x" * 64, "closed"):
        r = anna.post(url, data={"outcome": outcome, "csrf_token": csrf_of(anna)}, headers={"Accept": "application/json"})
        assert r.status_code == 400, outcome
    e = status_of(console_app, esc["id"])
    assert (e.status, e.outcome, e.claimed_by_id is not None) == ("callback", None, True)
    r = vera.post(url, data={"outcome": "no_response", "csrf_token": csrf_of(vera)}, headers={"Accept": "application/json"})
    assert r.status_code == 200  # a supervisor may close anyone's call-back
    e = status_of(console_app, esc["id"])
    assert (e.status, e.outcome) == ("closed", "no_response")
    with sessions_of(console_app)() as s:
        refusals = s.scalars(select(AuditEntry).where(AuditEntry.action == "refused",
                                                      AuditEntry.escalation_id == esc["id"])).all()
    assert len(refusals) == 2


def test_the_backends_blocks_are_visible_to_the_agent(console_app, client, agents_ready):
    """M10: an owner locked out by someone else's wrong entries or resets: the agent sees until when."""
    esc = create_escalation_via_api(
        client, diagnosis={"verified": True, "state": "pending", "live_code": {"exists": True, "expires_at": None},
                           "code_entry_blocked_somewhere_until": "2026-11-25T10:00:00+00:00",
                           "reset_blocked_until": "2026-11-24T18:00:00+00:00"})
    anna = other_client(console_app, "anna")
    page = anna.get(f"/agents/escalations/{esc['id']}").get_data(as_text=True)
    assert "2026-11-25T10:00:00+00:00" in page and "2026-11-24T18:00:00+00:00" in page
