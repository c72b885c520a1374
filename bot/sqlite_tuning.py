"""SQLite settings for Rasa's embedded tracker store (endpoints.yml: `tracker_store: type: SQL, dialect: sqlite`).

Rasa commits every turn's events to SQLite; with SQLite's defaults (rollback journal, synchronous=FULL)
each commit waits for several fsyncs, a large share of a turn's time (docs/BENCHMARKS.md,
"Assistant"). Write-ahead logging with synchronous=NORMAL is the combination SQLite recommends
for this: a crash of Rasa loses nothing; only a power cut may lose the last turns. Rasa's
SQLTrackerStore takes no connection options, so this listens for every new SQLite connection made
through SQLAlchemy in the Rasa process (the tracker store is the only SQLite user there). PostgreSQL
(the production tracker store) is untouched. Applied by the input channels at start-up
(bot/channels.py ``tune_rasa_process``); applying twice changes nothing.
"""
from __future__ import annotations

import sqlite3
from typing import Any

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000")
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


def apply_sqlite_tuning() -> None:
    """Every SQLite connection opened through SQLAlchemy from now on uses WAL + synchronous=NORMAL."""
    global _applied
    if _applied:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    event.listen(Engine, "connect", _on_connect)
    _applied = True
