"""bot/turn_tuning.py: what Rasa redoes every turn, done once, with Rasa's own answers."""
from __future__ import annotations

import pytest
import rasa.shared.utils.common
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered

from bot.turn_tuning import apply_event_type_cache


def rasas_own_resolve_by_type(type_name, default=None):
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        if cls.type_name == type_name:
            return cls
    if type_name == "topic":
        return None
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def test_event_classes_by_name_are_rasas_for_every_event_type():
    apply_event_type_cache()
    apply_event_type_cache()  # twice changes nothing
    assert getattr(Event.resolve_by_type, "cached", False)
    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    assert {"user", "bot", "action", "slot", "session_started"} <= names
    for name in names:
        assert Event.resolve_by_type(name) is rasas_own_resolve_by_type(name)


def test_unknown_event_names_answer_as_rasa_does():
    apply_event_type_cache()
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no-such-event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no-such-event'"):
        Event.resolve_by_type("no-such-event")


def test_a_subclass_defined_later_is_found():
    apply_event_type_cache()
    assert Event.resolve_by_type("slot") is SlotSet  # fills the dictionary first

    class LateEvent(SlotSet):
        type_name = "h5_late_event"

    assert Event.resolve_by_type("h5_late_event") is LateEvent


def test_stored_events_deserialise_to_the_same_events():
    apply_event_type_cache()
    events = [SessionStarted(), ActionExecuted("action_listen"), UserUttered("szia", {"name": "greet"}),
              SlotSet("language", "hu"), BotUttered("Jó napot!", metadata={"utter_action": "utter_greet"})]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events


# --- which events a save adds --------------------------------------------------------------------

import asyncio  # noqa: E402
import pathlib  # noqa: E402

from rasa.core.tracker_store import SQLTrackerStore  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402
from sqlalchemy import event as sa_event  # noqa: E402

from bot.turn_tuning import STORED_EVENTS_ATTRIBUTE, apply_known_stored_events  # noqa: E402


def counting_store(path: pathlib.Path) -> tuple[SQLTrackerStore, list[str]]:
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    statements: list[str] = []
    sa_event.listen(store.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: statements.append(statement))
    return store, statements


def stored_rows(store: SQLTrackerStore, sender: str) -> list[str]:
    with store.engine.connect() as connection:
        return [row[0] for row in connection.exec_driver_sql(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))]


def test_a_tracker_read_or_saved_by_the_store_is_saved_without_counting_its_stored_events(tmp_path):
    apply_known_stored_events()
    apply_known_stored_events()  # twice changes nothing
    store, statements = counting_store(tmp_path / "tracker.db")
    tracker = DialogueStateTracker.from_events("c1", [SessionStarted(), ActionExecuted("action_listen")])
    asyncio.run(store.save(tracker))  # a tracker the store never saw: counted as Rasa does
    assert any("count(" in s.lower() for s in statements)
    for turn in range(3):
        tracker = asyncio.run(store.retrieve("c1"))
        assert vars(tracker)[STORED_EVENTS_ATTRIBUTE] == len(tracker.events)
        statements.clear()
        tracker.update(UserUttered(f"turn {turn}"))
        asyncio.run(store.save(tracker))
        tracker.update(BotUttered(f"answer {turn}"))
        asyncio.run(store.save(tracker))  # saved twice in one turn: only the new event each time
        assert not any("count(" in s.lower() for s in statements)
    texts = [Event.from_parameters(__import__("json").loads(d)).as_dict().get("text") for d in stored_rows(store, "c1")]
    assert texts == [None, None, "turn 0", "answer 0", "turn 1", "answer 1", "turn 2", "answer 2"]


def test_a_new_session_in_a_read_tracker_stores_each_event_once(tmp_path):
    apply_known_stored_events()
    store, _ = counting_store(tmp_path / "tracker.db")
    first = DialogueStateTracker.from_events("c2", [SessionStarted(timestamp=1.0), UserUttered("régi", timestamp=2.0)])
    asyncio.run(store.save(first))
    tracker = asyncio.run(store.retrieve("c2"))
    tracker.update(ActionExecuted("action_session_start", timestamp=100.0))
    tracker.update(SessionStarted(timestamp=100.0))
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("új", timestamp=101.0))
    asyncio.run(store.save(tracker))
    assert len(stored_rows(store, "c2")) == 5
    assert [e.as_dict().get("text") for e in asyncio.run(store.retrieve("c2")).events] == [None, None, "új"]


