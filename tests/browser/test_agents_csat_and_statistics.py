"""CSAT and the statistics page in a real browser (no Rasa stack): the widget asks for a 1-5 rating
when the agent closes the chat and when the user ends a chat the bot handled, in Hungarian and
English, once; ending while waiting for an agent counts as abandoned; the supervisor's statistics
page shows a seeded history's figures as charts and passes axe-core. The page's screenshot is saved
into docs/img/ for the README."""
from __future__ import annotations

import pathlib
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from tests.fixtures.gateway_services import AGENT_PASSWORD, SERVICE_TOKEN, sample_escalation, start_live_gateway
from tests.fixtures.widget_page import open_seeded_widget

pytestmark = pytest.mark.slow
DOCS_IMG = pathlib.Path(__file__).resolve().parents[2] / "docs" / "img"
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
        create_agent(s, "vera", AGENT_PASSWORD, "supervisor", "Vera")
    yield live
    live.stop()
    live.app.extensions["gateway_engine"].dispose()
    rasa.stop()


def ratings(gw, conversation_id):
    from agents.models import CsatRating
    from gateway import sessions_of

    with sessions_of(gw.app)() as s:
        return list(s.scalars(select(CsatRating).where(CsatRating.conversation_id == conversation_id)))


def widget(context, gw, conversation_id: str, lang: str = "hu", handoff: dict | None = None):
    """The widget with a stored conversation (its session id = the Rasa sender id)."""
    state = {"session_id": conversation_id, "lang": lang, "langChosen": True, "open": True, "outbox": [],
             "history": [{"kind": "bot", "text": "Miben segíthetek?" if lang == "hu" else "How can I help?",
                          "at": "2026-12-01T10:00:00Z"}], "handoff": None}
    if handoff:
        state["handoff"] = {"conversation_id": conversation_id, "reference": handoff["reference"],
                            "escalation_id": handoff["id"], "chat_token": handoff["chat_token"], "last_event_id": 0}
    page = open_seeded_widget(context, gw.url, state)
    return page


def escalate(gw, conversation_id):
    r = httpx.post(gw.url + "/api/v1/escalations", headers=SERVICE,
                   json=sample_escalation(conversation_id=conversation_id, idempotency_key=f"chat:{conversation_id}:1"))
    assert r.status_code == 201
    return r.json()


