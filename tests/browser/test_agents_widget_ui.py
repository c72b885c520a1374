"""The widget on its own (no assistant needed): keyboard use, Hungarian/English labels, the warning
before sending something shaped like a password or activation code (S7, S8), a phone-sized screen;
and the console pages (login, queue, statistics) pass axe-core without serious/critical findings."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.fixtures.gateway_services import AGENT_PASSWORD, start_live_gateway

pytestmark = pytest.mark.slow


@pytest.fixture
def ui_gateway(gateway_settings, rasa_api_stub):
    gw = start_live_gateway(replace(gateway_settings, rasa_url=rasa_api_stub.url))
    from agents.accounts import create_agent
    from gateway import sessions_of

    with sessions_of(gw.app)() as s:
        create_agent(s, "vera", AGENT_PASSWORD, "supervisor", "Vera")
    yield gw
    gw.stop()
    gw.app.extensions["gateway_engine"].dispose()


def test_widget_opens_by_keyboard_switches_language_and_closes_with_escape(browser, ui_gateway, screenshot, axe_check):
    page = browser.new_page(locale="hu-HU")
    try:
        page.goto(ui_gateway.url + "/")
        launcher = page.locator(".hdw-launcher")
        launcher.wait_for()
        assert launcher.get_attribute("aria-expanded") == "false"
        launcher.focus()
        page.keyboard.press("Enter")
        assert launcher.get_attribute("aria-expanded") == "true"
        assert page.evaluate("document.activeElement.id") == "hdw-input"
        assert page.locator("label[for=hdw-input]").text_content() == "Üzenet"
        assert page.locator(".hdw-log").get_attribute("role") == "log"
        page.click(".hdw-lang")
        assert page.locator("label[for=hdw-input]").text_content() == "Message"
        assert page.locator(".hdw-send").text_content() == "Send"
        assert page.locator(".hdw-root").get_attribute("lang") == "en"
        page.click(".hdw-lang")
        assert axe_check(page, ".hdw-root") == []
        page.locator("#hdw-input").press("Escape")
        assert launcher.get_attribute("aria-expanded") == "false"
        assert page.evaluate("document.activeElement.className") == "hdw-launcher"
    finally:
        page.close()


@pytest.mark.parametrize("secret", ["a jelszavam Tavasz2024!!", "K7QM-3XPA-9TDE-W2HF", "my password is Summer2024"])
def test_widget_warns_before_sending_a_password_or_code(browser, ui_gateway, secret):
    page = browser.new_page(locale="hu-HU")
    try:
        page.goto(ui_gateway.url + "/")
        page.click(".hdw-launcher")
        page.fill("#hdw-input", secret)
        page.press("#hdw-input", "Enter")
        alert = page.locator(".hdw-warn[role=alert]")
        alert.wait_for()
        assert "jelszónak vagy aktiváló kódnak" in alert.text_content()
        page.click("text=Javítom")
        assert page.input_value("#hdw-input") == secret
        assert page.locator(".hdw-user").count() == 0
        stored = page.evaluate("JSON.parse(localStorage.getItem('hdw-state-v1')).outbox")
        assert stored == []
    finally:
        page.close()


def test_ordinary_sentences_are_not_taken_for_secrets(browser, ui_gateway):
    page = browser.new_page()
    try:
        page.goto(ui_gateway.url + "/")
        page.wait_for_function("window.HelpdeskWidget")
        for text in ("my password doesn't work", "Elfelejtettem a jelszavamat", "nem jött meg a kód",
                     "kisspista77 a felhasználónevem"):
            assert page.evaluate("t => window.HelpdeskWidget.looksSecret(t)", text) is False, text
    finally:
        page.close()


def test_widget_fits_a_phone_sized_screen(browser, ui_gateway, screenshot):
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, locale="hu-HU")
    try:
        page = context.new_page()
        page.goto(ui_gateway.url + "/")
        page.click(".hdw-launcher")
        box = page.locator(".hdw-panel").bounding_box()
        assert box["width"] <= 375 and box["x"] >= 0
        assert page.locator("#hdw-input").is_visible() and page.locator(".hdw-send").is_visible()
        screenshot(page, "widget-phone-size")
    finally:
        context.close()


def test_console_pages_pass_axe(browser, ui_gateway, screenshot, axe_check):
    context = browser.new_context(bypass_csp=True, locale="hu-HU")
    try:
        page = context.new_page()
        page.goto(ui_gateway.url + "/agents/login")
        assert axe_check(page) == []
        page.fill("#username", "vera")
        page.fill("#password", AGENT_PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_selector("#queue")
        assert axe_check(page) == []
        page.goto(ui_gateway.url + "/agents/stats")
        page.wait_for_selector("svg.chart")
        assert axe_check(page) == []
        screenshot(page, "console-statistics")
    finally:
        context.close()
