"""Routing and the expected wait in a real browser (issue #14): two agents set themselves available;
a new chat case is offered to the one idle longest (Anna, console in Hungarian), who sees the offer
appear on her queue page by itself and passes; the next agent (Béla, console in English) sees it,
accepts, and lands on the case. A user whose chat then waits (widget in English) sees the expected
wait: only Béla takes it and he has just started a case, so "about 5 min". axe-core finds nothing
serious on the offer. The offer's screenshot goes to docs/img/routing-offer.png."""
from __future__ import annotations

import pathlib

import httpx
import pytest

from tests.browser.test_agents_widget_relay import agent_login, escalate, open_widget_in_handoff
from tests.browser.test_agents_widget_relay import relay_gateway as gw  # noqa: F401 (the fixture: Anna and Béla)
from tests.fixtures.gateway_services import SERVICE_TOKEN, sample_escalation

pytestmark = pytest.mark.slow
DOCS_IMG = pathlib.Path(__file__).resolve().parents[2] / "docs" / "img"


def set_presence(page, presence):
    page.select_option("#presence", presence)
    page.click("form.presence button[type=submit]")
    page.wait_for_selector("#queue")


def test_an_offer_is_passed_to_the_next_agent_who_accepts_and_the_waiting_user_sees_the_expected_wait(
        browser, gw, screenshot, axe_check):
    anna_ctx = browser.new_context(locale="hu-HU", bypass_csp=True)
    bela_ctx = browser.new_context(locale="en-GB")
    user_ctx = browser.new_context(locale="en-GB")
    try:
        anna, bela = agent_login(anna_ctx, gw, "anna"), agent_login(bela_ctx, gw, "bela")
        set_presence(anna, "available")
        set_presence(bela, "available")  # later: Anna has been idle longer
        case = escalate(gw, "routing-1")
        anna.wait_for_selector(f"#offer >> text={case['reference']}", timeout=10000)
        assert anna.locator("#offer h2").inner_text() == "Önnek felajánlott ügy"
        assert bela.locator("#offer").count() == 0
        assert axe_check(anna, "#offer-box") == []
        screenshot(anna, "console-routing-offer")
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        anna.screenshot(path=str(DOCS_IMG / "routing-offer.png"), full_page=True)
        anna.click("#offer form.offer-pass button")
        anna.wait_for_selector("#offer-box >> text=Továbbadva")
        bela.wait_for_selector(f"#offer >> text={case['reference']}", timeout=10000)
        assert bela.locator("#offer h2").inner_text() == "A case is offered to you"
        bela.click("#offer form.offer-accept button")
        bela.wait_for_url(f"**/agents/escalations/{case['id']}")
        # Anna steps away: the next English chat has only Béla, who has just started a case
        set_presence(anna, "away")
        r = httpx.post(gw.url + "/api/v1/escalations", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                       json=sample_escalation(conversation_id="routing-2", idempotency_key="chat:routing-2:1",
                                              language="en"))
        assert r.status_code == 201
        user = open_widget_in_handoff(user_ctx, gw, "routing-2", r.json())
        user.evaluate("() => { const s = JSON.parse(localStorage.getItem('hdw-state-v1')); s.lang = 'en'; "
                      "localStorage.setItem('hdw-state-v1', JSON.stringify(s)); }")
        user.reload()
        user.wait_for_selector(".hdw-state >> text=Expected wait: about 5 min.", timeout=10000)
        assert r.json()["reference"] in user.locator(".hdw-state").inner_text()
        screenshot(user, "widget-expected-wait")
    finally:
        for ctx in (anna_ctx, bela_ctx, user_ctx):
            ctx.close()
