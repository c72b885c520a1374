"""A queued caller hears the help desk's own expected wait (agents/waits.py through the port), in
their language: "about N minutes" when the one agent who takes the line is busy with a case, "less
than a minute" when they are free, and that nobody can tell when no agent takes the line. Without a
case (the fallback URL, a case never stored), Twilio's own queue figures are used as before."""
from __future__ import annotations

from datetime import timedelta

import pytest

from kernel.clock import utcnow

TEXTS = {
    "hu": {"minutes": "körülbelül 4 perc", "soon": "Egy percen belül", "unknown": "nem tudjuk megmondani",
           "position": "1. helyen áll a sorban."},
    "en": {"minutes": "about 4 minutes", "soon": "in less than a minute", "unknown": "we cannot tell",
           "position": "You are number 1 in the queue."},
}


def _agent(app, busy_for_s: int | None):
    """Anna takes phone calls in both languages, is available, and (``busy_for_s``) has been on a phone
    case that long; the phone line's recent cases took 240 s each."""
    from agents import sessions
    from agents.accounts import create_agent
    from agents.models import Escalation
    from gateway import sessions_of
    from tests.fixtures.gateway_services import AGENT_PASSWORD

    now = utcnow()
    with sessions_of(app)() as s:
        a = create_agent(s, "anna", AGENT_PASSWORD, "agent", "Anna")
        a.presence, a.presence_at = "available", now - timedelta(hours=1)
        s.commit()
        sessions.open_session(s, a, 3600)
        for k in range(3):
            s.add(Escalation(reference=f"HD-Q{k}", idempotency_key=f"q-{k}", channel="phone", conversation_id=f"CAq{k}",
                             language="hu", reason="caller_pressed_0", transcript=[], tried=[], status="closed",
                             claimed_by_id=a.id, created_at=now - timedelta(seconds=1000 + 300 * k),
                             claimed_at=now - timedelta(seconds=900 + 300 * k), closed_at=now - timedelta(seconds=660 + 300 * k)))
        if busy_for_s is not None:
            s.add(Escalation(reference="HD-QB", idempotency_key="q-busy", channel="phone", conversation_id="CAqb",
                             language="en", reason="caller_pressed_0", transcript=[], tried=[], status="claimed",
                             claimed_by_id=a.id, created_at=now - timedelta(seconds=busy_for_s + 5),
                             claimed_at=now - timedelta(seconds=busy_for_s)))
        s.commit()


def _queued(call_phone, lang):
    call = call_phone()
    call.dial()
    if lang == "en":
        call.press("9")
    call.press("0")
    assert "&case=" in call.enqueue.attrib["waitUrl"]
    return call


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_a_queued_caller_hears_the_expected_wait_from_handling_times_and_available_agents(phone_app, call_phone, lang):
    _agent(phone_app, busy_for_s=30)    # 240 s cases, 30 s into one: about 210 s -> "about 4 minutes"
    call = _queued(call_phone, lang)
    says = call.wait_in_queue(position=7, average=900, waited=20).says   # Twilio's own figures are not used
    assert any(TEXTS[lang]["position"] in s for s in says), says
    assert any(TEXTS[lang]["minutes"] in s for s in says), says


@pytest.mark.parametrize("lang, busy, key", [("hu", None, "soon"), ("en", None, "soon"), ("en", "nobody", "unknown")])
def test_a_free_agent_means_less_than_a_minute_and_no_agent_means_no_estimate(phone_app, call_phone, lang, busy, key):
    if busy is None:
        _agent(phone_app, busy_for_s=None)
    call = _queued(call_phone, lang)
    says = call.wait_in_queue(position=1, average=60, waited=10).says
    assert any(TEXTS[lang][key] in s for s in says), says
