"""Single use is enforced atomically (S8): two threads redeeming one code at the same moment ->
exactly one wins, on SQLite and on PostgreSQL. Two outbox workers never send one mail twice."""
from __future__ import annotations

import threading

import pytest

from credentials import services
from credentials.domain.exceptions import ActivationFailed, LoginFailed
from tests.fixtures.credentials_services import Desk

PASSWORDS = ("first thread's long passphrase", "second thread's long passphrase")


def race_one_code(app, rounds: int = 5) -> None:
    desk = Desk(app)
    for n in range(rounds):
        username = f"racer{n}"
        desk.register(username, email=f"racer{n}@example.hu")
        code = desk.mailed_code(username)
        barrier = threading.Barrier(2)
        results: list[str] = []

        def redeem(password: str) -> None:
            barrier.wait()
            try:
                desk.activate(username, code, password)
                results.append("won")
            except ActivationFailed as exc:
                results.append(exc.reason)

        threads = [threading.Thread(target=redeem, args=(p,)) for p in PASSWORDS]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(results) == ["code_used", "won"], results
        (row,) = desk.rows("SELECT count(*) AS n FROM activation_codes c JOIN accounts a ON a.id = c.account_id "
                           "WHERE a.username_key = :u AND c.used_at IS NOT NULL", u=username)
        assert row["n"] == 1
        winners = [p for p in PASSWORDS if _logs_in(desk, username, p)]
        assert len(winners) == 1


def _logs_in(desk: Desk, username: str, password: str) -> bool:
    try:
        desk.login(username, password)
        return True
    except Exception:
        return False


def test_two_concurrent_redemptions_of_one_code_exactly_one_wins_sqlite(credentials_app):
    race_one_code(credentials_app)


@pytest.mark.postgres
def test_two_concurrent_redemptions_of_one_code_exactly_one_wins_postgres(credentials_pg_app):
    race_one_code(credentials_pg_app)


def race_outbox_workers(app, sink) -> None:
    from dataclasses import replace

    from credentials.outbox import OutboxWorker

    desk = Desk(app)
    for n in range(6):
        desk.register(f"mailee{n}", email=f"mailee{n}@example.hu")
    backend = app.extensions["credentials"]
    kit = replace(backend.kit, settings=replace(backend.kit.settings, smtp=replace(backend.kit.settings.smtp, port=sink.port)))
    workers = [OutboxWorker(backend.uow, kit) for _ in range(2)]
    barrier = threading.Barrier(2)
    attempted = []

    def run(worker):
        barrier.wait()
        attempted.append(worker.run_once())

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(attempted) == 6
    assert len(sink.messages()) == 6
    assert {str(m["To"]) for m in sink.messages()} == {f"mailee{n}@example.hu" for n in range(6)}
    assert desk.rows("SELECT status, count(*) AS n FROM outbox GROUP BY status") == [{"status": "sent", "n": 6}]


def test_two_outbox_workers_never_send_one_mail_twice_sqlite(credentials_app, smtp_sink):
    race_outbox_workers(credentials_app, smtp_sink)


@pytest.mark.postgres
def test_two_outbox_workers_never_send_one_mail_twice_postgres(credentials_pg_app, smtp_sink):
    race_outbox_workers(credentials_pg_app, smtp_sink)


# --- issue 10, L11: parallel bursts cannot exceed the limits ------------------------------------
BURST = 24


def _burst(n: int, attempt) -> list[str]:
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            attempt(i)
            outcomes.append("ok")
        except (ActivationFailed, LoginFailed) as exc:
            outcomes.append(exc.reason)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def parallel_logins_cannot_exceed_the_lockout_threshold(app) -> None:
    desk = Desk(app)
    desk.register()
    desk.activate("kovacsj", desk.mailed_code(), PASSWORDS[0])
    threshold = desk.kit.settings.login_lockout_threshold
    outcomes = _burst(BURST, lambda i: desk.login("kovacsj", f"wrong guess number {i}"))
    assert outcomes.count("wrong_password") == threshold, outcomes  # password hashes actually tried
    assert outcomes.count("locked") == BURST - threshold
    (row,) = desk.rows("SELECT login_failures, locked_at FROM accounts")
    assert row["login_failures"] == threshold and row["locked_at"] is not None
    with pytest.raises(LoginFailed):
        desk.login("kovacsj", PASSWORDS[0])  # the right password no longer helps


def test_parallel_logins_cannot_exceed_the_lockout_threshold_sqlite(credentials_app):
    parallel_logins_cannot_exceed_the_lockout_threshold(credentials_app)


@pytest.mark.postgres
def test_parallel_logins_cannot_exceed_the_lockout_threshold_postgres(credentials_pg_app):
    parallel_logins_cannot_exceed_the_lockout_threshold(credentials_pg_app)


def parallel_wrong_codes_cannot_exceed_five(app) -> None:
    desk = Desk(app)
    desk.register()
    code = desk.mailed_code()
    outcomes = _burst(BURST, lambda i: desk.call(services.activate, "kovacsj", "AAAA-AAAA-AAAA-AAAA",
                                                 "a long passphrase here", client_address="203.0.113.66"))
    assert outcomes.count("wrong_code") == 5, outcomes  # compared with the code at all
    assert outcomes.count("code_entry_blocked") == BURST - 5
    (row,) = desk.rows("SELECT count FROM rate_limits WHERE key LIKE :p", p="code:%:src:%")
    assert row["count"] == 5
    # the owner, from elsewhere, still activates
    desk.call(services.activate, "kovacsj", code, PASSWORDS[0], client_address="198.51.100.7")


def test_parallel_wrong_codes_cannot_exceed_five_sqlite(credentials_app):
    parallel_wrong_codes_cannot_exceed_five(credentials_app)


@pytest.mark.postgres
def test_parallel_wrong_codes_cannot_exceed_five_postgres(credentials_pg_app):
    parallel_wrong_codes_cannot_exceed_five(credentials_pg_app)
