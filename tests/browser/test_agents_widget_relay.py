"""The widget and the console in a real browser, without the Rasa stack: a chat that the bot has
already handed off (handoff payload in the widget's stored state) goes through the gateway's relay.
A user writes in Hungarian, an agent logs in in a second context, claims, replies; the user sees
it, across a page reload and a dropped connection (messages typed offline arrive once, in order);
the agent hands back. axe-core finds no serious or critical violation in the widget or the console."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from tests.fixtures.gateway_services import AGENT_PASSWORD, SERVICE_TOKEN, sample_escalation, start_live_gateway
from tests.fixtures.widget_page import open_seeded_widget

pytestmark = pytest.mark.slow


@pytest.fixture
def relay_gateway(gateway_settings, rasa_api_stub):
    gw = start_live_gateway(replace(gateway_settings, rasa_url=rasa_api_stub.url))
    from agents.accounts import create_agent
    from gateway import sessions_of

    with sessions_of(gw.app)() as s:
        create_agent(s, "anna", AGENT_PASSWORD, "agent", "Anna")
        create_agent(s, "bela", AGENT_PASSWORD, "agent", "Béla")
    yield gw
    gw.stop()
    gw.app.extensions["gateway_engine"].dispose()


def escalate(gw, conversation_id: str) -> dict:
    import httpx

    r = httpx.post(gw.url + "/api/v1/escalations", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                   json=sample_escalation(conversation_id=conversation_id, idempotency_key=f"chat:{conversation_id}:1"))
    assert r.status_code == 201
    return r.json()


def open_widget_in_handoff(context, gw, conversation_id: str, esc: dict):
    """The state the widget has right after the bot's handoff message (session id = Rasa sender id)."""
    state = {"session_id": conversation_id, "lang": "hu", "langChosen": False, "open": True, "outbox": [],
             "history": [{"kind": "bot", "text": f"Átadom egy ügyintézőnek. Az ügyszáma: {esc['reference']}.",
                          "at": "2026-11-24T10:00:00Z"}],
             "handoff": {"conversation_id": conversation_id, "reference": esc["reference"],
                         "escalation_id": esc["id"], "chat_token": esc["chat_token"], "last_event_id": 0}}
    page = open_seeded_widget(context, gw.url, state)
    return page


def user_says(page, text: str):
    page.fill("#hdw-input", text)
    page.press("#hdw-input", "Enter")


def agent_login(context, gw, username="anna"):
    page = context.new_page()
    page.goto(gw.url + "/agents/")
    page.fill("#username", username)
    page.fill("#password", AGENT_PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#queue")
    return page


def test_user_and_agent_chat_through_the_relay_across_reload_and_dropped_connection(
        browser, relay_gateway, rasa_api_stub, screenshot, axe_check):
    gw = relay_gateway
    esc = escalate(gw, "widget-session-1")
    user_ctx = browser.new_context(locale="hu-HU")
    agent_ctx = browser.new_context(locale="hu-HU", bypass_csp=True)  # lets axe-core be injected
    errors: list[str] = []
    try:
        user = open_widget_in_handoff(user_ctx, gw, "widget-session-1", esc)
        user.on("pageerror", lambda e: errors.append(str(e)))
        user.wait_for_selector(f"text=Ügyintézőre vár (ügyszám: {esc['reference']})")
        user_says(user, "Jó napot, nem tudok belépni az ügyfélkapuba.")
        user.wait_for_selector(".hdw-user:not(.hdw-pending) >> text=nem tudok belépni")

        agent = agent_login(agent_ctx, gw)
        agent.wait_for_selector(f"text={esc['reference']}")
        screenshot(agent, "console-queue")
        agent.click(f"tr:has-text('{esc['reference']}') button:has-text('Átveszem')")
        agent.wait_for_selector("#reply-form")
        agent.wait_for_selector("#messages >> text=nem tudok belépni")
        user.wait_for_selector("text=Ügyintéző csatlakozott: Anna")

        agent.fill("#reply-text", "Jó napot! Anna vagyok, segítek. Milyen hibaüzenetet lát?")
        agent.click("#reply-form button[type=submit]")
        user.wait_for_selector(".hdw-agent >> text=Milyen hibaüzenetet lát?", timeout=5000)
        screenshot(user, "widget-agent-reply")

        # a reload in the middle: same conversation, history kept, relay resumes
        user.reload()
        user.wait_for_selector(".hdw-agent >> text=Milyen hibaüzenetet lát?")
        agent.fill("#reply-text", "Kérem, írja le pontosan.")
        agent.click("#reply-form button[type=submit]")
        user.wait_for_selector(".hdw-agent >> text=Kérem, írja le pontosan.", timeout=5000)
        assert user.locator(".hdw-agent >> text=Milyen hibaüzenetet lát?").count() == 1

        # a dropped connection: messages typed offline are sent in order, once, when it is back
        user_ctx.set_offline(True)
        user_says(user, "Azt írja, hibás a felhasználónév.")
        user_says(user, "A saját nevemet írtam be.")
        user.wait_for_selector(".hdw-user.hdw-pending >> text=A saját nevemet írtam be.")
        agent.fill("#reply-text", "A felhasználónév nem a saját neve: azt írja be, amit az okmányirodában választott.")
        agent.click("#reply-form button[type=submit]")
        user_ctx.set_offline(False)
        user.evaluate("window.dispatchEvent(new Event('online'))")
        user.wait_for_selector(".hdw-agent >> text=amit az okmányirodában választott", timeout=10000)
        user.wait_for_selector(".hdw-user:not(.hdw-pending) >> text=A saját nevemet írtam be.", timeout=10000)
        agent.wait_for_selector("#messages >> text=A saját nevemet írtam be.", timeout=5000)
        texts = agent.locator("#messages li.user").all_text_contents()
        offline_texts = [t for t in texts if "hibás a felhasználónév" in t or "saját nevemet" in t]
        assert len(offline_texts) == 2 and "hibás a felhasználónév" in offline_texts[0]

        violations = axe_check(user, ".hdw-root")
        assert violations == [], violations
        violations = axe_check(agent)
        assert violations == [], violations
        screenshot(agent, "console-claimed-chat")

        agent.click("#hand-back")
        user.wait_for_selector("text=Ismét az asszisztenssel beszél.", timeout=5000)
        assert rasa_api_stub.requests[-1]["body"] == [{"event": "resume"}]
        assert user.evaluate("window.HelpdeskWidget.mode()") == "bot"
        screenshot(user, "widget-handed-back")
    finally:
        user_ctx.close()
        agent_ctx.close()
    assert errors == []
    from agents.models import EscalationMessage
    from gateway import sessions_of

    with sessions_of(gw.app)() as s:
        users = [m.text for m in s.scalars(select(EscalationMessage).where(EscalationMessage.sender == "user")
                                            .order_by(EscalationMessage.id))]
    assert users == ["Jó napot, nem tudok belépni az ügyfélkapuba.", "Azt írja, hibás a felhasználónév.",
                     "A saját nevemet írtam be."]
