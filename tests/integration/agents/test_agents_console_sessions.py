"""Console sessions are held on the server: logout and a supervisor end them for every copy of the
cookie, a login lasts a working day at most however busy, and logins back off per username and per
client address (a header the client sets is not an address)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from agents import sessions as console_sessions
from agents import throttle
from agents.models import AuditEntry, ConsoleSession
from kernel.clock import utcnow
from tests.fixtures.gateway_services import AGENT_PASSWORD, csrf_from, login


@pytest.fixture
def app(gateway_app, make_agent):
    make_agent("anna")
    make_agent("bela")
    make_agent("vera", role="supervisor")
    return gateway_app


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def logged_in(app, username, address="10.0.0.1"):
    client = client_at(app, address)
    assert login(client, username).status_code == 302
    return client


def csrf_of(client):
    return csrf_from(client.get("/agents/").get_data(as_text=True))


def copy_of(app, client, address="10.0.0.99"):
    """Another browser holding a copy of ``client``'s session cookie (stolen, or left on a shared PC)."""
    thief = client_at(app, address)
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_logout_revokes_the_session_cookie(app):
    anna = logged_in(app, "anna")
    saved = anna.get_cookie("session").value
    assert anna.post("/agents/logout", data={"csrf_token": csrf_of(anna)}).status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", saved)
    assert replay.get("/agents/queue.json").status_code == 401
    assert replay.get("/agents/").status_code == 302


def test_copied_cookie_stops_working_after_revocation(app):
    anna = logged_in(app, "anna")
    thief = copy_of(app, anna)
    assert thief.get("/agents/queue.json").status_code == 200  # a copy works while the session lives ...
    anna.post("/agents/logout", data={"csrf_token": csrf_of(anna)})
    assert thief.get("/agents/queue.json").status_code == 401  # ... and dies with it
    assert thief.get("/agents/queue.json").status_code == 401  # it did not refresh itself either


def test_cookie_carries_no_agent_id_and_the_table_no_usable_cookie(app):
    anna = logged_in(app, "anna")
    from gateway import sessions_of

    with sessions_of(app)() as db:
        (row,) = db.scalars(select(ConsoleSession))
    assert row.revoked_at is None and len(row.id_hash) == 64
    # the table keys on a hash: its key is not a cookie value
    assert row.id_hash not in anna.get_cookie("session").value


def test_session_ends_after_a_working_day_even_when_active(app, monkeypatch):
    anna = logged_in(app, "anna")
    from gateway import sessions_of

    with sessions_of(app)() as db:
        (row,) = db.scalars(select(ConsoleSession))
    lifetime = row.expires_at - row.created_at
    assert timedelta(hours=8) <= lifetime <= timedelta(hours=10)
    start = utcnow()
    step = timedelta(minutes=20)  # busy all day: never idle
    now = start
    while now + step < start + lifetime:
        now += step
        monkeypatch.setattr(console_sessions, "utcnow", lambda t=now: t)
        assert anna.get("/agents/").status_code == 200, now - start  # a page view keeps it active
    monkeypatch.setattr(console_sessions, "utcnow", lambda: start + lifetime + timedelta(seconds=1))
    assert anna.get("/agents/queue.json").status_code == 401
    r = anna.get("/agents/")
    assert r.status_code == 302 and "/agents/login" in r.headers["Location"]


def test_idle_session_is_revoked_on_the_server(app):
    anna = logged_in(app, "anna")
    thief = copy_of(app, anna)
    app.config["AGENTS_IDLE_TIMEOUT_S"] = -1
    assert anna.get("/agents/queue.json").status_code == 401
    app.config["AGENTS_IDLE_TIMEOUT_S"] = 1800
    assert thief.get("/agents/queue.json").status_code == 401  # the copy does not bring it back


def attempt(app, username, password, address, headers=None):
    client = client_at(app, address)
    page = client.get("/agents/login")
    return client.post("/agents/login", headers=headers or {},
                       data={"username": username, "password": password,
                             "csrf_token": csrf_from(page.get_data(as_text=True))})