def login(context, gw, username):
    page = context.new_page()
    page.goto(gw.url + "/agents/")
    page.fill("#username", username)
    page.fill("#password", AGENT_PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#queue")
    return page


def test_when_the_agent_closes_the_chat_the_widget_asks_for_one_rating(browser, gw, screenshot, axe_check):
    esc = escalate(gw, "csat-agent-1")
    user_ctx = browser.new_context(locale="hu-HU", bypass_csp=True)
    agent_ctx = browser.new_context(locale="hu-HU")
    try:
        user = widget(user_ctx, gw, "csat-agent-1", handoff=esc)
        agent = login(agent_ctx, gw, "anna")
        agent.click(f"tr:has-text('{esc['reference']}') button:has-text('Átveszem')")
        agent.wait_for_selector("#reply-form")
        user.wait_for_selector("text=Ügyintéző csatlakozott: Anna")
        agent.select_option("#outcome", "solved")
        agent.click("form:has(#outcome) button[type=submit]")
        user.wait_for_selector("text=Mennyire elégedett ezzel a beszélgetéssel?", timeout=10000)
        assert user.locator(".hdw-end").is_hidden()  # one rating: the End chat button is gone
        assert user.locator(".hdw-rate-send").is_disabled()
        user.click(".hdw-star:has-text('5')")
        user.fill("#hdw-rate-c", "Gyors volt. A kódom ABCD-1234-EFGH-5678")
        assert axe_check(user, ".hdw-root") == []
        screenshot(user, "widget-rating")
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        user.screenshot(path=str(DOCS_IMG / "widget-rating.png"))
        user.click(".hdw-rate-send")
        user.wait_for_selector("text=Köszönjük a visszajelzést!")
        user.reload()
        user.wait_for_selector("text=Köszönjük a visszajelzést!")  # stays answered after a reload
        assert user.locator(".hdw-star").count() == 0
    finally:
        user_ctx.close()
        agent_ctx.close()
    [row] = ratings(gw, "csat-agent-1")
    assert (row.channel, row.rating, row.escalation_id) == ("chat", 5, esc["id"]) and row.agent_id is not None
    assert "ABCD-1234-EFGH-5678" not in row.comment and "Gyors volt." in row.comment


def test_an_english_user_ends_a_chat_the_bot_handled_and_rates_it(browser, gw, screenshot):
    assert httpx.post(gw.url + "/api/v1/conversation-events", headers=SERVICE, json={
        "conversation_id": "csat-bot-1", "channel": "chat", "language": "en", "kind": "started"}).status_code == 201
    context = browser.new_context(locale="en-GB")
    try:
        page = widget(context, gw, "csat-bot-1", lang="en")
        page.click("button.hdw-end:has-text('End chat')")
        page.wait_for_selector("text=How satisfied are you with this chat?")
        assert page.get_attribute(".hdw-star:has-text('1')", "aria-label") == "1 of 5 – very dissatisfied"
        page.click(".hdw-star:has-text('4')")
        page.click(".hdw-rate-send")
        page.wait_for_selector("text=Thank you for your feedback!")
        screenshot(page, "widget-rating-en-thanks")
    finally:
        context.close()
    [row] = ratings(gw, "csat-bot-1")
    assert (row.channel, row.conversation_id, row.language, row.rating, row.escalation_id) == \
        ("chat", "csat-bot-1", "en", 4, None)


def test_ending_the_chat_while_waiting_for_an_agent_counts_as_abandoned(browser, gw):
    from agents.models import Escalation
    from gateway import sessions_of

    esc = escalate(gw, "csat-left-1")
    context = browser.new_context(locale="hu-HU")
    try:
        page = widget(context, gw, "csat-left-1", handoff=esc)
        page.wait_for_selector(f"text=Ügyintézőre vár (ügyszám: {esc['reference']})")
        page.click("button.hdw-end")
        page.wait_for_selector("text=Mennyire elégedett ezzel a beszélgetéssel?")
        page.click(".hdw-rate-skip")
        page.wait_for_selector("text=Köszönjük. Bármikor kezdhet új beszélgetést.")
        page.wait_for_timeout(300)
    finally:
        context.close()
    with sessions_of(gw.app)() as s:
        row = s.get(Escalation, esc["id"])
        assert (row.status, row.outcome) == ("closed", "user_left_waiting")
    assert ratings(gw, "csat-left-1") == []


def test_a_chat_handed_back_to_the_bot_is_rated_later_with_its_cases_token(browser, gw):
    esc = escalate(gw, "csat-back-1")
    user_ctx, agent_ctx = browser.new_context(locale="en-GB"), browser.new_context(locale="hu-HU")
    try:
        user = widget(user_ctx, gw, "csat-back-1", lang="en", handoff=esc)
        agent = login(agent_ctx, gw, "anna")
        agent.click(f"tr:has-text('{esc['reference']}') button:has-text('Átveszem')")
        agent.wait_for_selector("#hand-back")
        user.wait_for_selector("text=An agent has joined: Anna")
        agent.click("#hand-back")
        user.wait_for_selector("text=You are talking to the assistant again.")
        assert user.locator(".hdw-star").count() == 0  # a hand-back is not the end of the chat
        user.click("button.hdw-end")
        user.click(".hdw-star:has-text('3')")
        user.click(".hdw-rate-send")
        user.wait_for_selector("text=Thank you for your feedback!")
    finally:
        user_ctx.close()
        agent_ctx.close()
    [row] = ratings(gw, "csat-back-1")
    assert (row.rating, row.escalation_id) == (3, esc["id"])


def seed_history(gw):
    """A week of conversations on both channels, with handoffs, one abandoned call, ratings."""
    from agents import csat
    from agents.models import AgentAccount, AuditEntry, ConversationEvent, Escalation, EscalationMessage
    from gateway import sessions_of
    from kernel.clock import utcnow

    now = utcnow().replace(minute=0, second=0, microsecond=0)
    topics = ["code_expired", "code_not_received", "own_name_as_username", "code_as_password", "forgot_password",
              "forgot_username"]
    with sessions_of(gw.app)() as s:
        anna = s.scalar(select(AgentAccount).where(AgentAccount.username == "anna"))
        n, channels = 0, {}
        for day in range(6, -1, -1):
            for i in range(3 + (day % 3) * 2):
                n += 1
                channel = "phone" if i % 3 == 0 else "chat"
                lang = "en" if i % 4 == 1 else "hu"
                at = now - timedelta(days=day, hours=i)
                cid = f"seed-{n}"
                channels[cid] = channel
                s.add(ConversationEvent(conversation_id=cid, channel=channel, language=lang, kind="started", detail="",
                                        at=at, contact_key=f"{n % 5:064d}" if n % 7 == 0 else None))
                s.add(ConversationEvent(conversation_id=cid, channel=channel, language=lang, kind="topic",
                                        detail=topics[n % 6], at=at))
                if n % 3 == 0:
                    s.add(ConversationEvent(conversation_id=cid, channel=channel, language=lang, kind="topic",
                                            detail="new_code_completed", at=at))
                if n % 4 == 0:
                    abandoned = n % 8 == 0 and channel == "phone"
                    e = Escalation(reference=f"HD-S{n:03d}", idempotency_key=f"{channel}:{cid}", channel=channel,
                                   conversation_id=cid, language=lang, reason="user_asked", transcript=[], tried=[],
                                   status="closed", created_at=at + timedelta(minutes=2),
                                   claimed_at=None if abandoned else at + timedelta(minutes=3, seconds=n),
                                   closed_at=at + timedelta(minutes=9),
                                   claimed_by_id=None if abandoned else anna.id,
                                   outcome="caller_hung_up_waiting" if abandoned else "solved")
                    s.add(e)
                    s.flush()
                    if channel == "chat" and not abandoned:
                        s.add(EscalationMessage(escalation_id=e.id, kind="message", sender="agent", text="Jó napot!",
                                                agent_id=anna.id, created_at=at + timedelta(minutes=3, seconds=40)))
                    if n % 12 == 0:
                        s.add(AuditEntry(agent_id=anna.id, actor="anna", action="new_code_requested",
                                         escalation_id=e.id, detail={}))
        s.commit()
        for k in range(1, n + 1):
            if k % 2 or k % 4 == 0:
                csat.record_rating(s, channel=channels[f"seed-{k}"], conversation_id=f"seed-{k}",
                                   rating=[5, 4, 2, 5, 3, 4, 1][k % 7])


def test_the_supervisor_sees_the_figures_as_charts_and_exports_them(browser, gw, screenshot, axe_check):
    seed_history(gw)
    context = browser.new_context(locale="hu-HU", bypass_csp=True, viewport={"width": 1100, "height": 900})
    try:
        page = login(context, gw, "vera")
        page.goto(gw.url + "/agents/stats")
        for language, heading in (("hu", "Fő mutatók"), ("en", "Key figures")):
            if language == "en":  # the console's language switch in the header
                page.select_option("#console-language", "en")
                page.click("form.language button[type=submit]")
            page.wait_for_selector(f"h2:has-text('{heading}')")
            for kpi in ("containment", "handoff", "abandonment", "csat", "first-answer", "handling", "new-codes"):
                assert page.locator(f"#kpi-{kpi}").inner_text() not in ("", "–"), kpi
            assert page.locator("svg.chart").count() >= 10
            assert page.locator("#figures-mistake tbody tr").count() == 6  # S4-S9
            assert page.locator("#figures-agent tr[data-group='Anna']").count() == 1
            assert axe_check(page) == []
            screenshot(page, f"console-statistics-figures-{language}")
        with page.expect_download() as download:
            page.click("#csv-export")
        rows = pathlib.Path(download.value.path()).read_text(encoding="utf-8").splitlines()
        assert rows[0].startswith("dimension,group,conversations")
        assert any(r.startswith("mistake,S7 code_as_password") for r in rows)
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_IMG / "statistics.png"), full_page=True)
    finally:
        context.close()
