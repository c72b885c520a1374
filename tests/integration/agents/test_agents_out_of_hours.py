"""The escalations outside the agents' working hours (kernel.hours): a chat case left as a message is
answered once people are back, so its relay token lasts AGENTS_CHAT_TOKEN_HOURS from the opening, not
from the case (at most a week) and the widget still hears the agent's reply; within the hours nothing
changes, and a retried request still answers the same token. The supervisors' live view says whether
people answer and when they are back."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from kernel.hours import WorkingHours
from tests.fixtures.gateway_services import SERVICE_TOKEN, make_gateway_app, sample_escalation

EIGHT_HOURS = 8 * 3600


def closed_until_the_day_after_tomorrow() -> WorkingHours:
    today = datetime.now(timezone.utc).astimezone(ZoneInfo("Europe/Budapest")).date()
    days = ",".join((today + timedelta(days=d)).isoformat() for d in (-1, 0, 1))
    return WorkingHours.parse("mon-sun 08:00-18:00", days, "Europe/Budapest")


@pytest.fixture
def app_with_hours(gateway_settings):
    apps = []

    def make(hours):
        app = make_gateway_app(gateway_settings, AGENTS_WORKING_HOURS=hours)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["gateway_engine"].dispose()


def escalate(client, conversation_id):
    r = client.post("/api/v1/escalations", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                    json=sample_escalation(conversation_id=conversation_id, idempotency_key=f"chat:{conversation_id}:1"))
    assert r.status_code in (200, 201)
    return r.get_json()


def expiry(token: str) -> int:
    return int(token.split(".", 1)[0])


def test_out_of_hours_the_relay_token_lasts_from_the_opening(app_with_hours):
    from agents import escalations
    from gateway import settings_of

    hours = closed_until_the_day_after_tomorrow()
    app = app_with_hours(hours)
    client = app.test_client()
    created = datetime.now(timezone.utc)
    answer = escalate(client, "night-1")
    back = hours.next_open(created)
    assert abs(expiry(answer["chat_token"]) - (back.timestamp() + EIGHT_HOURS)) <= 5
    assert escalate(client, "night-1")["chat_token"] == answer["chat_token"]  # a retry: the same token
    secret = settings_of(app).secret_key
    # an hour after the opening the agent's reply still reaches the widget; a day later it does not
    assert escalations.chat_token_valid(secret, answer["id"], answer["chat_token"], now=back.timestamp() + 3600)
    assert not escalations.chat_token_valid(secret, answer["id"], answer["chat_token"],
                                            now=back.timestamp() + EIGHT_HOURS + 60)
    r = client.post("/api/v1/chat/night-1/messages", json={"text": "Kérem, hívjanak vissza."},
                    headers={"Authorization": f"Bearer {answer['chat_token']}"})
    assert r.status_code in (200, 201)


def test_within_the_hours_the_token_lasts_as_set(app_with_hours):
    client = app_with_hours(WorkingHours.parse("always")).test_client()
    before = datetime.now(timezone.utc).timestamp()
    token = escalate(client, "day-1")["chat_token"]
    assert before + EIGHT_HOURS - 5 <= expiry(token) <= before + EIGHT_HOURS + 5


def test_a_far_opening_is_capped_at_a_week():
    from agents.escalations import MAX_CHAT_TOKEN_S, chat_token_lifetime

    created = datetime(2026, 12, 23, 18, 0, tzinfo=timezone.utc)
    holidays = ",".join((datetime(2026, 12, 24) + timedelta(days=d)).date().isoformat() for d in range(30))
    hours = WorkingHours.parse("mon-fri 08:00-18:00", holidays, "Europe/Budapest")
    assert chat_token_lifetime(created, EIGHT_HOURS, hours) == MAX_CHAT_TOKEN_S
    assert chat_token_lifetime(created, EIGHT_HOURS, None) == EIGHT_HOURS


def test_bad_working_hours_are_named_in_the_agents_settings():
    from agents.settings import AgentsSettings, SettingsError

    with pytest.raises(SettingsError, match="AGENTS_HOLIDAYS|'2026-02-30' is not an ISO date"):
        AgentsSettings.from_env({"AGENTS_HOLIDAYS": "2026-02-30"})
    assert AgentsSettings.from_env({"AGENTS_HOURS": "always"}).hours.always


@pytest.mark.parametrize("language, words", [("hu", "Munkaidőn kívül."), ("en", "Outside working hours.")])
def test_the_live_view_says_whether_people_answer_and_when_they_are_back(app_with_hours, language, words):
    from agents.accounts import create_agent
    from gateway import sessions_of
    from kernel.hours import describe
    from tests.fixtures.gateway_services import AGENT_PASSWORD, login

    hours = closed_until_the_day_after_tomorrow()
    app = app_with_hours(hours)
    with sessions_of(app)() as s:
        create_agent(s, "vera", AGENT_PASSWORD, "supervisor", "Vera")
    client = app.test_client()
    assert login(client, "vera").status_code == 302
    page = client.get("/agents/live?part=1", headers={"Accept-Language": language}).get_data(as_text=True)
    now = datetime.now(timezone.utc)
    back = describe(hours.next_open(now), now, language)
    assert words in page and back in page and 'id="live-hours" class="hours-closed"' in page
    data = client.get("/agents/live.json").get_json()["working_hours"]
    assert data == {"open": False, "back_at": hours.next_open(now).isoformat()}

    open_app = app_with_hours(WorkingHours.parse("always"))  # the same database: Vera is there
    other = open_app.test_client()
    assert login(other, "vera").status_code == 302
    assert 'class="hours-open"' in other.get("/agents/live?part=1").get_data(as_text=True)
    assert other.get("/agents/live.json").get_json()["working_hours"] == {"open": True, "back_at": None}
