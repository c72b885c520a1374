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
