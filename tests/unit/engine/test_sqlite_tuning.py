"""bot/sqlite_tuning.py: Rasa's SQLite tracker store commits in WAL mode with synchronous=NORMAL."""
from __future__ import annotations

import asyncio
import pathlib

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.sqlite_tuning import apply_sqlite_tuning


def test_tracker_store_connections_use_wal_and_normal_sync_and_keep_every_event(tmp_path: pathlib.Path):
    apply_sqlite_tuning()
    apply_sqlite_tuning()  # twice changes nothing
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    tracker = DialogueStateTracker.from_events("web-1", [UserUttered("szia"), SlotSet("language", "hu")])
    asyncio.run(store.save(tracker))
    reread = asyncio.run(SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db")).retrieve("web-1"))
    assert [e.as_dict()["event"] for e in reread.events] == ["user", "slot"]


def test_tracker_store_keeps_its_sqlite_connection_between_turns(tmp_path: pathlib.Path):
    """One connection for many turns: no connect (pragmas) and no close (WAL checkpoint) per session."""
    from sqlalchemy import event
    from sqlalchemy.pool import QueuePool

    apply_sqlite_tuning()
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    assert isinstance(store.engine.pool, QueuePool)
    opened: list[object] = []
    event.listen(store.engine, "connect", lambda connection, record: opened.append(connection))
    tracker = DialogueStateTracker.from_events("web-2", [UserUttered("szia")])
    for turn in range(5):
        tracker.update(UserUttered(f"turn {turn}"))
        asyncio.run(store.save(tracker))
        assert asyncio.run(store.retrieve("web-2")).latest_message.text == f"turn {turn}"
    assert len(opened) <= 1
    assert (tmp_path / "tracker.db-wal").exists()  # the log stays while its connection is open
    reread = asyncio.run(SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db")).retrieve("web-2"))
    assert [e.as_dict()["event"] for e in reread.events] == ["user"] * 6


def test_postgresql_and_in_memory_sqlite_engines_keep_rasas_arguments():
    from bot.sqlite_tuning import pooled_sqlite_engine_kwargs

    rasa_kwargs = {"pool_size": 50, "max_overflow": 100}
    assert pooled_sqlite_engine_kwargs("postgresql://u@h/db", lambda url: rasa_kwargs) == rasa_kwargs
    assert pooled_sqlite_engine_kwargs("sqlite://", lambda url: {}) == {}
