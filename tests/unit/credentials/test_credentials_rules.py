"""Every backend rule of the letter (S1-S9), on the use cases with the in-memory unit of work
(conftest.py) and a frozen clock."""
from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from credentials.domain.exceptions import ActivationFailed, InvalidField, LoginFailed, PasswordRejected, UsernameTaken

START = "2026-03-02 09:00:00"
PASSWORD = "correct horse battery staple"
OTHER_PASSWORD = "another long passphrase here"
EMAIL = "janos.kovacs@example.hu"


def reason_of(call) -> str:
    with pytest.raises((ActivationFailed, LoginFailed)) as info:
        call()
    return info.value.reason


# --- S1: registration at the office --------------------------------------------------------------
def test_s1_registration_creates_a_pending_account_and_queues_the_first_code_mail(desk):
    result = desk.register()
    assert result["state"] == "pending"
    mails = [{"kind": m.kind, "language": m.language, "to_address": m.to_address, "status": m.status}
             for m in desk.mails()]
    assert mails == [{"kind": "activation_code", "language": "hu", "to_address": EMAIL, "status": "queued"}]


def test_s1_usernames_are_unique_case_insensitively(desk):
    desk.register("KovacsJ")
    with pytest.raises(UsernameTaken):
        desk.register("kovacsj", email="other@example.hu")


@pytest.mark.parametrize("username", ["ab", "1abc", "has space", "a" * 33, "kovács"])
def test_s1_usernames_are_validated(desk, username):
    with pytest.raises(InvalidField) as info:
        desk.register(username)
    assert info.value.field == "username"


# --- S2: codes stored only as hashes ----------------------------------------------------------------
def test_s2_code_is_stored_only_as_a_keyed_hash(desk):
    desk.register()
    code = desk.mailed_code()
    dump = repr(desk.tables.codes) + repr(desk.tables.outbox) + repr(desk.tables.audit)
    assert code not in dump and code.replace("-", "") not in dump


# --- S3: activation ------------------------------------------------------------------------------
def test_s3_activation_with_username_and_code_sets_the_new_password(desk):
    desk.register()
    assert desk.activate("KOVACSJ", desk.mailed_code(), PASSWORD) == {"status": "active"}
    assert desk.login("kovacsj", PASSWORD) == {"status": "ok"}


def test_s3_password_is_hashed_with_argon2id_owasp_parameters(desk):
    desk.register()
    desk.activate("kovacsj", desk.mailed_code(), PASSWORD)
    password_hash = desk.account().password_hash
    assert password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in password_hash


def test_s3_rejected_password_names_the_rule_and_keeps_the_code(desk):
    desk.register()
    code = desk.mailed_code()
    with pytest.raises(PasswordRejected) as info:
        desk.activate("kovacsj", code, "short")
    assert info.value.rule == "too_short"
    with pytest.raises(PasswordRejected) as info:
        desk.activate("kovacsj", code, code.lower())
    assert info.value.rule in ("equals_code", "too_short")
    with pytest.raises(PasswordRejected) as info:
        desk.activate("kovacsj", code, "kovacsj is my long password")
    assert info.value.rule == "contains_username"
    assert desk.activate("kovacsj", code, PASSWORD) == {"status": "active"}


def test_s3_password_equal_to_the_code_is_rejected(desk):
    desk.register()
    code = desk.mailed_code()
    with pytest.raises(PasswordRejected) as info:
        desk.activate("kovacsj", code, code)  # 19 characters with dashes: long enough
    assert info.value.rule == "equals_code"


# --- S4/S8: codes live five days, are single use, newer ones kill older ones -------------------------
def test_s4_code_expires_after_five_days(desk):
    with freeze_time(START) as clock:
        desk.register()
        code = desk.mailed_code()
        clock.tick(timedelta(days=5))
        assert reason_of(lambda: desk.activate("kovacsj", code, PASSWORD)) == "code_expired"


def test_s4_code_still_works_just_before_five_days(desk):
    with freeze_time(START) as clock:
        desk.register()
        code = desk.mailed_code()
        clock.tick(timedelta(days=5) - timedelta(seconds=1))
        assert desk.activate("kovacsj", code, PASSWORD) == {"status": "active"}


def test_s4_lapsed_code_can_be_replaced_by_a_new_code_any_time(desk):
    with freeze_time(START) as clock:
        desk.register()
        clock.tick(timedelta(days=30))
        desk.reset()
        assert desk.activate("kovacsj", desk.mailed_code(), PASSWORD) == {"status": "active"}


