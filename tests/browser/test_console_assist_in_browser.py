"""Agent assist in a real browser: an agent opens a claimed chat whose diagnosis shows the code typed
as the password (S7) and whose conversation raised the own-name mistake (S6); the console suggests
those canned answers first, in the case's language (English and Hungarian), and one click puts the
answer into the reply box."""
from __future__ import annotations


import httpx
import pytest

from tests.fixtures.gateway_services import AGENT_PASSWORD, SERVICE_TOKEN, sample_escalation, start_live_gateway

pytestmark = pytest.mark.slow
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    """One gateway for the module (each test uses its own conversations): a Rasa HTTP API stand-in."""
    from gateway.settings import GatewaySettings
    from tests.fixtures.gateway_services import GATEWAY_SECRETS, RecordingHttpServer

    rasa = RecordingHttpServer()
    db = tmp_path_factory.mktemp("gateway-h8") / "gateway.db"
    settings = GatewaySettings.from_env({"GATEWAY_DATABASE_URL": f"sqlite:///{db}", **GATEWAY_SECRETS,
                                         "RASA_URL": rasa.url})
    live = start_live_gateway(settings)
    from agents.accounts import create_agent
    from gateway import sessions_of

    with sessions_of(live.app)() as s:
        create_agent(s, "anna", AGENT_PASSWORD, "agent", "Anna")
    yield live
    live.stop()
    live.app.extensions["gateway_engine"].dispose()
    rasa.stop()


DIAGNOSIS = {"verified": True, "state": "active", "live_code": {"exists": False},
             "recent_failures": [{"at": "2026-12-01T09:00:00Z", "reason": "code_used_as_password"},
                                 {"at": "2026-12-01T09:01:00Z", "reason": "code_used_as_password"}]}


@pytest.mark.parametrize("language, first, second", [
    ("en", "Code typed as password (S7)", "Own name typed as username (S6)"),
    ("hu", "Kód a jelszó helyén (S7)", "Saját név a felhasználónév helyén (S6)"),
])
def test_the_console_suggests_the_fitting_canned_answers_ranked_one_click_to_insert(browser, gw, screenshot,
                                                                                    axe_check, language, first,
                                                                                    second):
    cid = f"assist-{language}"
    esc = httpx.post(gw.url + "/api/v1/escalations", headers=SERVICE, json=sample_escalation(
        conversation_id=cid, idempotency_key=f"chat:{cid}:1", language=language, diagnosis=DIAGNOSIS)).json()
    httpx.post(gw.url + "/api/v1/conversation-events", headers=SERVICE, json={
        "conversation_id": cid, "channel": "chat", "language": language, "kind": "topic",
        "detail": "own_name_as_username"})
    context = browser.new_context(locale="hu-HU", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(gw.url + "/agents/")
        page.fill("#username", "anna")
        page.fill("#password", AGENT_PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_selector("#queue")
        page.click(f"tr:has-text('{esc['reference']}') button:has-text('Átveszem')")
        page.wait_for_selector("#assist")
        titles = page.locator("#assist li strong").all_inner_texts()
        assert titles[:2] == [first, second]
        assert page.locator("#reply-text").input_value() == ""
        # the console speaks the agent's language (Hungarian here); the answers are in the case's
        page.click("#assist li[data-canned='code_as_password'] button:has-text('Beillesztés')")
        text = page.locator("#reply-text").input_value()
        assert text == page.locator("#assist li[data-canned='code_as_password'] blockquote").inner_text()
        assert ("activation code" if language == "en" else "aktiváló kód") in text
        assert axe_check(page) == []
        screenshot(page, f"console-assist-{language}")
        page.click("#reply-form button[type=submit]")
        page.wait_for_selector(f"#messages >> text={text[:30]}")
    finally:
        context.close()
