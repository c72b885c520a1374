"""The supervisor's live view in a real browser: an agent sets "busy" in the console's header and the
supervisor's open page shows it without a reload; a case that waits past the limit turns up
highlighted by itself, and in the list of cases nobody accepted in the routing time; the lines show depth and longest wait per channel and language; today's
CSAT; axe-core finds nothing serious. The screenshot goes to docs/img/live.png for the README."""
from __future__ import annotations

import pathlib
import time
from dataclasses import replace

import httpx
import pytest

from tests.fixtures.gateway_services import AGENT_PASSWORD, SERVICE_TOKEN, sample_escalation, start_live_gateway

pytestmark = pytest.mark.slow
DOCS_IMG = pathlib.Path(__file__).resolve().parents[2] / "docs" / "img"
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
ALERT_S = 4


@pytest.fixture
def gw(gateway_settings, rasa_api_stub):
    live = start_live_gateway(replace(gateway_settings, rasa_url=rasa_api_stub.url), AGENTS_WAIT_ALERT_S=ALERT_S,
                              AGENTS_ROUTING_S=ALERT_S)
    from agents.accounts import create_agent
    from gateway import sessions_of

    with sessions_of(live.app)() as s:
        create_agent(s, "anna", AGENT_PASSWORD, "agent", "Anna")
        create_agent(s, "vera", AGENT_PASSWORD, "supervisor", "Vera")
    yield live
    live.stop()
    live.app.extensions["gateway_engine"].dispose()


def login(context, gw, username):
    page = context.new_page()
    page.goto(gw.url + "/agents/")
    page.fill("#username", username)
    page.fill("#password", AGENT_PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#queue")
    return page


def test_the_supervisor_sees_status_lines_and_late_cases_update_live(browser, gw, screenshot, axe_check):
    for n, lang in enumerate(("hu", "hu", "en")):
        body = sample_escalation(conversation_id=f"live-{n}", idempotency_key=f"chat:live-{n}:1", language=lang)
        assert httpx.post(gw.url + "/api/v1/escalations", headers=SERVICE, json=body).status_code == 201
    httpx.post(gw.url + "/api/v1/conversation-events", headers=SERVICE,
               json={"conversation_id": "live-bot", "channel": "chat", "language": "hu", "kind": "started"})
    httpx.post(gw.url + "/api/v1/conversations/live-bot/rating", json={"rating": 5})
    agent_ctx = browser.new_context(locale="hu-HU")
    sup_ctx = browser.new_context(locale="hu-HU", bypass_csp=True, viewport={"width": 1100, "height": 900})
    try:
        anna = login(agent_ctx, gw, "anna")
        sup = login(sup_ctx, gw, "vera")
        sup.click("nav a:has-text('Élő nézet')")
        sup.wait_for_selector("h1:has-text('Élő nézet')")
        assert sup.locator("tr[data-agent='Anna'] td.state").inner_text() == "távol"
        assert sup.locator("tr[data-line='chat-hu'] td.depth").inner_text() == "2"
        assert sup.locator("#live-csat").inner_text() == "100 %"
        anna.select_option("#presence", "busy")
        anna.click("form.presence button[type=submit]")
        # no reload: the page refreshes its part by itself
        sup.wait_for_selector("tr[data-agent='Anna'].state-busy >> text=foglalt", timeout=10000)
        deadline = time.monotonic() + 15
        while sup.locator("li.late").count() < 3:
            assert time.monotonic() < deadline, "the late cases were not highlighted"
            sup.wait_for_timeout(300)
        assert sup.locator("tr.late[data-line='chat-hu'] >> text=a határ felett").count() == 1
        # nobody accepted them within the routing time either: their own highlighted list
        sup.wait_for_selector("#live-unrouted li.unrouted >> nth=2", timeout=10000)
        assert sup.locator("#live-unrouted >> text=senki nem fogadta el").count() == 3
        assert sup.locator("tr[data-line='phone-hu'] td.depth").inner_text() == "0"
        assert axe_check(sup) == []
        screenshot(sup, "console-live-view")
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        sup.screenshot(path=str(DOCS_IMG / "live.png"), full_page=True)
    finally:
        agent_ctx.close()
        sup_ctx.close()