def test_s8_code_is_single_use(desk):
    desk.register()
    code = desk.mailed_code()
    desk.activate("kovacsj", code, PASSWORD)
    assert reason_of(lambda: desk.activate("kovacsj", code, OTHER_PASSWORD)) == "code_used"


def test_s8_new_code_invalidates_older_ones(desk):
    desk.register()
    old = desk.mailed_code()
    desk.reset()
    new = desk.mailed_code()
    assert new != old
    assert reason_of(lambda: desk.activate("kovacsj", old, PASSWORD)) == "code_superseded"
    assert desk.activate("kovacsj", new, PASSWORD) == {"status": "active"}


def test_s8_new_code_kills_the_queued_mail_of_the_older_code(desk):
    desk.register()
    desk.reset()
    statuses = [m.status for m in desk.mails("activation_code")]
    assert statuses == ["cancelled", "queued"]
    (cancelled,) = desk.mails(status="cancelled")
    assert cancelled.payload is None


WRONG = "AAAA-AAAA-AAAA-AAAA"


def test_five_wrong_entries_block_code_entry_from_that_source(desk):
    desk.register()
    code = desk.mailed_code()
    reasons = [reason_of(lambda: desk.activate_from("198.51.100.7", "kovacsj", WRONG, PASSWORD)) for _ in range(6)]
    assert reasons == ["wrong_code"] * 5 + ["code_entry_blocked"]
    assert reason_of(lambda: desk.activate_from("198.51.100.7", "kovacsj", code, PASSWORD)) == "code_entry_blocked"


def test_twenty_wrong_entries_from_any_sources_burn_the_code(desk):
    desk.register()
    code = desk.mailed_code()
    reasons = [reason_of(lambda: desk.activate_from(f"203.0.113.{i}", "kovacsj", WRONG, PASSWORD)) for i in range(20)]
    assert reasons == ["wrong_code"] * 19 + ["code_burned"]
    assert reason_of(lambda: desk.activate_from("192.0.2.1", "kovacsj", code, PASSWORD)) == "code_entry_blocked"
    assert desk.diagnose()["code_entry_blocked_until"] is not None


def test_new_code_does_not_reset_the_wrong_entry_counter(desk):
    with freeze_time(START) as clock:
        desk.register()
        for _ in range(5):
            reason_of(lambda: desk.activate("kovacsj", WRONG, PASSWORD))
        desk.reset()
        fresh = desk.mailed_code()
        assert reason_of(lambda: desk.activate("kovacsj", fresh, PASSWORD)) == "code_entry_blocked"
        report = desk.diagnose()
        assert report["code_entry_blocked_somewhere_until"] == "2026-03-03T09:00:00Z"
        assert report["code_entry_blocked_until"] is None  # the other sources may still enter codes
        clock.tick(timedelta(hours=24))
        desk.reset(source="session-2")
        assert desk.activate("kovacsj", desk.mailed_code(), PASSWORD) == {"status": "active"}


def test_wrong_entries_below_the_limit_do_not_burn_and_clear_on_activation(desk):
    desk.register()
    for _ in range(4):
        reason_of(lambda: desk.activate("kovacsj", WRONG, PASSWORD))
    assert desk.activate("kovacsj", desk.mailed_code(), PASSWORD) == {"status": "active"}
    account_id = desk.account_id("kovacsj")
    assert [k for k in desk.tables.rate_limits if k.startswith(f"code:{account_id}:")] == []


def test_s8_one_time_code_alone_does_not_log_in(desk):
    desk.register()
    code = desk.mailed_code()
    assert reason_of(lambda: desk.login("kovacsj", code)) == "code_used_as_password"


# --- login reasons (S6, S7) ------------------------------------------------------------------------
def test_login_failure_reasons_are_recorded(desk):
    with freeze_time(START) as clock:
        desk.register()
        assert reason_of(lambda: desk.login("nobody", PASSWORD)) == "unknown_username"
        assert reason_of(lambda: desk.login("kovacsj", PASSWORD)) == "not_activated"
        clock.tick(timedelta(days=6))
        assert reason_of(lambda: desk.login("kovacsj", PASSWORD)) == "code_expired"
        desk.reset()
        desk.activate("kovacsj", desk.mailed_code(), PASSWORD)
        assert reason_of(lambda: desk.login("kovacsj", OTHER_PASSWORD)) == "wrong_password"
    assert desk.login_reasons() == ["not_activated", "code_expired", "wrong_password"]


