"""Engines and sessions of the credentials database (created by the app factory, never at import)."""
from __future__ import annotations

import pathlib

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker


def make_engine(url: str, sqlite_synchronous: str = "NORMAL") -> Engine:
    """SQLite: WAL, foreign keys, and BEGIN IMMEDIATE so a transaction that reads and then writes
    (claiming a code) waits for the lock instead of failing on a stale snapshot. PostgreSQL: pooled.

    ``sqlite_synchronous`` (CREDENTIALS_SQLITE_SYNCHRONOUS): NORMAL, the embedded default, does not
    fsync at each commit (only at checkpoints): in WAL mode a committed transaction survives any crash
    of our processes (kill -9 included: tests/integration/credentials/test_credentials_crash_and_disk.py),
    while an operating-system crash or a power cut may roll back the last transactions — never corrupt
    the file. FULL fsyncs every commit (about 5 ms here, and every writer queues behind it)."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        pathlib.Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        # hide_parameters: a logged database error must not carry addresses or hashes
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)
