"""The widget in Chromium when a person is asked for outside the agents' working hours: the assistant's
handoff carries when people are back (kernel.hours, as actions/working_hours.py builds it), and the
widget's state line says so in the chat's language — after a language switch too — instead of "waiting
for an agent"; what the user writes meanwhile reaches the case (the message for the agents). Once the
opening has passed, the usual waiting line returns. axe-core: no serious or critical violation."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kernel.hours import WorkingHours, describe_both
from tests.fixtures.gateway_services import SERVICE_TOKEN, sample_escalation, start_live_gateway
from tests.fixtures.widget_page import open_seeded_widget

pytestmark = pytest.mark.slow


@pytest.fixture
def gateway(gateway_settings, rasa_api_stub):
    gw = start_live_gateway(replace(gateway_settings, rasa_url=rasa_api_stub.url))
    yield gw
    gw.stop()
    gw.app.extensions["gateway_engine"].dispose()


def closed_now() -> dict:
    """The handoff's "closed" of a rule closed today and tomorrow (local), as the action server sends it."""
    now = datetime.now(timezone.utc)
    today = now.astimezone(ZoneInfo("Europe/Budapest")).date()
    days = ",".join((today + timedelta(days=d)).isoformat() for d in (-1, 0, 1))
    status = WorkingHours.parse("mon-sun 08:00-18:00", days, "Europe/Budapest").status(now)
    assert not status.open
    return {"back_at": status.back_at.isoformat(), "back": describe_both(status.back_at, now)}


def escalate(gw, conversation_id: str) -> dict:
    import httpx

    r = httpx.post(gw.url + "/api/v1/escalations", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                   json=sample_escalation(conversation_id=conversation_id, idempotency_key=f"chat:{conversation_id}:1"))
    assert r.status_code == 201
    return r.json()


def open_widget(context, gw, conversation_id: str):
    state = {"session_id": conversation_id, "lang": "hu", "langChosen": False, "open": True, "outbox": [],
             "history": [], "handoff": None}
    page = open_seeded_widget(context, gw.url, state)
    page.wait_for_function("window.HelpdeskWidget")
    return page


def test_out_of_hours_the_widget_says_when_people_are_back_and_takes_the_message(browser, gateway, screenshot,
                                                                                 axe_check):
    from agents.models import Escalation, EscalationMessage
    from gateway import sessions_of

    esc = escalate(gateway, "widget-closed-1")
    closed = closed_now()
    context = browser.new_context(locale="hu-HU", bypass_csp=True)  # lets axe-core be injected
    errors: list[str] = []
    try:
        page = open_widget(context, gateway, "widget-closed-1")
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.evaluate("h => window.HelpdeskWidget.handoff(h)", {
            "reference": esc["reference"], "escalation_id": esc["id"], "chat_token": esc["chat_token"],
            "closed": closed})
        hungarian = f"Ügyintézőink {closed['back']['hu']} érhetők el (ügyszám: {esc['reference']})."
        page.wait_for_selector(f".hdw-state >> text={hungarian}")
        assert "Ügyintézőre vár" not in page.locator(".hdw-state").inner_text()

        page.fill("#hdw-input", "Nem kaptam meg a kódot, kérem, hívjanak vissza holnap.")
        page.press("#hdw-input", "Enter")
        page.wait_for_selector(".hdw-user:not(.hdw-pending) >> text=hívjanak vissza holnap", timeout=10000)
        with sessions_of(gateway.app)() as session:
            case = session.scalar(select(Escalation).where(Escalation.id == esc["id"]))
            texts = list(session.scalars(select(EscalationMessage.text)
                                         .where(EscalationMessage.escalation_id == esc["id"])))
        assert case.status == "waiting" and any("hívjanak vissza holnap" in t for t in texts)
        screenshot(page, "widget-out-of-hours")
        violations = axe_check(page, ".hdw-root")
        assert violations == [], violations

        page.click(".hdw-lang")  # the same notice in English, without asking anybody again
        english = f"Our agents are available {closed['back']['en']} (case {esc['reference']})."
        page.wait_for_selector(f".hdw-state >> text={english}")

        page.reload()  # kept across a reload (the handoff state is in localStorage)
        page.wait_for_selector(f".hdw-state >> text={english}")
    finally:
        context.close()
    assert errors == []


def test_once_the_opening_has_passed_the_usual_waiting_line_returns(browser, gateway):
    esc = escalate(gateway, "widget-closed-2")
    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    context = browser.new_context(locale="hu-HU")
    try:
        page = open_widget(context, gateway, "widget-closed-2")
        page.evaluate("h => window.HelpdeskWidget.handoff(h)", {
            "reference": esc["reference"], "escalation_id": esc["id"], "chat_token": esc["chat_token"],
            "closed": {"back_at": past.isoformat(), "back": {"hu": "ma 8 órától", "en": "later today from 8 am"}}})
        page.wait_for_selector(f".hdw-state >> text=Ügyintézőre vár (ügyszám: {esc['reference']})")
        assert "érhetők el" not in page.locator(".hdw-state").inner_text()
    finally:
        context.close()