def test_a_tracker_rebuilt_from_events_or_with_a_history_limit_is_counted_as_before(tmp_path):
    apply_known_stored_events()
    store, statements = counting_store(tmp_path / "tracker.db")
    asyncio.run(store.save(DialogueStateTracker.from_events("c3", [SessionStarted(), UserUttered("a")])))
    read = asyncio.run(store.retrieve("c3"))
    rebuilt = DialogueStateTracker.from_events("c3", list(read.events) + [UserUttered("b")])
    statements.clear()
    asyncio.run(store.save(rebuilt))
    assert any("count(" in s.lower() for s in statements)
    limited = DialogueStateTracker.from_events("c3", list(rebuilt.events), max_event_history=10)
    setattr(limited, STORED_EVENTS_ATTRIBUTE, 1)  # a stale note on a tracker whose old events fall off
    limited.update(UserUttered("c"))
    statements.clear()
    asyncio.run(store.save(limited))
    assert any("count(" in s.lower() for s in statements)
    assert [e.as_dict().get("text") for e in asyncio.run(store.retrieve("c3")).events] == [None, "a", "b", "c"]


def test_a_failed_save_notes_nothing(tmp_path):
    """The database refuses the insert (a trigger): the events count as unsaved and go in next time."""
    import sqlalchemy.exc

    apply_known_stored_events()
    store, _ = counting_store(tmp_path / "tracker.db")
    asyncio.run(store.save(DialogueStateTracker.from_events("c4", [SessionStarted()])))
    tracker = asyncio.run(store.retrieve("c4"))
    tracker.update(UserUttered("elveszett"))
    with store.engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(sqlalchemy.exc.DatabaseError):
        asyncio.run(store.save(tracker))
    assert vars(tracker)[STORED_EVENTS_ATTRIBUTE] == 1
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER refuse")
    asyncio.run(store.save(tracker))
    assert [e.as_dict().get("text") for e in asyncio.run(store.retrieve("c4")).events] == [None, "elveszett"]


# --- which events go to the event broker -----------------------------------------------------------

class RecordingBroker:
    """An event broker that keeps what it is given (Rasa's EventBroker interface: publish)."""

    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish(self, event: dict) -> None:
        self.published.append(event)

    def is_ready(self) -> bool:
        return True


def brokered_store(path: pathlib.Path) -> tuple[SQLTrackerStore, RecordingBroker, list[str]]:
    broker = RecordingBroker()
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path), event_broker=broker)
    statements: list[str] = []
    sa_event.listen(store.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: statements.append(statement))
    return store, broker, statements


def published_texts(broker: RecordingBroker) -> list:
    return [(e["event"], e.get("text")) for e in broker.published]


def test_the_broker_gets_each_new_event_once_without_reading_the_tracker_again(tmp_path):
    """The same events as Rasa's own diff, in order, each once — and a save of a tracker the store read
    runs no SELECT of the stored events (Rasa reads the whole tracker again to diff it)."""
    from bot.turn_tuning import apply_streamed_from_known_events

    apply_known_stored_events()
    apply_streamed_from_known_events()
    apply_streamed_from_known_events()  # twice changes nothing
    tuned, tuned_broker, statements = brokered_store(tmp_path / "tuned.db")
    first = [SessionStarted(timestamp=1.0), ActionExecuted("action_listen", timestamp=1.0)]
    asyncio.run(tuned.save(DialogueStateTracker.from_events("c5", first)))  # never read: Rasa's diff
    for turn in range(3):
        tracker = asyncio.run(tuned.retrieve("c5"))
        statements.clear()
        tracker.update(UserUttered(f"turn {turn}", timestamp=10.0 + turn))
        tracker.update(BotUttered(f"answer {turn}", timestamp=10.5 + turn))
        asyncio.run(tuned.save(tracker))
        tracker.update(ActionExecuted("action_listen", timestamp=10.6 + turn))
        asyncio.run(tuned.save(tracker))  # saved twice in one turn: only the newest event the second time
        assert not any(s.lstrip().lower().startswith("select") for s in statements)
    expected = [("session_started", None), ("action", None)]
    for turn in range(3):
        expected += [("user", f"turn {turn}"), ("bot", f"answer {turn}"), ("action", None)]
    assert published_texts(tuned_broker) == expected


def test_a_tracker_the_store_did_not_read_is_diffed_as_rasa_does(tmp_path):
    """A tracker rebuilt from events (no note of what is stored) publishes only what the store lacks."""
    from bot.turn_tuning import apply_streamed_from_known_events

    apply_known_stored_events()
    apply_streamed_from_known_events()
    store, broker, _ = brokered_store(tmp_path / "rebuilt.db")
    asyncio.run(store.save(DialogueStateTracker.from_events("c6", [SessionStarted(), UserUttered("a")])))
    read = asyncio.run(store.retrieve("c6"))
    rebuilt = DialogueStateTracker.from_events("c6", list(read.events) + [UserUttered("b")])
    broker.published.clear()
    asyncio.run(store.save(rebuilt))
    assert published_texts(broker) == [("user", "b")]
