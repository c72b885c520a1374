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


def make_intake_engine(url: str, engine: Engine) -> Engine:
    """Where new-code requests are queued (issue 10, L12): on SQLite the engine itself (one file, one
    writer); on PostgreSQL a small pool of autocommit connections whose commits do not wait for the WAL
    flush (synchronous_commit=off for these sessions only: a database-server crash may lose the last
    0.6 s of queued requests, which the person simply asks again; a crash of ours loses nothing) and
    without a pre-ping: the INSERT is the request's one round trip. A connection the server dropped
    fails that INSERT, is discarded, and the INSERT is tried once more on a fresh connection
    (adapters/unit_of_work.py); a server that stays down is a 503."""
    if engine.dialect.name != "postgresql":
        return engine
    intake = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=4, max_overflow=12, pool_recycle=300,
                           hide_parameters=True)

    @event.listens_for(intake, "connect")
    def _asynchronous_commit(dbapi_connection, _record):  # the URL's own options (search_path) stay
        cur = dbapi_connection.cursor()
        cur.execute("SET synchronous_commit TO OFF")
        cur.close()
        dbapi_connection.commit()

    return intake


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)
