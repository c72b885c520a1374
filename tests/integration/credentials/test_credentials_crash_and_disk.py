"""Disk and database faults of the credentials backend (issue 12), on real processes:

- the backend killed with SIGKILL in the middle of a stream of writes leaves a database that opens,
  passes its integrity check and holds every request it had answered 202 for (SQLite in WAL mode with
  the default synchronous=NORMAL, and PostgreSQL); a restarted backend goes on serving on it;
- a full disk (a 4 MiB tmpfs the test mounts; skipped where mounting is not permitted) gives a 503
  JSON answer saying nothing was stored — never a 500, never a 202 for a request that was not kept —
  and the backend serves again as soon as there is room; the SMTP sink on a full disk answers 451,
  the outbox keeps the mail and delivers it once there is room.
"""
from __future__ import annotations

import os
import pathlib
import signal
import sqlite3
import subprocess
import threading
import time
from dataclasses import replace

import httpx
import pytest
from freezegun import freeze_time

from credentials.outbox import OutboxWorker, backoff
from credentials.security import OutboxCipher
from tests.fixtures.credentials_services import OUTBOX_KEY, SERVICE_TOKEN, Desk

HEADERS = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers under its master)."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def request_body(source: str) -> dict:
    return {"username": f"user{source[-6:]}", "email": f"{source}@example.hu", "channel": "chat", "source": source}


class Writers:
    """Threads posting new-code requests, each with a source of its own; ``accepted`` holds the sources
    answered 202 and ``answers`` every (status, error code) seen."""

    def __init__(self, url: str, threads: int = 4) -> None:
        self.url, self.accepted, self.answers = url, set(), []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def _run(self, n: int) -> None:
        with httpx.Client(base_url=self.url, headers=HEADERS, timeout=10) as client:
            i = 0
            while not self.stop.is_set():
                source = f"w{n}-{i:06d}"
                i += 1
                try:
                    response = client.post("/api/v1/reset-requests", json=request_body(source))
                except httpx.HTTPError:
                    time.sleep(0.05)
                    continue
                with self.lock:
                    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
                    self.answers.append((response.status_code, body.get("error")))
                    if response.status_code == 202:
                        self.accepted.add(source)

    def __enter__(self) -> "Writers":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=15)

    def wait_for(self, accepted: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.accepted) < accepted:
            assert time.monotonic() < deadline, f"only {len(self.accepted)} requests accepted within {timeout}s"
            time.sleep(0.02)


def stored_sources(app) -> set[str]:
    """The sources of the queued requests in the database (decrypted)."""
    cipher = OutboxCipher(OUTBOX_KEY.encode())
    return {cipher.open(row["payload"])["source"] for row in Desk(app).rows("SELECT payload FROM reset_requests")}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'credentials.db'}"
    return request.getfixturevalue("credentials_pg_url")


@pytest.mark.slow
def test_backend_killed_in_the_middle_of_writes_keeps_every_accepted_request(database_url, credentials_server_factory,
                                                                            credentials_app_factory, tmp_path):
    server = credentials_server_factory(database_url=database_url, CREDENTIALS_OUTBOX_WORKER="false")
    workers = children_of(server.process.pid)
    assert workers, "gunicorn's worker process was not found"
    with Writers(server.url) as writers:
        writers.wait_for(150)  # a steady stream of writes is going on
        for pid in workers + [server.process.pid]:
            os.kill(pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        time.sleep(0.3)
    accepted = set(writers.accepted)
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as db:  # opens (recovering the WAL) and is whole
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    from credentials import create_app
    from tests.fixtures.credentials_services import credentials_env

    app = create_app(credentials_env(database_url, tmp_path, CREDENTIALS_OUTBOX_WORKER="false"))
    try:
        stored = stored_sources(app)
    finally:
        app.extensions["credentials"].engine.dispose()
    missing = accepted - stored
    assert not missing, f"{len(missing)} of {len(accepted)} accepted requests were lost: {sorted(missing)[:5]}"
    # a restarted backend serves on the same database
    again = credentials_server_factory(database_url=database_url, CREDENTIALS_OUTBOX_WORKER="false")
    assert again.post("/api/v1/reset-requests", request_body("after-restart")).status_code == 202


# --- a full disk --------------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs mounted for this test alone (skipped where this user may not mount one)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    try:
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount)],
                                capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot mount a small tmpfs here: {exc}")
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=20)


