"""action_diagnose: details only for a verified user, never the e-mail or username (S5, S9)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from actions.email_address import sealed
from dialogue_fakes import FakeCredentials, run, slot_values, tracker

from kernel.contracts import CodeMail, Diagnosis, LiveCode, LoginFailure
from actions.diagnosis import ActionDiagnose

USER, MAIL = "kisspista77", "kiss.pista@gmail.com"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def checked(backend, username=USER, email=MAIL, language="hu"):
    trk = tracker(text="igen", intent="affirm",
                  slots={"username": username, "email": sealed(email), "email_confirmed": True, "language": language})
    return run(ActionDiagnose(backend), trk)


def verified(**kw):
    return FakeCredentials(accounts={USER: MAIL}, diagnosis=Diagnosis(verified=True, **kw))


def test_unverified_diagnosis_gets_the_generic_answer_identical_for_unknown_account():
    backend = FakeCredentials(accounts={USER: MAIL}, diagnosis=Diagnosis(verified=True, state="active"))
    unknown = checked(backend, username="nincsilyen1")
    wrong_mail = checked(backend, email="mas@example.com")
    assert unknown == wrong_mail
    assert unknown[1] == ["utter_diagnosis_generic", "utter_offer_new_code"]
    assert slot_values(unknown[0])["diagnosis"] == {"verified": False}


def test_code_typed_as_password_is_explained_s7():
    _, responses, _ = checked(verified(state="active", live_code=LiveCode(False, None),
                                       recent_failures=[LoginFailure(NOW, "code_used_as_password")]))
    assert responses[0] == "utter_diagnosis_code_as_password"


def test_latest_failure_reason_wins():
    backend = verified(state="active", recent_failures=[
        LoginFailure(NOW - timedelta(days=2), "wrong_password"),
        LoginFailure(NOW, "username_looks_like_legal_name")])
    _, responses, _ = checked(backend)
    assert responses[0] == "utter_diagnosis_own_name"  # S6


def test_pending_account_with_a_live_code_is_told_until_when_it_is_valid_s4():
    expires = datetime(2026, 11, 29, 11, 30, tzinfo=timezone.utc)
    _, responses, messages = checked(verified(state="pending", live_code=LiveCode(True, expires)))
    assert responses[:2] == ["utter_diagnosis_not_activated", "utter_diagnosis_live_code"]
    assert messages[1]["code_valid_until"] == "2026. november 29., 12:30"  # Budapest time


def test_pending_account_without_a_live_code_needs_a_new_code_s4():
    events, responses, _ = checked(verified(state="pending", live_code=LiveCode(False, None, last_expired=True)))
    assert responses == ["utter_diagnosis_not_activated", "utter_diagnosis_code_expired", "utter_offer_new_code"]
    assert slot_values(events)["offer"] == "new_code"


def test_refused_code_mail_points_at_the_mailbox_and_the_office_s5():
    _, responses, _ = checked(verified(state="active", last_code_mail=CodeMail("refused", NOW)))
    assert "utter_diagnosis_mail_failed" in responses


def test_locked_account_offers_a_person():
    events, responses, _ = checked(verified(state="locked"))
    assert responses == ["utter_diagnosis_locked", "utter_offer_handoff"]
    assert slot_values(events)["offer"] == "handoff"


def test_diagnosis_never_reveals_the_email_or_the_username():
    backend = verified(state="pending", live_code=LiveCode(True, NOW + timedelta(days=3)),
                       recent_failures=[LoginFailure(NOW, "code_used_as_password")],
                       last_code_mail=CodeMail("refused", NOW))
    events, _, messages = checked(backend)
    shown = repr(messages) + repr(slot_values(events)["diagnosis"])
    assert MAIL not in shown and USER not in shown


def test_diagnose_backend_down_offers_a_person():
    events, responses, _ = checked(FakeCredentials(down=True))
    assert responses == ["utter_backend_down", "utter_offer_handoff"]
    assert slot_values(events)["handoff_reason"] == "backend_down"


def test_diagnose_never_raises():
    _, responses, _ = checked(FakeCredentials(broken=True))
    assert responses == ["utter_backend_down", "utter_offer_handoff"]