@pytest.mark.parametrize("typed", ["Kovács János", "kovacs janos", "János Kovács", "janos.kovacs", "KOVACS-JANOS",
                                   "kovacsjanos", "JanosKovacs"])
def test_s6_own_name_typed_as_username_is_recognised(desk, typed):
    desk.register()
    assert reason_of(lambda: desk.login(typed, PASSWORD)) == "username_looks_like_legal_name"
    assert desk.login_reasons() == ["username_looks_like_legal_name"]  # shows in the account's diagnosis


def test_s6_own_name_gets_the_same_generic_answer_as_an_unknown_name(credentials_client):
    from tests.fixtures.credentials_services import ADMIN_TOKEN, PORTAL_TOKEN

    credentials_client.post("/api/v1/office/accounts", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                            json={"username": "kovacsj", "legal_name": "Kovács János", "email": EMAIL, "language": "hu"})
    auth = {"Authorization": f"Bearer {PORTAL_TOKEN}"}
    own_name = credentials_client.post("/api/v1/login", headers=auth, json={"username": "Kovács János", "password": PASSWORD})
    unknown = credentials_client.post("/api/v1/login", headers=auth, json={"username": "Szabó Éva", "password": PASSWORD})
    assert (own_name.status_code, own_name.get_data()) == (unknown.status_code, unknown.get_data())


def test_s7_code_typed_as_password_after_activation_is_recognised(desk):
    desk.register()
    desk.activate("kovacsj", desk.mailed_code(), PASSWORD)
    desk.reset()
    reset_code = desk.mailed_code()
    assert reason_of(lambda: desk.login("kovacsj", reset_code.lower())) == "code_used_as_password"
    assert desk.login("kovacsj", PASSWORD) == {"status": "ok"}  # the reset request alone changes nothing


def test_lockout_after_ten_failures_and_unlock_with_a_new_code(desk):
    desk.register()
    desk.activate("kovacsj", desk.mailed_code(), PASSWORD)
    for _ in range(10):
        assert reason_of(lambda: desk.login("kovacsj", OTHER_PASSWORD)) == "wrong_password"
    assert reason_of(lambda: desk.login("kovacsj", PASSWORD)) == "locked"
    assert desk.diagnose()["state"] == "locked"
    desk.reset()
    desk.activate("kovacsj", desk.mailed_code(), OTHER_PASSWORD)
    assert desk.login("kovacsj", OTHER_PASSWORD) == {"status": "ok"}
    assert desk.diagnose()["state"] == "active"


def test_successful_login_resets_the_failure_count(desk):
    desk.register()
    desk.activate("kovacsj", desk.mailed_code(), PASSWORD)
    for _ in range(9):
        reason_of(lambda: desk.login("kovacsj", OTHER_PASSWORD))
    desk.login("kovacsj", PASSWORD)
    for _ in range(9):
        reason_of(lambda: desk.login("kovacsj", OTHER_PASSWORD))
    assert desk.login("kovacsj", PASSWORD) == {"status": "ok"}


# --- new-code requests (S4, S5, S8) -----------------------------------------------------------------
def test_s5_new_code_goes_only_to_the_address_on_file_in_the_account_language(desk):
    desk.register(email="Janos.Kovacs@Example.hu", language="en")
    desk.reset(email="janos.kovacs@example.hu")
    (mail,) = desk.mails("activation_code", "queued")
    assert (mail.to_address, mail.language) == ("Janos.Kovacs@Example.hu", "en")


def test_s5_new_code_request_with_a_different_email_sends_nothing(desk):
    desk.register()
    before = len(desk.mails())
    assert desk.reset(email="attacker@example.com") == {"status": "accepted"}
    assert len(desk.mails()) == before


def test_reset_request_answer_is_identical_for_unknown_user(desk, credentials_client):
    from tests.fixtures.credentials_services import SERVICE_TOKEN

    desk.register()

    def reset(username="kovacsj", email=EMAIL):
        r = credentials_client.post("/api/v1/reset-requests", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                                    json={"username": username, "email": email, "channel": "chat", "source": "s-1"})
        return r.status_code, r.json

    assert reset() == reset(username="nobody") == reset(email="x@example.com") == (202, {"status": "accepted"})


