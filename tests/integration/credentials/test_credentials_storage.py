"""What the real database holds (S2, S3, S9): codes only as keyed hashes, passwords only as argon2id
hashes, rate-limit keys only as pseudonyms; and the SQLAlchemy repositories keep the rules that the
unit tests prove on the in-memory unit of work."""
from __future__ import annotations

from tests.fixtures.credentials_services import Desk

PASSWORD = "correct horse battery staple"


def test_s2_code_is_stored_only_as_a_keyed_hash_in_the_database(credentials_app):
    desk = Desk(credentials_app)
    desk.register()
    code = desk.mailed_code()
    dump = "".join(repr(desk.rows(f"SELECT * FROM {table}")) for table in ("activation_codes", "outbox", "audit_log"))
    assert code not in dump and code.replace("-", "") not in dump


def test_s3_password_is_stored_as_an_argon2id_hash(credentials_app):
    desk = Desk(credentials_app)
    desk.register()
    desk.activate("kovacsj", desk.mailed_code(), PASSWORD)
    (row,) = desk.rows("SELECT password_hash FROM accounts")
    assert row["password_hash"].startswith("$argon2id$v=19$m=19456,t=2,p=1$") and PASSWORD not in row["password_hash"]
    assert desk.rows("SELECT count(*) AS n FROM rate_limits WHERE key LIKE 'code:%'")[0]["n"] == 0


def test_rate_limit_rows_hold_no_phone_number(credentials_app):
    desk = Desk(credentials_app)
    for i in range(7):
        desk.register(f"user{i}", email=f"user{i}@example.hu")
    for i in range(7):
        desk.reset(f"user{i}", f"user{i}@example.hu", source="+36301234567")
    assert desk.rows("SELECT count(*) AS n FROM activation_codes WHERE reason = 'reset'")[0]["n"] == 5
    assert "+36301234567" not in repr(desk.rows("SELECT * FROM rate_limits"))


def test_twenty_wrong_entries_burn_the_code_in_the_database(credentials_app):
    from credentials import services
    from credentials.domain.exceptions import ActivationFailed

    desk = Desk(credentials_app)
    desk.register()
    for i in range(20):
        try:
            desk.call(services.activate, "kovacsj", "AAAA-AAAA-AAAA-AAAA", PASSWORD, client_address=f"203.0.113.{i}")
        except ActivationFailed:
            pass
    (row,) = desk.rows("SELECT count FROM rate_limits WHERE key LIKE :p", p="code:%:all")
    assert row["count"] == 20
    assert desk.rows("SELECT count(*) AS n FROM activation_codes WHERE burned_at IS NOT NULL")[0]["n"] == 1
    assert "203.0.113" not in repr(desk.rows("SELECT * FROM rate_limits"))


def test_queued_new_code_requests_hold_no_address_in_clear_and_are_deleted_once_evaluated(credentials_app):
    from credentials import services

    desk = Desk(credentials_app)
    desk.register()
    desk.call(services.request_new_code, "kovacsj", "janos.kovacs@example.hu", "chat", "s-1", client_address="192.0.2.9")
    dump = repr(desk.rows("SELECT * FROM reset_requests"))
    assert "janos" not in dump and "kovacsj" not in dump and "192.0.2.9" not in dump
    assert desk.call(services.evaluate_reset_requests) == 1
    assert desk.rows("SELECT count(*) AS n FROM reset_requests")[0]["n"] == 0
    assert desk.rows("SELECT count(*) AS n FROM activation_codes WHERE reason = 'reset'")[0]["n"] == 1
