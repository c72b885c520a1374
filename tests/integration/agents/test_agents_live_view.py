"""The supervisor's live view: an agent sets their own status (available / busy / away; offline
without a live session), the lines per channel and language with depth and longest wait, cases past
AGENTS_WAIT_ALERT_SECONDS highlighted, today's CSAT; supervisors only; a bad status is 400."""
from __future__ import annotations

from datetime import timedelta

from agents.models import Escalation
from kernel.clock import utcnow
from tests.fixtures.gateway_services import AGENT_PASSWORD, csrf_from, login


def _client(app, username):
    c = app.test_client()
    assert login(c, username).status_code == 302
    return c


def test_status_lines_late_cases_and_today(console_app):
    from agents import csat
    from agents.accounts import create_agent
    from agents.models import ConversationEvent
    from gateway import sessions_of

    with sessions_of(console_app)() as s:
        create_agent(s, "vera", AGENT_PASSWORD, "supervisor", "Vera")
        create_agent(s, "anna", AGENT_PASSWORD, "agent", "Anna")
        create_agent(s, "bela", AGENT_PASSWORD, "agent", "Béla")
        now = utcnow()
        for n, (channel, lang, waited) in enumerate((("chat", "hu", 30), ("chat", "hu", 400), ("phone", "en", 10))):
            s.add(Escalation(reference=f"HD-L{n}", idempotency_key=f"live-{n}", channel=channel, conversation_id=f"live-{n}",
                             language=lang, reason="user_asked", transcript=[], tried=[], status="waiting",
                             created_at=now - timedelta(seconds=waited)))
            s.add(ConversationEvent(conversation_id=f"live-{n}", channel=channel, language=lang, kind="started",
                                    detail="", at=now - timedelta(seconds=waited)))
        s.add(ConversationEvent(conversation_id="live-bot", channel="chat", language="hu", kind="started", detail="", at=now))
        s.commit()
        csat.record_rating(s, channel="chat", conversation_id="live-bot", rating=5)
    anna = _client(console_app, "anna")
    assert anna.get("/agents/live").status_code == 403
    bad = anna.post("/agents/presence", data={"presence": "napping", "csrf_token": csrf_from(anna.get("/agents/").get_data(as_text=True))})
    assert bad.status_code == 400
    ok = anna.post("/agents/presence", data={"presence": "busy", "csrf_token": csrf_from(anna.get("/agents/").get_data(as_text=True))},
                   headers={"Accept": "application/json"})
    assert ok.status_code == 200 and ok.get_json() == {"presence": "busy"}
    vera = _client(console_app, "vera")
    data = vera.get("/agents/live.json").get_json()
    states = {a["name"]: a["state"] for a in data["agents"]}
    assert states == {"Anna": "busy", "Vera": "away", "Béla": "offline"}  # Béla has no session
    lines = {(ln["channel"], ln["language"]): ln for ln in data["lines"]}
    assert lines[("chat", "hu")]["waiting"] == 2 and lines[("chat", "hu")]["longest_wait_s"] >= 400
    assert lines[("chat", "hu")]["over_threshold"] and not lines[("phone", "en")]["over_threshold"]
    assert lines[("chat", "en")] == {"channel": "chat", "language": "en", "waiting": 0, "longest_wait_s": None,
                                     "over_threshold": False}
    assert [c["reference"] for c in data["late"]] == ["HD-L1"]
    assert data["today"]["conversations"] == 4 and data["today"]["csat"] == 1.0
    assert data["today"]["contained_so_far"] == 0.25
    page = vera.get("/agents/live?part=1").get_data(as_text=True)
    assert 'data-reference="HD-L1"' in page and "<html" not in page
