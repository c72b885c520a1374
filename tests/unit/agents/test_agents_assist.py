"""Agent assist ranks the canned answers that fit a case: the backend's recorded mistake types and
the conversation's topics first, then the account's state, then what the bot tried; nothing without
a reason; in the case's language."""
from __future__ import annotations

from agents.assist import score
from agents.canned import CANNED


def ranked(diagnosis=None, topics=(), tried=(), reason="user_asked"):
    scores, why = score(diagnosis, topics, tried, reason)
    order = list(CANNED)
    return [k for k in sorted(scores, key=lambda k: (-scores[k], order.index(k)))], why


def test_the_backends_login_reasons_rank_first_s6_s7():
    diagnosis = {"verified": True, "state": "active", "recent_failures": [
        {"at": "t", "reason": "code_used_as_password"}, {"at": "t", "reason": "code_used_as_password"},
        {"at": "t", "reason": "code_used_as_password"}, {"at": "t", "reason": "username_looks_like_legal_name"}]}
    order, why = ranked(diagnosis, topics=["forgot_password"])
    assert order[:3] == ["code_as_password", "own_name_as_username", "forgot_password"]
    assert why["code_as_password"] == ["assist_why_backend"] and why["forgot_password"] == ["assist_why_topic"]


def test_the_accounts_state_points_to_activation_expiry_and_the_mail_s3_s4_s5():
    diagnosis = {"verified": True, "state": "pending", "live_code": {"exists": False, "last_expired": True},
                 "last_code_mail": {"status": "refused"}}
    order, _ = ranked(diagnosis)
    assert set(order) == {"activation", "code_expired", "code_not_received", "wrong_email"}
    order, _ = ranked({"verified": True, "state": "active", "last_code_mail": {"status": "sent"}})
    assert order == []  # nothing fits: no suggestion


def test_what_the_bot_tried_and_why_it_handed_over_count_least():
    order, _ = ranked(topics=["code_expired"], tried=["request_new_code"], reason="backend_down")
    assert order == ["code_expired", "code_not_received", "contact"]


def test_an_unverified_diagnosis_adds_nothing_but_topics_still_count():
    order, _ = ranked({"verified": False, "state": "pending"}, topics=["forgot_username", "no_such_topic"])
    assert order == ["forgot_username"]