def test_login_is_throttled_per_username_and_per_address(app, monkeypatch):
    monkeypatch.setattr(throttle, "FIRST_WAIT_S", 120.0)  # one blocked step is long enough for the test
    # per username: misses from many addresses add up on the name
    for i in range(throttle.FREE_PER_USERNAME + 1):
        assert attempt(app, "anna", "wrong password!!", f"10.1.0.{i}").status_code == 401
    refused = attempt(app, "anna", AGENT_PASSWORD, "10.1.9.9")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 60
    assert "Location" not in refused.headers
    # an unknown name is throttled the same way (no oracle of which names exist)
    for i in range(throttle.FREE_PER_USERNAME + 1):
        attempt(app, "nobody-here", "wrong password!!", f"10.2.0.{i}")
    assert attempt(app, "nobody-here", "wrong password!!", "10.2.9.9").status_code == 429
    # per address: many names from one address; a forged X-Forwarded-For does not change the address
    for i in range(throttle.FREE_PER_ADDRESS + 1):
        attempt(app, f"guess{i}", "wrong password!!", "10.3.0.1")
    assert attempt(app, "bela", AGENT_PASSWORD, "10.3.0.1").status_code == 429
    assert attempt(app, "bela", AGENT_PASSWORD, "10.3.0.1", {"X-Forwarded-For": "192.0.2.7"}).status_code == 429
    assert attempt(app, "bela", AGENT_PASSWORD, "10.3.0.2").status_code == 302
    from gateway import sessions_of

    with sessions_of(app)() as db:
        assert db.scalar(select(AuditEntry).where(AuditEntry.action == "login_throttled")) is not None


def test_login_backoff_grows_and_a_success_clears_the_name(app):
    from gateway import sessions_of

    for i in range(throttle.FREE_PER_USERNAME):
        attempt(app, "bela", "wrong password!!", "10.4.0.1")
    assert attempt(app, "bela", AGENT_PASSWORD, "10.4.0.1").status_code == 302
    with sessions_of(app)() as db:
        keys = throttle.Keys.of("x", "bela", "10.4.0.1")
        assert db.get(throttle.LoginThrottle, throttle.Keys.of(
            app.extensions["gateway_settings"].secret_key, "bela", "10.4.0.1").username) is None
        assert keys.username.startswith("user:") and "bela" not in keys.username
        now = utcnow()
        k = throttle.Keys.of("secret", "someone", "10.9.9.9")
        waits = []
        for _ in range(throttle.FREE_PER_USERNAME + 3):
            throttle.failed(db, k, now)
            waits.append(throttle.wait_seconds(db, k, now))
    assert waits[:throttle.FREE_PER_USERNAME] == [0] * throttle.FREE_PER_USERNAME
    assert waits[throttle.FREE_PER_USERNAME:] == [1, 2, 4]


def test_supervisor_can_revoke_an_agents_sessions(app):
    anna_desk, anna_laptop = logged_in(app, "anna", "10.0.0.1"), logged_in(app, "anna", "10.0.0.2")
    bela, vera = logged_in(app, "bela"), logged_in(app, "vera")
    from gateway import sessions_of

    with sessions_of(app)() as db:
        anna_id = db.scalar(select(AuditEntry.agent_id).where(AuditEntry.actor == "anna"))
    # an agent cannot do it
    assert bela.post(f"/agents/accounts/{anna_id}/revoke-sessions", data={"csrf_token": csrf_of(bela)}).status_code == 403
    assert anna_desk.get("/agents/queue.json").status_code == 200
    page = vera.get("/agents/sessions").get_data(as_text=True)
    assert page.count("(anna)") >= 2
    r = vera.post(f"/agents/accounts/{anna_id}/revoke-sessions", data={"csrf_token": csrf_of(vera)},
                  headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.get_json() == {"revoked": 2}
    assert anna_desk.get("/agents/queue.json").status_code == 401
    assert anna_laptop.get("/agents/queue.json").status_code == 401
    assert bela.get("/agents/queue.json").status_code == 200 and vera.get("/agents/queue.json").status_code == 200
    assert logged_in(app, "anna").get("/agents/queue.json").status_code == 200  # she can log in again


def test_revoke_sessions_from_the_command_line(app):
    anna = logged_in(app, "anna")
    result = app.test_cli_runner().invoke(args=["agents", "revoke-sessions", "--username", "anna"])
    assert result.exit_code == 0 and "ended 1 session" in result.output
    assert anna.get("/agents/queue.json").status_code == 401
    result = app.test_cli_runner().invoke(args=["agents", "revoke-sessions", "--username", "nobody"])
    assert result.exit_code != 0 and "no agent" in result.output


def test_a_deactivated_agents_sessions_end(app):
    anna = logged_in(app, "anna")
    from agents.models import AgentAccount
    from gateway import sessions_of

    with sessions_of(app)() as db:
        db.scalar(select(AgentAccount).where(AgentAccount.username == "anna")).active = False
        db.commit()
    assert anna.get("/agents/queue.json").status_code == 401
