"""Expected wait (issue #14, docs/agents.md "Expected wait"): the estimate a case gets when it joins
the line, checked against the real waits of a known history.

The history: two agents who take Hungarian chats, first come first served, cases arriving in bursts.
For each case, the database is put in the state it was in when that case arrived (cases waiting,
being handled, closed — with their real times), the estimate is computed there, and compared with the
wait the case really had. With a constant handling time the estimate is exact; with handling times
spread over 150-330 s it is within a stated mean absolute error. The schedule itself is checked on
small cases (unit), and the API the phone line and widget read answers it."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from agents import sessions, waits
from agents.models import AgentAccount, Escalation
from kernel.clock import utcnow
from tests.fixtures.gateway_services import AGENT_PASSWORD, SERVICE_TOKEN, create_escalation_via_api

SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
ARRIVALS = [0, 5, 10, 15, 20, 25, 400, 410, 420, 900, 905, 910, 915, 920, 925, 930, 1700, 1710, 2200, 2205, 2210, 2215]


def test_the_schedule_takes_the_case_when_the_kth_agent_frees_up():
    assert waits.schedule([], 240, 0) is None
    assert waits.schedule([0, 0], 240, 0) == 0 and waits.schedule([0, 0], 240, 1) == 0
    assert waits.schedule([0, 0], 240, 2) == 240 and waits.schedule([0, 0], 240, 4) == 480
    assert waits.schedule([100, 30], 240, 0) == 30 and waits.schedule([100, 30], 240, 1) == 100
    assert waits.schedule([100, 30], 240, 2) == 270   # 30 + 240: the second case of the faster agent


def _history(handling: list[int], agents: int = 2):
    """First come first served with ``agents`` agents: (arrival, start, end, agent index) per case."""
    free = [0] * agents
    out = []
    for arrival, h in zip(ARRIVALS, handling):
        i = min(range(agents), key=lambda k: (max(free[k], arrival), k))
        start = max(free[i], arrival)
        free[i] = start + h
        out.append((arrival, start, start + h, i))
    return out


def _estimates(app, history):
    """For each case: (estimated wait, real wait), with the database as it was at the case's arrival."""
    from agents.accounts import create_agent
    from gateway import sessions_of

    factory = sessions_of(app)
    with factory() as s:
        ids = []
        for name in ("anna", "bela"):
            a = create_agent(s, name, AGENT_PASSWORD, "agent", name.title())
            a.languages, a.channels, a.presence = "hu", "chat", "available"
            s.commit()
            sessions.open_session(s, a, 3600)
            ids.append(a.id)
    base = utcnow() - timedelta(hours=2)
    at = lambda seconds: base + timedelta(seconds=seconds)  # noqa: E731
    settings = waits.WaitSettings.of(app.config)
    pairs = []
    for n, (arrival, start, _end, _agent) in enumerate(history):
        now = at(arrival)
        with factory() as s:
            s.execute(delete(Escalation))
            for k in range(10):  # what came before the day: ten cases of exactly 240 s
                s.add(Escalation(reference=f"HD-P{k:02d}", idempotency_key=f"prior-{k}", channel="chat",
                                 conversation_id=f"prior-{k}", language="hu", reason="user_asked", transcript=[],
                                 tried=[], status="closed", claimed_by_id=ids[k % 2], created_at=at(-3000 + 60 * k),
                                 claimed_at=at(-3000 + 60 * k), closed_at=at(-2760 + 60 * k)))
            for m, (a2, s2, e2, i2) in enumerate(history[:n + 1]):
                status = "closed" if e2 <= arrival else "claimed" if s2 <= arrival and m != n else "waiting"
                s.add(Escalation(reference=f"HD-H{m:03d}", idempotency_key=f"hist-{m}", channel="chat",
                                 conversation_id=f"hist-{m}", language="hu", reason="user_asked", transcript=[],
                                 tried=[], status=status, created_at=at(a2) + timedelta(microseconds=m),
                                 claimed_by_id=ids[i2] if status != "waiting" else None,
                                 claimed_at=at(s2) if status != "waiting" else None,
                                 closed_at=at(e2) if status == "closed" else None))
            s.commit()
            case = s.scalar(select(Escalation).where(Escalation.idempotency_key == f"hist-{n}"))
            estimate = waits.for_case(s, case, settings, now=now)
            pairs.append((estimate.seconds, start - arrival))
    return pairs


def test_with_a_constant_handling_time_the_estimate_is_the_real_wait(console_app):
    pairs = _estimates(console_app, _history([240] * len(ARRIVALS)))
    assert [e for e, _ in pairs] == [r for _, r in pairs]
    assert max(r for _, r in pairs) >= 480  # the history really queues


def test_with_spread_handling_times_the_estimate_is_within_75_seconds_on_average(console_app):
    rng = random.Random(14)
    history = _history([rng.randint(150, 330) for _ in ARRIVALS])
    pairs = _estimates(console_app, history)
    mae = sum(abs(e - r) for e, r in pairs) / len(pairs)
    mean_wait = sum(r for _, r in pairs) / len(pairs)
    assert mean_wait > 120, "the history must queue for the check to mean something"
    assert mae <= 75, (mae, pairs)  # 59.8 s on this history


def test_the_phone_line_and_the_widget_read_the_expected_wait(console_app):
    from agents import phone_port
    from gateway import sessions_of

    client = console_app.test_client()
    first = create_escalation_via_api(client, conversation_id="w-1", idempotency_key="chat:w-1:1")
    status = client.get(f"/api/v1/escalations/{first['reference']}", headers=SERVICE).get_json()
    assert status["expected_wait_s"] is None and status["agents_available"] == 0  # nobody to take it
    with sessions_of(console_app)() as s:
        from agents.accounts import create_agent

        a = create_agent(s, "anna", AGENT_PASSWORD, "agent", "Anna")
        a.presence = "available"
        s.commit()
        sessions.open_session(s, a, 3600)
    second = create_escalation_via_api(client, conversation_id="w-2", idempotency_key="chat:w-2:1")
    default = console_app.config["AGENTS_DEFAULT_HANDLING_S"]
    status = client.get(f"/api/v1/escalations/{second['reference']}", headers=SERVICE).get_json()
    assert status["position"] == 2 and status["expected_wait_s"] == default and status["agents_available"] == 1
    line = client.get("/api/v1/waits?channel=chat&language=hu", headers=SERVICE).get_json()
    assert line["position"] == 3 and line["expected_wait_s"] == 2 * default
    assert client.get("/api/v1/waits?channel=fax&language=hu", headers=SERVICE).status_code == 422
    assert client.get("/api/v1/waits?channel=chat&language=hu").status_code == 401
    relay = client.get("/api/v1/chat/w-2/wait", headers={"Authorization": f"Bearer {second['chat_token']}"})
    assert relay.get_json() == {"status": "waiting", "position": 2, "expected_wait_s": default}
    assert client.get("/api/v1/chat/w-2/wait", headers={"Authorization": f"Bearer {first['chat_token']}"}).status_code == 403
    with console_app.app_context():
        heard = phone_port.expected_wait(second["id"])
        assert (heard.position, heard.expected_wait_s) == (2, default)
        with pytest.raises(phone_port.PortUnavailable):
            phone_port.expected_wait("no-such-case")