def fill(disk: pathlib.Path) -> pathlib.Path:
    """Fill ``disk`` to the last byte; the returned file is what to delete to make room again."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (65536, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


@pytest.mark.slow
def test_a_full_disk_gives_a_503_json_and_loses_nothing_it_accepted(small_disk, credentials_server_factory,
                                                                      credentials_app_factory, tmp_path):
    url = f"sqlite:///{small_disk / 'credentials.db'}"
    server = credentials_server_factory(database_url=url, CREDENTIALS_OUTBOX_WORKER="false")
    filler = fill(small_disk)
    with Writers(server.url, threads=2) as writers:
        deadline = time.monotonic() + 60
        while (503, "storage_full") not in writers.answers:
            assert time.monotonic() < deadline, f"no 503 within 60 s on a full disk: {set(writers.answers)}"
            assert server.process.poll() is None
            time.sleep(0.05)
        full_answers = list(writers.answers)
        filler.unlink()  # room again
        seen = len(writers.answers)
        writers.wait_for(len(writers.accepted) + 20, timeout=30)  # and the backend takes requests again
    statuses = {status for status, _ in writers.answers}
    assert statuses <= {202, 503}, statuses  # never a 500
    assert {code for status, code in full_answers if status == 503} == {"storage_full"}
    assert any(status == 202 for status, _ in writers.answers[seen:])
    response = httpx.post(server.url + "/api/v1/reset-requests", json=request_body("x-000001"), headers=HEADERS)
    assert response.status_code == 202
    fill(small_disk)
    refused = httpx.post(server.url + "/api/v1/reset-requests", json=request_body("x-000002"), headers=HEADERS)
    assert refused.status_code == 503 and refused.json()["error"] == "storage_full"
    assert refused.headers["Retry-After"] and "Traceback" not in refused.text
    assert "nothing was saved" in refused.json()["message"]
    (small_disk / "filler").unlink()
    server.stop()
    from credentials import create_app
    from tests.fixtures.credentials_services import credentials_env

    app = create_app(credentials_env(url, tmp_path, CREDENTIALS_OUTBOX_WORKER="false"))
    try:
        stored = stored_sources(app)
    finally:
        app.extensions["credentials"].engine.dispose()
    assert writers.accepted | {"x-000001"} <= stored  # every 202 was kept
    assert "x-000002" not in stored
    assert "Traceback" not in server.log_text()


@pytest.mark.slow
def test_a_sink_on_a_full_disk_answers_451_and_the_mail_is_delivered_once_there_is_room(small_disk, smtp_sink_factory,
                                                                                          credentials_app):
    from tests.fixtures.mail_services import start_smtp_sink

    sink = start_smtp_sink(small_disk / "mail")
    try:
        filler = fill(small_disk)
        desk = Desk(credentials_app)
        desk.register()
        backend = credentials_app.extensions["credentials"]
        smtp = replace(backend.kit.settings.smtp, port=sink.port, timeout_seconds=5.0)
        worker = OutboxWorker(backend.uow, replace(backend.kit, settings=replace(backend.kit.settings, smtp=smtp)))
        with freeze_time() as clock:
            assert worker.run_once() == 1
            (row,) = desk.rows("SELECT status, smtp_code, payload IS NOT NULL AS kept FROM outbox")
            assert (row["status"], row["smtp_code"], row["kept"]) == ("retrying", 451, 1)
            filler.unlink()
            clock.tick(backoff(1))
            assert worker.run_once() == 1
        (row,) = desk.rows("SELECT status, attempts FROM outbox")
        assert (row["status"], row["attempts"]) == ("sent", 2)
        assert len(sink.messages()) == 1
    finally:
        sink.stop()
