"""The production topology in a real browser (Debian's Chromium), everything through the public TLS
address of the proxy: a user chats with the assistant in the widget (socket.io to a Rasa replica),
asks for a person; an agent logs in to the console in a second browser, takes the escalation and
replies; the user sees the reply (the relay's event stream is served by a gateway stream process,
the reply posted to a web process)."""
from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.timeout(1200)]

AGENT_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def prod(production_topology):
    from agents.accounts import create_agent
    from gateway.db import make_engine, make_session_factory

    engine = make_engine(production_topology.env["GATEWAY_DATABASE_URL"])
    try:
        with make_session_factory(engine)() as session:
            create_agent(session, "anna", AGENT_PASSWORD, "agent", "Anna")
    finally:
        engine.dispose()
    return production_topology


def _bots(page) -> int:
    return page.locator(".hdw-bot").count()


def _user_says(page, text: str, timeout: float = 30.0) -> None:
    before = _bots(page)
    page.fill("#hdw-input", text)
    page.press("#hdw-input", "Enter")
    deadline = time.monotonic() + timeout
    while _bots(page) <= before:
        assert time.monotonic() < deadline, f"the bot did not answer {text!r}"
        page.wait_for_timeout(100)


def test_a_chat_in_the_widget_and_an_agent_taking_it_all_through_the_proxy(browser, prod, screenshot):
    user_ctx = browser.new_context(locale="hu-HU", ignore_https_errors=True)
    agent_ctx = browser.new_context(locale="hu-HU", ignore_https_errors=True)
    try:
        user = user_ctx.new_page()
        user.goto(prod.public_url + "/")
        user.click(".hdw-launcher")
        user.wait_for_selector("text=Az asszisztenssel beszél.", timeout=30000)
        _user_says(user, "Jó napot! Mi az az ügyfélkapu?")
        conversation = user.evaluate("window.HelpdeskWidget.sessionId()")
        assert conversation
        screenshot(user, "production-widget-chat")

        _user_says(user, "Ügyintézővel szeretnék beszélni")
        deadline = time.monotonic() + 30
        while user.evaluate("window.HelpdeskWidget.mode()") != "agent":
            assert time.monotonic() < deadline, "the widget never switched to the agent relay"
            buttons = user.locator(".hdw-buttons button")
            if buttons.count():  # the bot may ask to confirm: take the affirmative option
                buttons.first.click()
                user.wait_for_timeout(500)
            user.wait_for_timeout(200)
        reference = user.evaluate("JSON.parse(localStorage.getItem('hdw-state-v1')).handoff.reference")

        agent = agent_ctx.new_page()
        agent.goto(prod.public_url + "/agents/")
        agent.fill("#username", "anna")
        agent.fill("#password", AGENT_PASSWORD)
        agent.click("form.login button[type=submit]")
        agent.wait_for_selector(f"text={reference}", timeout=20000)
        agent.click(f"tr:has-text('{reference}') button:has-text('Átveszem')")
        agent.wait_for_selector("#reply-form")
        user.wait_for_selector("text=Ügyintéző csatlakozott: Anna", timeout=15000)
        agent.fill("#reply-text", "Jó napot, Anna vagyok. Miben segíthetek?")
        agent.click("#reply-form button[type=submit]")
        user.wait_for_selector(".hdw-agent >> text=Miben segíthetek?", timeout=10000)
        screenshot(user, "production-widget-agent-reply")
        # the widget's conversation lives on one Rasa replica: its tracker answers on the hashed one
        assert conversation == user.evaluate("window.HelpdeskWidget.sessionId()")
    finally:
        user_ctx.close()
        agent_ctx.close()
