"""A data subject's erasure request in a real browser: the supervisor opens "Törlés", finds what one
username's conversations hold (rows per kind, nothing deleted yet), confirms and erases; the page says
how many rows went and no longer shows the name; the subject's case and events are gone from the
database, another person's stay. axe-core finds nothing serious."""
from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select

from tests.fixtures.gateway_services import AGENT_PASSWORD, SERVICE_TOKEN, sample_escalation, start_live_gateway

pytestmark = pytest.mark.slow
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


@pytest.fixture
def gw(gateway_settings, rasa_api_stub):
    live = start_live_gateway(replace(gateway_settings, rasa_url=rasa_api_stub.url), AGENTS_RASA_TRACKER_URL="-")
    from agents.accounts import create_agent
    from gateway import sessions_of

    with sessions_of(live.app)() as s:
        create_agent(s, "vera", AGENT_PASSWORD, "supervisor", "Vera")
    yield live
    live.stop()
    live.app.extensions["gateway_engine"].dispose()


def test_a_supervisor_erases_one_usernames_conversations_in_the_console(browser, gw, screenshot, axe_check):
    from agents.models import ConversationEvent, Escalation
    from gateway import sessions_of

    for conv, account in (("erase-me", "kovacs.anna"), ("keep-me", "nagy.bela")):
        event = {"conversation_id": conv, "channel": "chat", "language": "hu", "kind": "started", "account": account}
        assert httpx.post(gw.url + "/api/v1/conversation-events", headers=SERVICE, json=event).status_code in (200, 201)
        body = sample_escalation(conversation_id=conv, idempotency_key=f"chat:{conv}:1")
        assert httpx.post(gw.url + "/api/v1/escalations", headers=SERVICE, json=body).status_code == 201
    context = browser.new_context(locale="hu-HU", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(gw.url + "/agents/")
        page.fill("#username", "vera")
        page.fill("#password", AGENT_PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_selector("#queue")
        page.click("nav a:has-text('Törlés')")
        page.wait_for_selector("h1:has-text('Egy személy beszélgetéseinek törlése')")
        page.check("input[name=kind][value=username]")
        page.fill("#privacy-find input[name=value]", "Kovacs.Anna")
        page.click("#privacy-find button[type=submit]")
        page.wait_for_selector("#privacy-found")
        assert page.locator("#privacy-found tr:has(td:text-is('transcripts')) td").nth(1).inner_text() == "1"
        assert page.locator("#privacy-found tr:has(td:text-is('conversation_events')) td").nth(1).inner_text() == "1"
        with sessions_of(gw.app)() as s:  # finding deleted nothing
            assert len(list(s.scalars(select(Escalation.id)))) == 2
        assert axe_check(page) == []
        page.check("#privacy-erase input[name=confirm]")
        page.click("#privacy-erase button[type=submit]")
        page.wait_for_selector("#privacy-erased")
        assert "Törölve:" in page.content() and "Kovacs.Anna" not in page.content()
        screenshot(page, "console-erasure")
        with sessions_of(gw.app)() as s:
            assert set(s.scalars(select(Escalation.conversation_id))) == {"keep-me"}
            assert set(s.scalars(select(ConversationEvent.conversation_id))) == {"keep-me"}
    finally:
        context.close()
