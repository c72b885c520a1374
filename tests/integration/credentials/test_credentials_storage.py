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
    (row,) = desk.rows("SELECT password_hash, wrong_code_entries FROM accounts")
    assert row["password_hash"].startswith("$argon2id$v=19$m=19456,t=2,p=1$") and PASSWORD not in row["password_hash"]
    assert row["wrong_code_entries"] == 0


def test_rate_limit_rows_hold_no_phone_number(credentials_app):
    desk = Desk(credentials_app)
    for i in range(7):
        desk.register(f"user{i}", email=f"user{i}@example.hu")
    for i in range(7):
        desk.reset(f"user{i}", f"user{i}@example.hu", source="+36301234567")
    assert desk.rows("SELECT count(*) AS n FROM activation_codes WHERE reason = 'reset'")[0]["n"] == 5
    assert "+36301234567" not in repr(desk.rows("SELECT * FROM rate_limits"))


def test_five_wrong_entries_burn_the_code_in_the_database(credentials_app):
    from credentials.domain.exceptions import ActivationFailed

    desk = Desk(credentials_app)
    desk.register()
    for _ in range(5):
        try:
            desk.activate("kovacsj", "AAAA-AAAA-AAAA-AAAA", PASSWORD)
        except ActivationFailed:
            pass
    (row,) = desk.rows("SELECT wrong_code_entries FROM accounts")
    assert row["wrong_code_entries"] == 5
    assert desk.rows("SELECT count(*) AS n FROM activation_codes WHERE burned_at IS NOT NULL")[0]["n"] == 1