def test_reset_requests_limited_to_five_per_username_in_any_hour_and_ten_in_any_day(desk):
    with freeze_time(START) as clock:
        desk.register()
        for i in range(5):
            desk.reset(source=f"s{i}")
            clock.tick(timedelta(minutes=1))
        codes_after_five = desk.code_count()
        desk.reset(source="s-six")
        assert desk.code_count() == codes_after_five
        clock.tick(timedelta(minutes=56))  # the first of the five left the hour: one slot, no 24 h block
        desk.reset(source="s-later")
        assert desk.code_count() == codes_after_five + 1
        clock.tick(timedelta(hours=2))
        for i in range(6):
            desk.reset(source=f"t{i}")
        assert desk.code_count() == codes_after_five + 5  # ten in the day
        clock.tick(timedelta(hours=21))  # the day slides past the first request
        desk.reset(source="s-next-day")
        assert desk.code_count() == codes_after_five + 6


def test_reset_requests_limited_per_source_too(desk):
    for i in range(7):
        desk.register(f"user{i}", email=f"user{i}@example.hu")
    before = desk.code_count()
    for i in range(7):
        desk.reset(f"user{i}", f"user{i}@example.hu", source="+36301234567")
    assert desk.code_count() == before + 5
    assert "+36301234567" not in repr(desk.tables.rate_limits)


def test_new_code_request_queues_a_notice_without_secret(desk):
    desk.register()
    desk.reset()
    kinds = [m.kind for m in desk.mails()]
    assert kinds == ["activation_code", "activation_code", "notice_reset"]


# --- diagnosis ------------------------------------------------------------------------------------
def test_diagnose_needs_username_and_email_and_is_generic_otherwise(desk):
    desk.register()
    assert desk.diagnose(email="x@example.com") == {"verified": False}
    assert desk.diagnose(username="nobody") == {"verified": False}
    report = desk.diagnose(email="JANOS.KOVACS@example.hu")
    assert report["verified"] is True and report["state"] == "pending"
    assert report["live_code"]["exists"] is True
    assert report["last_code_mail"]["status"] == "queued"
    assert "email" not in repr(report).replace("last_code_mail", "")


def test_diagnose_reports_expired_code_and_recent_failures(desk):
    with freeze_time(START) as clock:
        desk.register()
        clock.tick(timedelta(days=6))
        reason_of(lambda: desk.login("Kovács János", PASSWORD))
        report = desk.diagnose()
    assert report["live_code"] == {"exists": False, "expires_at": None, "last_issued_at": "2026-03-02T09:00:00Z",
                                   "last_expired": True}
    assert [f["reason"] for f in report["recent_failures"]] == ["username_looks_like_legal_name"]


def test_diagnose_is_rate_limited_with_the_generic_answer(desk):
    desk.register()
    answers = [desk.diagnose() for _ in range(7)]
    assert all(a["verified"] for a in answers[:5])
    assert answers[5:] == [{"verified": False}] * 2


# --- S5, S9: only the office corrects the e-mail and tells a username --------------------------------
def test_s5_office_email_correction_kills_open_codes(desk):
    from credentials import services

    desk.register()
    old = desk.mailed_code()
    desk.call(services.correct_email, "kovacsj", "new.address@example.hu")
    assert reason_of(lambda: desk.activate("kovacsj", old, PASSWORD)) in ("code_burned", "code_superseded")
    desk.reset(email="new.address@example.hu")
    (mail,) = desk.mails("activation_code", "queued")
    assert mail.to_address == "new.address@example.hu"


def test_s9_office_discloses_usernames_by_legal_name(desk):
    from credentials import services

    desk.register("kovacsj")
    desk.register("kovacsj2", email="other@example.hu")
    assert desk.call(services.disclose_usernames, "kovacs janos", None) == ["kovacsj", "kovacsj2"]
    assert desk.call(services.disclose_usernames, "Kovács János", "other@example.hu") == ["kovacsj2"]


# --- audit ----------------------------------------------------------------------------------------
def test_audit_log_records_every_operation_masked_and_without_secrets(desk):
    desk.register()
    code = desk.mailed_code()
    reason_of(lambda: desk.login("kovacsj", code))
    desk.activate("kovacsj", code, PASSWORD)
    desk.login("kovacsj", PASSWORD)
    desk.reset()
    desk.diagnose()
    rows = desk.tables.audit
    assert [r.operation for r in rows] == ["office_register", "login", "activate", "login", "reset_request",
                                           "diagnose"]
    dump = repr(rows)
    for secret in (code, code.replace("-", ""), PASSWORD, "kovacsj", EMAIL):
        assert secret not in dump
    assert rows[1].reason == "code_used_as_password"
