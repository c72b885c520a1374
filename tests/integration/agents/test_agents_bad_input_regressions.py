"""Regressions of what the gateway route fuzz (tests/reliability/test_fuzz_gateway_routes.py, issue #12)
found: inputs that were answered 500 with an ERROR traceback in the log."""
from __future__ import annotations

import logging

import pytest

from tests.fixtures.gateway_services import create_escalation_via_api, csrf_from, login


@pytest.fixture
def supervisor(gateway_app, make_agent):
    make_agent("sara", role="supervisor")
    client = gateway_app.test_client()
    assert login(client, "sara").status_code == 302
    return client, csrf_from(client.get("/agents/").get_data(as_text=True))


def no_traceback(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]


@pytest.mark.parametrize("number", [2 ** 31, 2 ** 63, 10 ** 30])
def test_a_row_id_past_the_id_columns_range_is_404_not_an_overflow_500(supervisor, number, caplog):
    """<int:agent_id> / <int:offer_id> past SQLite's (and PostgreSQL's integer) range raised
    OverflowError in the query: the routes' int converter now stops at 2**31 - 1 (gateway.RowIdConverter)."""
    client, csrf = supervisor
    for path in (f"/agents/accounts/{number}/revoke-sessions", f"/agents/team/{number}",
                 f"/agents/offers/{number}/accept", f"/agents/offers/{number}/pass"):
        answer = client.post(path, data={"csrf_token": csrf})
        assert answer.status_code == 404, (path, answer.status_code)
    assert no_traceback(caplog) == []


def test_the_largest_row_id_is_still_routed(supervisor):
    client, csrf = supervisor
    answer = client.post(f"/agents/accounts/{2 ** 31 - 1}/revoke-sessions", data={"csrf_token": csrf})
    assert answer.status_code == 404 and b"No such agent" in answer.data


@pytest.mark.parametrize("after, expected", [("²", 0), ("٣", 0), ("9" * 30, 0), ("99999999999", 0),
                                             (str(2 ** 31 - 1), 2 ** 31 - 1), (" 12 ", 12), ("", 0), (None, 0)])
def test_a_clients_after_id_of_unicode_digits_or_past_the_id_range_reads_from_the_start(after, expected):
    """``"²".isdigit()`` is true and int() refuses it; a 30-digit id overflowed the query inside the
    event stream (a broken stream, a traceback): both read the conversation from the start."""
    from agents.chat import after_id

    assert after_id(after) == expected


@pytest.mark.parametrize("after", ["²", "9" * 30])
def test_a_relay_stream_after_unicode_digits_or_a_huge_id_reads_from_the_start(live_gateway, after):
    import httpx

    live_gateway.app.config["AGENTS_STREAM_SECONDS"] = 0.5
    case = create_escalation_via_api(live_gateway.app.test_client())
    headers = {"Authorization": f"Bearer {case['chat_token']}"}
    url = f"{live_gateway.url}/api/v1/chat/sender-1/events"
    for answer in (httpx.get(url, headers=headers | {"Last-Event-ID": after.encode("utf-8")}, timeout=10),
                   httpx.get(url, params={"after": after}, headers=headers, timeout=10)):
        assert answer.status_code == 200 and "event: state" in answer.text, answer.text[:300]


@pytest.mark.parametrize("after", ["²", "9" * 30])
def test_the_console_messages_after_unicode_digits_or_a_huge_id_are_all_messages(gateway_app, gateway_client,
                                                                                  supervisor, after, caplog):
    client, _ = supervisor
    case = create_escalation_via_api(gateway_client)
    answer = client.get(f"/agents/escalations/{case['id']}/messages.json?after={after}")
    assert answer.status_code == 200 and answer.get_json()["status"] == "waiting"
    assert no_traceback(caplog) == []


@pytest.mark.parametrize("token", ["²²²²²²²²²²." + "f" * 64, "¹²³." + "0" * 64])
def test_a_chat_token_of_unicode_digits_is_refused_403_not_a_500(gateway_client, token, caplog):
    create_escalation_via_api(gateway_client)
    answer = gateway_client.get("/api/v1/chat/sender-1/wait", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and answer.get_json()["error"] == "forbidden"
    assert no_traceback(caplog) == []


@pytest.mark.parametrize("query", ["to=9999-12-31", "to=0001-01-01", "from=0001-01-01&to=0001-01-02",
                                   "to=0001-01-03&days=7", "days=²"])
def test_a_statistics_period_at_the_calendars_edges_falls_back_to_the_last_week(supervisor, query, caplog):
    """A 'to' of 9999-12-31 has no next midnight, one in year 1 none before it (OverflowError, 500):
    a period outside 2000-01-01..9998-12-31 is a bad value, the default period is shown."""
    client, _ = supervisor
    for path in ("/agents/stats", "/agents/stats.csv"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == 200, (path, query, answer.status_code)
    csv = client.get(f"/agents/stats.csv?{query}")
    assert "0001-" not in csv.headers["Content-Disposition"] and "9999-" not in csv.headers["Content-Disposition"]
    assert no_traceback(caplog) == []


def test_an_agent_number_of_unicode_digits_on_the_agent_line_is_refused_not_a_fallback(phone_app, call_phone, caplog):
    """Digits '²' passed the agent number's isdigit() filter and int() raised in the PIN check: the
    phone line's catch-all answered the fallback TwiML with a traceback in the log."""
    call = call_phone(app=phone_app)
    answer = call.post("/voice/agent/pin?agent=%C2%B2%C2%B2&attempt=1", {"Digits": "123456"}, record=False)
    assert answer.status == 200
    assert "Enqueue" not in answer.body  # not the fallback (which queues the caller)
    assert no_traceback(caplog) == []
