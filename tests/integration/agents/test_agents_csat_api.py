"""The widget's rating route: one rating per chat, only by the conversation's holder (the escalated
chat's token, or the session id of a chat the assistant recorded), comments redacted; leaving the
queue closes the case as abandoned; an account given with an event is stored only as a keyed digest."""
from __future__ import annotations

from sqlalchemy import select

from agents.models import ConversationEvent, CsatRating, Escalation
from tests.fixtures.gateway_services import SERVICE_TOKEN, create_escalation_via_api

SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def started(client, conversation_id, **extra):
    body = {"conversation_id": conversation_id, "channel": "chat", "language": "hu", "kind": "started", **extra}
    return client.post("/api/v1/conversation-events", json=body, headers=SERVICE)


def test_a_bot_chat_is_rated_once_and_the_comment_is_redacted(gateway_client, db_session):
    assert started(gateway_client, "s-bot-1").status_code == 201
    r = gateway_client.post("/api/v1/conversations/s-bot-1/rating",
                            json={"rating": 4, "comment": "a jelszavam Tavasz2024!! volt", "language": "hu"})
    assert r.status_code == 201 and r.get_json() == {"status": "recorded", "rating": 4}
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    again = gateway_client.post("/api/v1/conversations/s-bot-1/rating", json={"rating": 1})
    assert again.status_code == 200 and again.get_json() == {"status": "already_recorded", "rating": 4}
    rows = list(db_session.scalars(select(CsatRating)))
    assert len(rows) == 1 and "Tavasz2024" not in rows[0].comment and "REDACTEDSECRET" in rows[0].comment


def test_nothing_can_be_rated_from_nowhere(gateway_client, db_session):
    r = gateway_client.post("/api/v1/conversations/never-talked/rating", json={"rating": 5})
    assert r.status_code == 403
    esc = create_escalation_via_api(gateway_client, conversation_id="s-esc", idempotency_key="chat:s-esc:1")
    started(gateway_client, "s-esc")
    # an escalated chat needs its chat token: knowing the session id is not enough
    assert gateway_client.post("/api/v1/conversations/s-esc/rating", json={"rating": 5}).status_code == 403
    other = create_escalation_via_api(gateway_client, conversation_id="s-other", idempotency_key="chat:s-other:1")
    assert gateway_client.post("/api/v1/conversations/s-esc/rating", json={"rating": 5},
                               headers={"Authorization": f"Bearer {other['chat_token']}"}).status_code == 403
    ok = gateway_client.post("/api/v1/conversations/s-esc/rating", json={"rating": 5},
                             headers={"Authorization": f"Bearer {esc['chat_token']}"})
    assert ok.status_code == 201
    row = db_session.scalar(select(CsatRating))
    assert row.escalation_id == esc["id"] and row.channel == "chat"


def test_bad_ratings_are_422_naming_the_field_never_500(gateway_client):
    started(gateway_client, "s-bad")
    for body in ({"rating": 0}, {"rating": "5"}, {"rating": 3, "comment": "x" * 1001}, {"rating": 3, "language": "de"}):
        r = gateway_client.post("/api/v1/conversations/s-bad/rating", json=body)
        assert r.status_code == 422 and r.get_json()["field"] in ("rating", "comment", "language"), body
    assert gateway_client.post("/api/v1/conversations/s-bad/rating", data="nope").status_code == 400


def test_leaving_the_queue_closes_the_case_as_abandoned(gateway_client, db_session):
    esc = create_escalation_via_api(gateway_client, conversation_id="s-leave", idempotency_key="chat:s-leave:1")
    assert gateway_client.post("/api/v1/conversations/s-leave/leave").status_code == 403
    r = gateway_client.post("/api/v1/conversations/s-leave/leave", headers={"Authorization": f"Bearer {esc['chat_token']}"})
    assert r.status_code == 200 and r.get_json()["status"] == "left"
    row = db_session.scalar(select(Escalation).where(Escalation.id == esc["id"]))
    assert (row.status, row.outcome, row.claimed_at) == ("closed", "user_left_waiting", None)


def test_an_account_is_stored_only_as_a_keyed_digest(gateway_client, db_session):
    assert started(gateway_client, "s-acc").status_code == 201
    # the username becomes known later in the chat: the same event again adds the digest
    assert started(gateway_client, "s-acc", account="KPista77").status_code == 200
    started(gateway_client, "s-acc-2", account="kpista77")
    rows = {e.conversation_id: e.contact_key for e in db_session.scalars(select(ConversationEvent))}
    assert rows["s-acc"] and rows["s-acc"] == rows["s-acc-2"] and len(rows["s-acc"]) == 64
    assert "kpista" not in rows["s-acc"].lower()
    bad = started(gateway_client, "s-acc-3", account=["x"])
    assert bad.status_code == 422 and bad.get_json()["field"] == "account"
