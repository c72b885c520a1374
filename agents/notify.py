"""Wake-ups for live views (the relay's event streams, the console's queue). The database stays the
source of truth: a waiter re-reads it after a wake-up or after its timeout; a wake-up only says
"look again now".

One process (the embedded default, SQLite): a generation counter per topic under a condition
variable, in memory.

Several gateway processes on PostgreSQL: ``Changes.attach(database_url)`` (the app factory calls it)
adds a bridge to the database's LISTEN/NOTIFY. ``publish`` still bumps this process's counters at
once, and hands the topics to a sender thread that runs ``pg_notify`` on the channel below; a listener
thread LISTENs on it and bumps the counters of every topic another process published. So an agent's
reply committed in one process wakes the stream of that chat in any other within a few
milliseconds. Why PostgreSQL and not Redis pub/sub: the gateway already stands on PostgreSQL in
production, so there is no second service to run, secure and keep alive for this; NOTIFY reaches
only sessions of the same database, and the channel is named after the schema (a test's own
schema is its own channel); and a notification is sent after the data it announces is committed.

A publish never waits for PostgreSQL and never fails the request that made it: when the database is
away, the bridge reconnects with backoff and meanwhile the waiters fall back to their timeout (the
keep-alive, 15 s), as before. After a reconnect every waiter is woken once (notifications sent
while the listener was away are lost, so everyone re-reads)."""
from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
import time

log = logging.getLogger(__name__)

CHANNEL = "helpdesk_changes"  # + the schema's digest: two gateways in two schemas never wake each other
MAX_TOPIC = 200  # NOTIFY payloads are at most 8000 bytes; our topics are short ids


class Changes:
    """A generation counter per topic; ``wait`` returns once the topic moved past ``seen`` or on timeout."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation: dict[str, int] = {}
        self._epoch = 0  # bumped to wake every waiter (a bridge reconnected)
        self._bridges: dict[str, "PostgresBridge"] = {}
        self._bridges_lock = threading.Lock()

    # --- local -------------------------------------------------------------------------------

    def current(self, topic: str) -> tuple[int, int]:
        with self._cond:
            return self._epoch, self._generation.get(topic, 0)

    def _bump(self, topics) -> None:
        with self._cond:
            for topic in topics:
                self._generation[topic] = self._generation.get(topic, 0) + 1
            self._cond.notify_all()

    def wake_all(self) -> None:
        with self._cond:
            self._epoch += 1
            self._cond.notify_all()

    def publish(self, *topics: str) -> None:
        """Wake this process's waiters on ``topics`` now, and the other processes' through the bridges."""
        self._bump(topics)
        for bridge in self._live_bridges():
            bridge.send(topics)

    def wait(self, topic: str, seen: tuple[int, int], timeout: float) -> tuple[int, int]:
        for bridge in self._live_bridges():
            bridge.ensure_running()  # after a fork (gunicorn workers), the threads start in the child
        with self._cond:
            self._cond.wait_for(lambda: (self._epoch, self._generation.get(topic, 0)) != seen, timeout=timeout)
            return self._epoch, self._generation.get(topic, 0)

    # --- across processes ----------------------------------------------------------------------

    def attach(self, database_url: str) -> "PostgresBridge | None":
        """Bridge this process to the other processes on ``database_url`` (PostgreSQL only; SQLite
        means one process, where the in-memory wake-up is the whole story). Idempotent per URL."""
        if not database_url.startswith(("postgresql", "postgres:")):
            return None
        with self._bridges_lock:
            bridge = self._bridges.get(database_url)
            if bridge is None:
                bridge = self._bridges[database_url] = PostgresBridge(self, database_url)
        return bridge  # its threads start at the first publish or wait of this process

    def detach(self, database_url: str) -> None:
        with self._bridges_lock:
            bridge = self._bridges.pop(database_url, None)
        if bridge is not None:
            bridge.stop()

    def _live_bridges(self) -> list["PostgresBridge"]:
        with self._bridges_lock:
            return list(self._bridges.values())


def channel_of(schema: str | None) -> str:
    return f"{CHANNEL}_{hashlib.sha256((schema or '').encode()).hexdigest()[:12]}"


def libpq_dsn(database_url: str) -> str:
    """SQLAlchemy's URL (``postgresql+psycopg://``) as a libpq connection string."""
    scheme, sep, rest = database_url.partition("://")
    return f"postgresql://{rest}" if sep else database_url


