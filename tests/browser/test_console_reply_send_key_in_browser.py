"""The console's reply form and its send key in a real browser (issue #12): the answer to a reply
the gateway stored is lost on the way back (the connection reset, or a 503 from a proxy), the agent's
page sends it again with the same key and the chat gets it once; an edited text or the next message
after a success is a new send with a new key. The gateway is real; the browser's network layer
(Playwright's route) lets the first request through to it and drops or replaces only its answer."""
from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from agents.models import EscalationMessage
from tests.fixtures.gateway_services import AGENT_PASSWORD, SERVICE_TOKEN, sample_escalation, start_live_gateway

pytestmark = pytest.mark.slow
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
REPLY = "**/agents/escalations/*/reply"


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    from agents.accounts import create_agent
    from gateway import sessions_of
    from gateway.settings import GatewaySettings
    from tests.fixtures.gateway_services import GATEWAY_SECRETS

    db = tmp_path_factory.mktemp("gateway-send-key") / "gateway.db"
    live = start_live_gateway(GatewaySettings.from_env({"GATEWAY_DATABASE_URL": f"sqlite:///{db}", **GATEWAY_SECRETS}))
    with sessions_of(live.app)() as s:
        create_agent(s, "anna", AGENT_PASSWORD, "agent", "Anna")
    yield live
    live.stop()
    live.app.extensions["gateway_engine"].dispose()


def send_key_of(post_data: str) -> str:
    """The send key in a reply POST's body: multipart from the script's fetch, urlencoded from the form."""
    match = re.search(r'name="send_key"\r\n\r\n([^\r]+)\r\n|(?:^|&)send_key=([^&]+)', post_data)
    assert match, post_data[:300]
    return match.group(1) or match.group(2)


def stored_texts(gw, escalation_id: str) -> list[str]:
    from gateway import sessions_of

    with sessions_of(gw.app)() as s:
        return list(s.scalars(select(EscalationMessage.text).where(
            EscalationMessage.escalation_id == escalation_id, EscalationMessage.sender == "agent")
            .order_by(EscalationMessage.id)))


@pytest.fixture
def case_page(browser, gw, request):
    """Anna's console in a browser, on a chat case she claimed: (page, escalation id)."""
    cid = f"send-key-{request.node.name[-40:]}"
    esc = httpx.post(gw.url + "/api/v1/escalations", headers=SERVICE, json=sample_escalation(
        conversation_id=cid, idempotency_key=f"chat:{cid}:1")).json()
    context = browser.new_context(locale="hu-HU")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the script's alert() of a failed send
    page.goto(gw.url + "/agents/")
    page.fill("#username", "anna")
    page.fill("#password", AGENT_PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#queue")
    page.click(f"tr:has-text('{esc['reference']}') button:has-text('Átveszem')")
    page.wait_for_selector("#reply-form")
    yield page, esc["id"]
    context.close()


def test_a_reply_whose_answer_was_lost_is_sent_again_with_its_key_and_stored_once(case_page, gw):
    """The script's request reaches the gateway, which stores the reply; the connection is reset before
    the answer. The script falls back to posting the form itself, with the same key: one message."""
    page, escalation_id = case_page
    keys = []

    def lose_the_first_answer(route, request):
        keys.append(send_key_of(request.post_data))
        if len(keys) == 1:
            route.fetch()  # the gateway handles it
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(REPLY, lose_the_first_answer)
    text = "Kérem, nézze meg a levélszemét mappát."
    page.fill("#reply-text", text)
    with page.expect_navigation():
        page.click("#reply-form button[type=submit]")
    page.wait_for_selector(f"#messages >> text={text}")
    assert len(keys) == 2 and keys[0] == keys[1]
    assert stored_texts(gw, escalation_id) == [text]
    assert page.locator("#messages li.agent").count() == 1
    assert page.locator("#reply-form input[name=send_key]").input_value() != keys[0]  # the new page: a new key


def test_the_script_keeps_the_key_for_the_same_text_after_a_503_and_draws_a_new_one_after_a_success_or_an_edit(
        case_page, gw):
    from playwright.sync_api import expect

    page, escalation_id = case_page
    keys: list[str] = []
    fail = {"next": False}

    def answer(route, request):
        keys.append(send_key_of(request.post_data))
        if fail["next"]:
            fail["next"] = False
            route.fetch()  # stored by the gateway; the agent gets a proxy's 503 instead of its answer
            route.fulfill(status=503, content_type="application/json", body='{"message": "Próbálja újra."}')
        else:
            route.continue_()

    page.route(REPLY, answer)

    def send(text: str, failing: bool = False) -> None:
        fail["next"] = failing
        sent = len(keys)
        if page.locator("#reply-text").input_value() != text:
            page.fill("#reply-text", text)
        page.click("#reply-form button[type=submit]")
        for _ in range(100):  # Playwright runs the route handler while the page waits
            if len(keys) > sent:
                break
            page.wait_for_timeout(50)
        assert len(keys) == sent + 1, "the reply was not posted"

    send("Első üzenet.", failing=True)
    page.wait_for_timeout(300)
    assert page.locator("#reply-text").input_value() == "Első üzenet."  # kept for the resend
    send("Első üzenet.")  # the agent presses send again: the same key, nothing new stored
    expect(page.locator("#reply-text")).to_have_value("")  # sent: the box is emptied
    assert keys[0] == keys[1]
    assert stored_texts(gw, escalation_id) == ["Első üzenet."]

    send("Első üzenet.")  # the same words again after a success: a new message, a new key
    expect(page.locator("#reply-text")).to_have_value("")  # sent: the box is emptied
    assert keys[2] != keys[1]
    assert stored_texts(gw, escalation_id) == ["Első üzenet.", "Első üzenet."]

    send("Második, elírva.", failing=True)
    page.wait_for_timeout(300)
    send("Második, javítva.")  # edited after the failed send: another message, so another key
    expect(page.locator("#reply-text")).to_have_value("")  # sent: the box is emptied
    assert keys[4] != keys[3]
    assert stored_texts(gw, escalation_id) == ["Első üzenet.", "Első üzenet.", "Második, elírva.", "Második, javítva."]
    expect(page.locator("#messages li.agent")).to_have_count(4)  # what the agent sees: each message once
