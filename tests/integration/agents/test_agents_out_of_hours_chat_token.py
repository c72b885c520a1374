"""A chat case left as a message outside the agents' working hours (kernel.hours) is answered once
people are back: its relay token lasts AGENTS_CHAT_TOKEN_HOURS from the opening, not from the case
(at most a week), so the widget still hears the agent's reply; within the hours nothing changes, and a
retried request still answers the same token."""
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