class PostgresBridge:
    """One listener and one sender thread for one database, started lazily in each process."""

    def __init__(self, changes: Changes, database_url: str, reconnect_max_s: float = 5.0) -> None:
        self._changes = changes
        self._dsn = libpq_dsn(database_url)
        self._reconnect_max_s = reconnect_max_s
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._stopped = threading.Event()
        self.listening = threading.Event()  # set while LISTEN is in force (tests wait for it)
        self.listener_pid: int | None = None  # the listening connection's server process

    def ensure_running(self) -> None:
        if self._pid == os.getpid() or self._stopped.is_set():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._outbox = queue.SimpleQueue()  # a forked child starts with its own queue
            self.listening.clear()
            threading.Thread(target=self._listen_loop, name="notify-listen", daemon=True).start()
            threading.Thread(target=self._send_loop, name="notify-send", daemon=True).start()

    def send(self, topics) -> None:
        if self._stopped.is_set():
            return
        self.ensure_running()
        for topic in topics:
            if len(topic) <= MAX_TOPIC:
                self._outbox.put(topic)

    def stop(self) -> None:
        self._stopped.set()
        self._outbox.put(None)

    def _connect(self):
        """An autocommit connection and the channel of this gateway's schema."""
        import psycopg

        conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=5,
                               application_name="helpdesk-gateway-notify")
        return conn, channel_of(conn.execute("SELECT current_schema()").fetchone()[0])

    def _backoff(self, delay: float) -> float:
        self._stopped.wait(delay)
        return min(self._reconnect_max_s, delay * 2)

    def _listen_loop(self) -> None:
        pid, delay = os.getpid(), 0.2
        while not self._stopped.is_set() and self._pid == pid:
            try:
                conn, channel = self._connect()
                with conn:
                    conn.execute(f"LISTEN {channel}")
                    self.listener_pid = conn.info.backend_pid
                    self.listening.set()
                    self._changes.wake_all()  # anything sent while we were not listening: re-read
                    delay, checked = 0.2, time.monotonic()
                    while not self._stopped.is_set():
                        for notification in conn.notifies(timeout=1.0):  # yields each as it arrives
                            self._changes._bump((notification.payload,))
                        if time.monotonic() - checked > 5:  # our schema dropped (a test ended): stop
                            checked = time.monotonic()
                            if channel_of(conn.execute("SELECT current_schema()").fetchone()[0]) != channel:
                                self._stopped.set()
                                self._outbox.put(None)
            except Exception as exc:  # the database went away: wait, reconnect; waiters time out meanwhile
                self.listening.clear()
                if self._stopped.is_set():
                    return
                log.warning("change notifications: listener lost the database (%s); retrying", type(exc).__name__)
                delay = self._backoff(delay)

    def _send_loop(self) -> None:
        pid, outbox, delay = os.getpid(), self._outbox, 0.2
        pending: list[str] = []
        while not self._stopped.is_set() and self._pid == pid:
            try:
                conn, channel = self._connect()
                with conn:
                    delay = 0.2
                    while not self._stopped.is_set():
                        if not pending:
                            first = outbox.get()
                            if first is None:
                                return
                            pending.append(first)
                            while len(pending) < 100:  # a burst goes in one round trip
                                try:
                                    more = outbox.get_nowait()
                                except queue.Empty:
                                    break
                                if more is None:
                                    break
                                pending.append(more)
                        with conn.transaction():
                            for topic in dict.fromkeys(pending):
                                conn.execute("SELECT pg_notify(%s, %s)", (channel, topic))
                        pending = []
            except Exception as exc:
                if self._stopped.is_set():
                    return
                log.warning("change notifications: sender lost the database (%s); retrying", type(exc).__name__)
                pending = pending[-100:]
                delay = self._backoff(delay)


changes = Changes()
QUEUE = "queue"


def escalation_topic(escalation_id: str) -> str:
    return f"escalation:{escalation_id}"
