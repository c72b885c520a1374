"""The chat widget while the assistant is down (issue #12, docs/RELIABILITY.md): the browser is online
but Rasa does not answer (a restart after a crash, an outage) — the widget says so clearly, with the
S11 help line (189, +36 1 371 9300, 24 hours a day), and keeps what the user types queued to send
once the assistant is back (never lost, never sent twice)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.fixtures.gateway_services import start_live_gateway
from tests.fixtures.phone_driver import dead_url

pytestmark = pytest.mark.slow


@pytest.fixture
def gateway_without_assistant(gateway_settings):
    gw = start_live_gateway(replace(gateway_settings, rasa_url=dead_url()))
    yield gw
    gw.stop()
    gw.app.extensions["gateway_engine"].dispose()


@pytest.mark.parametrize("locale, words", [("hu-HU", ["nem érhető el", "24 órájában", "189", "+36 1 371 9300"]),
                                           ("en-GB", ["not reachable", "24 hours a day", "189", "+36 1 371 9300"])])
def test_the_widget_names_the_help_line_while_the_assistant_is_down(browser, gateway_without_assistant, locale, words,
                                                                   screenshot):
    page = browser.new_page(locale=locale)
    try:
        page.goto(gateway_without_assistant.url + "/")
        page.click(".hdw-launcher")
        if locale.startswith("en") and page.locator(".hdw-root").get_attribute("lang") != "en":
            page.click(".hdw-lang")
        state = page.locator(".hdw-state")
        page.wait_for_function("(w) => { const s = document.querySelector('.hdw-state');"
                               " return s && w.every(x => s.textContent.includes(x)); }", arg=words, timeout=15000)
        page.fill("#hdw-input", "nem kaptam meg a kódot")
        page.press("#hdw-input", "Enter")
        stored = page.evaluate("JSON.parse(localStorage.getItem('hdw-state-v1')).outbox")
        assert [m.get("text") for m in stored] == ["nem kaptam meg a kódot"], stored  # queued for when it is back
        assert all(w in state.text_content() for w in words)
        screenshot(page, f"widget-assistant-down-{locale}")
    finally:
        page.close()
