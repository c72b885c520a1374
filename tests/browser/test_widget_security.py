"""The widget in a real browser, without the Rasa stack: what it keeps in localStorage never holds a
raw typed secret, only the copy the relay (or the bot's channel) stored, secrets redacted (issue 10, item 7)."""
from __future__ import annotations

import pytest

from tests.browser.test_agents_widget_relay import escalate, open_widget_in_handoff, relay_gateway, user_says  # noqa: F401

pytestmark = pytest.mark.slow


def test_widget_history_keeps_no_raw_secret(browser, relay_gateway):
    gw = relay_gateway
    esc = escalate(gw, "widget-secret-1")
    context = browser.new_context(locale="hu-HU")
    page = open_widget_in_handoff(context, gw, "widget-secret-1", esc)
    user_says(page, "my password is tavaszido")
    user_says(page, "Tavasz2024!! a jelszavam")
    page.wait_for_function("document.querySelectorAll('.hdw-user:not(.hdw-pending)').length >= 2")
    page.wait_for_function("!localStorage.getItem('hdw-state-v1').includes('tavaszido')")
    stored = page.evaluate("localStorage.getItem('hdw-state-v1')")
    assert "tavaszido" not in stored and "Tavasz2024" not in stored
    import json

    users = [h for h in json.loads(stored)["history"] if h["kind"] == "user"]
    assert len(users) == 2 and all(h.get("stored") for h in users)  # the relay's redacted copies
    context.close()
