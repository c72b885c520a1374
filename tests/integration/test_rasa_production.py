"""The assistant on the production settings: PostgreSQL tracker store in a database of its own and
the Redis lock store from REDIS_URL (endpoints.production.yml), answering over the helpdesk channel."""
from __future__ import annotations

import threading
import time
import uuid

import pytest

# Starts its own Rasa (plus the model check of the session): minutes on a busy 2-core machine.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.timeout(900)]

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def tracker_database():
    """A fresh database name for Rasa's tracker store (Rasa creates it); dropped afterwards."""
    import psycopg

    name = f"rasa_tracker_test_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class RedisCommands:
    """Every command Redis executes while watched (MONITOR), for one key substring."""

    def __init__(self, needle: str) -> None:
        import redis

        self.needle = needle
        self.seen: list[str] = []
        self._monitor = redis.Redis.from_url(REDIS_URL).monitor()
        self._monitor.__enter__()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        try:
            for event in self._monitor.listen():
                command = str(event.get("command", ""))
                if self.needle in command:
                    self.seen.append(command)
        except Exception:  # noqa: BLE001 - the connection is closed by stop()
            return

    def stop(self) -> None:
        try:
            self._monitor.connection.disconnect()
        finally:
            self._thread.join(timeout=5)


def test_assistant_runs_on_postgres_tracker_store_and_redis_lock_store(
    rasa_stack_factory, credentials_server_session, tracker_database
):
    import psycopg

    from tests.fixtures.ports import free_port

    stack = rasa_stack_factory(
        credentials_url=credentials_server_session.url,
        credentials_token=credentials_server_session.service_token,
        gateway_url=f"http://127.0.0.1:{free_port()}",
        endpoints="endpoints.production.yml",
        RASA_TRACKER_DB_HOST="127.0.0.1:5432",
        RASA_TRACKER_DB_NAME=tracker_database,
        RASA_TRACKER_DB_USER="postgres",
        RASA_TRACKER_DB_PASSWORD="",
        RASA_TRACKER_LOGIN_DB="postgres",
        REDIS_URL=REDIS_URL,
    )
    sender = f"prod-{uuid.uuid4().hex}"
    watcher = RedisCommands(f"lock:{sender}")
    try:
        replies = stack.say(sender, "jó napot", {"channel": "chat", "language": "hu"})
        stack.say(sender, "a jelszavam: Tavasz2024!!")
        deadline = time.monotonic() + 5
        while not watcher.seen and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        watcher.stop()

    assert replies and all(r.get("recipient_id") == sender for r in replies)
    # Rasa took and released the conversation lock in Redis.
    assert any(f"helpdesk:lock:{sender}" in c for c in watcher.seen), watcher.seen

    # The conversation is in Rasa's own database (created on start-up), redacted.
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{tracker_database}") as conn:
        texts = [row[0] for row in conn.execute(
            "SELECT data FROM events WHERE sender_id = %s AND type_name = 'user' ORDER BY id", (sender,)
        )]
    assert len(texts) == 2
    assert "REDACTEDSECRET" in texts[1] and "Tavasz2024" not in " ".join(texts)
