"""Retention in the credentials backend (docs/privacy.md): the purge removes exactly what is past its
period — mails sent long ago, stale queued requests, old codes (never an account's newest), old failed
logins, quiet rate-limit counters, old audit rows — and nothing else, on SQLite and on PostgreSQL; the
dry run counts the same and deletes nothing; the CLI does both and the audit says how many, not what."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.fixtures.credentials_services import credentials_env

ROOT = pathlib.Path(__file__).resolve().parents[3]
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    from credentials.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'retention.db'}"
    else:
        url = request.getfixturevalue("credentials_pg_url")
    upgrade(url)
    return url


def _sessions(url):
    from credentials.adapters.db import make_engine, make_session_factory

    engine = make_engine(url)
    return engine, make_session_factory(engine)


def seed(session, now):
    """Rows of every kind just past and just inside their default periods; returns the ids that must go."""
    from credentials.adapters.orm import (AccountRow, AuditRow, CodeRow, LoginFailureRow, OutboxRow, RateLimitRow,
                                          ResetRequestRow)

    def account(n):
        row = AccountRow(username=f"user{n}x", username_key=f"key{n}", legal_name=f"Teszt {n}",
                         legal_name_key=f"teszt {n}", email=f"user{n}@example.hu", language="hu",
                         created_at=now - 400 * DAY, login_failures=0)
        session.add(row)
        session.flush()
        return row.id

    a, b = account(1), account(2)
    gone: dict[str, set] = {k: set() for k in ("mails", "reset_requests", "codes", "login_failures",
                                               "rate_limits", "audit")}

    def add(kind, row, past):
        session.add(row)
        session.flush()
        if past:
            gone[kind].add(getattr(row, "id", None) or row.key)

    def mail(status, age, past):
        at = now - age
        add("mails", OutboxRow(account_id=a, kind="activation_code", language="hu", to_address="user1@example.hu",
                               subject="Ügyfélkapu", status=status, attempts=1, next_attempt_at=at, created_at=at,
                               updated_at=at, sent_at=at if status == "sent" else None), past)

    mail("sent", 30 * DAY + HOUR, True)
    mail("refused", 31 * DAY, True)
    mail("cancelled", 40 * DAY, True)
    mail("sent", 30 * DAY - HOUR, False)
    mail("retrying", 60 * DAY, False)  # still to send: never purged
    mail("queued", 90 * DAY, False)

    add("reset_requests", ResetRequestRow(channel="chat", payload="sealed", created_at=now - 7 * DAY - HOUR), True)
    add("reset_requests", ResetRequestRow(channel="phone", payload="sealed", created_at=now - 7 * DAY + HOUR), False)

    def code(account_id, issued_ago, past):
        issued = now - issued_ago
        add("codes", CodeRow(account_id=account_id, code_hash="h" * 64, reason="registration", issued_at=issued,
                             expires_at=issued + 5 * DAY), past)

    code(a, 96 * DAY, True)            # expired 91 days ago, a newer code exists
    code(a, 95 * DAY + 2 * HOUR, True)
    code(a, 94 * DAY, False)           # expired 89 days ago
    code(a, 200 * DAY, True)
    code(a, 95 * DAY - 2 * HOUR, False)  # expired 90 days less 2 hours ago
    code(a, 2 * DAY, False)            # a's newest, live
    code(b, 300 * DAY, True)
    code(b, 250 * DAY, False)          # b's newest, long expired: kept (the account's state, S4)

    add("login_failures", LoginFailureRow(account_id=a, at=now - 90 * DAY - HOUR, reason="wrong_password"), True)
    add("login_failures", LoginFailureRow(account_id=None, at=now - 200 * DAY, reason="unknown_username"), True)
    add("login_failures", LoginFailureRow(account_id=a, at=now - 89 * DAY, reason="code_used_as_password"), False)

    # Default: 2 days, window 24 h: a counter goes when its oldest kept hit is older than 3 days.
    add("rate_limits", RateLimitRow(key="reset:user:old", window_start=now - 3 * DAY - HOUR, count=1,
                                    hits="1"), True)
    add("rate_limits", RateLimitRow(key="reset:src:recent", window_start=now - 3 * DAY + HOUR, count=1,
                                    hits="1"), False)
    add("rate_limits", RateLimitRow(key="code:1:all", window_start=now - 10 * HOUR, count=3, hits="1 2 3",
                                    blocked_until=now + 14 * HOUR), False)

    def audit(age, past):
        add("audit", AuditRow(at=now - age, operation="reset_request", channel="chat", outcome="accepted",
                              subject="us***", reason=None), past)

    audit(730 * DAY + HOUR, True)
    audit(1000 * DAY, True)
    audit(729 * DAY, False)
    session.commit()
    return gone


def _present(session):
    from credentials.adapters.orm import (AuditRow, CodeRow, LoginFailureRow, OutboxRow, RateLimitRow,
                                          ResetRequestRow)

    return {"mails": set(session.scalars(select(OutboxRow.id))),
            "reset_requests": set(session.scalars(select(ResetRequestRow.id))),
            "codes": set(session.scalars(select(CodeRow.id))),
            "login_failures": set(session.scalars(select(LoginFailureRow.id))),
            "rate_limits": set(session.scalars(select(RateLimitRow.key))),
            "audit": set(session.scalars(select(AuditRow.id).where(AuditRow.operation != "retention_purge")))}


def test_purge_removes_exactly_what_is_past_its_period(database_url):
    from credentials.adapters.orm import AuditRow
    from credentials.retention import RetentionSettings, purge

    engine, sessions = _sessions(database_url)
    try:
        with sessions() as session:
            gone = seed(session, NOW)
            before = _present(session)
        settings = RetentionSettings.from_env({})

        with sessions() as session:
            dry = purge(session, settings, dry_run=True, now=NOW)
        assert dry.counts == {kind: len(ids) for kind, ids in gone.items()}
        with sessions() as session:
            assert _present(session) == before  # a dry run deletes nothing

        with sessions() as session:
            report = purge(session, settings, now=NOW)
        assert report.counts == dry.counts and report.total == sum(len(ids) for ids in gone.values())
        with sessions() as session:
            after = _present(session)
            entry = session.scalar(select(AuditRow).where(AuditRow.operation == "retention_purge"))
        assert after == {kind: before[kind] - gone[kind] for kind in before}
        assert entry.subject.startswith("mails=3 reset_requests=1 codes=4 ")
        assert "@" not in entry.subject

        with sessions() as session:  # nothing left past its period: a second run deletes nothing
            assert purge(session, settings, now=NOW).total == 0
    finally:
        engine.dispose()


def test_longer_limit_windows_keep_their_counters(database_url):
    """CREDENTIALS_RATE_BLOCK_HOURS=168: a counter quiet for 3 days may still hold hits inside the week."""
    from credentials.adapters.orm import RateLimitRow
    from credentials.retention import RetentionSettings, purge

    engine, sessions = _sessions(database_url)
    try:
        with sessions() as session:
            session.add(RateLimitRow(key="reset:user:week", window_start=NOW - 4 * DAY, count=9, hits="1"))
            session.add(RateLimitRow(key="reset:user:ancient", window_start=NOW - 15 * DAY, count=1, hits="1"))
            session.commit()
        settings = RetentionSettings.from_env({"CREDENTIALS_RATE_BLOCK_HOURS": "168"})
        with sessions() as session:
            assert purge(session, settings, now=NOW).counts["rate_limits"] == 1
            assert session.scalar(select(func.count()).select_from(RateLimitRow)) == 1
    finally:
        engine.dispose()


def test_env_example_documents_exactly_the_default_periods():
    from credentials.retention import PERIODS

    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    documented = {line.split("=", 1)[0]: int(line.split("=", 1)[1]) for line in lines
                  if line.startswith("CREDENTIALS_RETAIN_")}
    assert documented == {name: default for name, default, _low in PERIODS.values()}


def test_retention_settings_are_checked_naming_each_bad_value():
    from credentials.retention import RetentionSettings, SettingsError

    with pytest.raises(SettingsError) as caught:
        RetentionSettings.from_env({"CREDENTIALS_RETAIN_MAIL_DAYS": "soon", "CREDENTIALS_RETAIN_LOGIN_FAILURE_DAYS": "7"})
    assert "CREDENTIALS_RETAIN_MAIL_DAYS" in str(caught.value)
    assert "CREDENTIALS_RETAIN_LOGIN_FAILURE_DAYS: must be between 30" in str(caught.value)


def _cli(args, env):
    return subprocess.run([sys.executable, "-m", "credentials", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def test_the_cli_dry_run_counts_and_the_purge_deletes(tmp_path):
    from credentials.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    engine, sessions = _sessions(url)
    try:
        with sessions() as session:
            gone = seed(session, datetime.now(timezone.utc))
            before = _present(session)
        env = credentials_env(url, tmp_path)
        dry = _cli(["purge", "--dry-run"], env)
        assert dry.returncode == 0, dry.stderr
        assert "mails            would delete 3" in dry.stdout
        total = sum(len(ids) for ids in gone.values())
        assert f"would delete {total} in all" in dry.stdout
        done = _cli(["purge"], env)
        assert done.returncode == 0 and f"deleted {total} in all" in done.stdout
        assert "user1@example.hu" not in dry.stdout + dry.stderr + done.stdout + done.stderr
        with sessions() as session:
            assert _present(session) == {kind: before[kind] - gone[kind] for kind in before}
    finally:
        engine.dispose()


def test_the_cli_on_a_database_never_migrated_fails_in_one_line(tmp_path):
    env = credentials_env(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    result = _cli(["purge"], env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "purge failed: OperationalError (database not migrated or not reachable?)"]
    bad = _cli(["purge", "--every", "5"], env)
    assert bad.returncode == 2 and "at least 60 seconds" in bad.stderr


def test_the_supervised_purge_waits_quietly_for_the_backend_to_migrate_at_first_start(tmp_path):
    """`make run` starts the purge beside the backend, which migrates the database as it starts: the
    supervised purge (--every) retries quietly for its first half minute instead of printing a
    failure at every first start, then runs."""
    import time

    from credentials.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'first-start.db'}"
    env = credentials_env(url, tmp_path)
    purge = subprocess.Popen([sys.executable, "-m", "credentials", "purge", "--every", "3600"], cwd=ROOT,
                             env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3.0)  # the backend's start: the purge finds no tables yet
        upgrade(url)
        deadline = time.monotonic() + 30
        lines: list[str] = []
        while time.monotonic() < deadline:
            line = purge.stdout.readline()
            lines.append(line)
            if "in all" in line:
                break
        assert any("deleted 0 in all" in line for line in lines), lines
    finally:
        purge.terminate()
        _, err = purge.communicate(timeout=10)
    assert "purge failed" not in err
