"""SQLite settings for Rasa's embedded tracker store (endpoints.yml: `tracker_store: type: SQL, dialect: sqlite`).

Rasa commits every turn's events to SQLite; with SQLite's defaults (rollback journal, synchronous=FULL)
each commit waits for several fsyncs, a large share of a turn's time (docs/BENCHMARKS.md,
"Assistant"). Write-ahead logging with synchronous=NORMAL is the combination SQLite recommends
for this: a crash of Rasa loses nothing; only a power cut may lose the last turns. Rasa's
SQLTrackerStore takes no connection options, so this listens for every new SQLite connection made
through SQLAlchemy in the Rasa process (the tracker store is the only SQLite user there). PostgreSQL
(the production tracker store) is untouched. Applied by the input channels at start-up
(bot/channels.py ``tune_rasa_process``); applying twice changes nothing.

Connections are kept open between turns. SQLAlchemy 1.4 (Rasa 3.6's) gives a file SQLite database
a ``NullPool``: every tracker-store session (two or three a turn) opened a new connection, ran the
pragmas and closed it again, and closing the last connection of a WAL database checkpoints the log
into the database and deletes it — about a quarter of a turn's CPU time (docs/BENCHMARKS.md, "Rasa
process cost per turn"). Rasa's ``create_engine_kwargs`` (read when the tracker store builds its
engine) therefore gives SQLite file URLs a ``QueuePool``, the pool SQLAlchemy 2.0 uses for them by
default. ``check_same_thread=False`` only lets a pooled connection be checked out by another thread
than the one that opened it; a connection is still used by one session at a time.
"""
from __future__ import annotations

import sqlite3
from typing import Any, Dict

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000")
POOL_SIZE = 2  # Rasa's tracker store runs in one event loop: one connection is in use at a time
POOL_MAX_OVERFLOW = 8
_applied = False


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        for pragma in PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def pooled_sqlite_engine_kwargs(url: Any, original: Any) -> Dict[str, Any]:
    """``original(url)`` (Rasa's engine arguments), plus a connection pool for a SQLite file."""
    from sqlalchemy.engine.url import make_url
    from sqlalchemy.pool import QueuePool

    kwargs = dict(original(url))
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        kwargs.setdefault("poolclass", QueuePool)
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_MAX_OVERFLOW)
        connect_args = dict(kwargs.get("connect_args") or {})
        connect_args.setdefault("check_same_thread", False)
        kwargs["connect_args"] = connect_args
    return kwargs


def apply_sqlite_tuning() -> None:
    """Every SQLite connection opened through SQLAlchemy from now on uses WAL + synchronous=NORMAL,
    and the SQLite tracker stores built from now on keep their connections in a pool."""
    global _applied
    if _applied:
        return
    import rasa.core.tracker_store as tracker_store
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    event.listen(Engine, "connect", _on_connect)
    original = tracker_store.create_engine_kwargs

    def create_engine_kwargs(url: Any) -> Dict[str, Any]:
        return pooled_sqlite_engine_kwargs(url, original)

    tracker_store.create_engine_kwargs = create_engine_kwargs
    _applied = True
