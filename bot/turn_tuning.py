"""Work Rasa 3.6 repeats on every turn although its result cannot change, done once instead.

Applied by the input channels at start-up (bot/channels.py ``tune_rasa_process``), like
bot/action_calls.py and bot/sqlite_tuning.py; applying twice changes nothing. Each replacement
returns exactly what Rasa's own code returns (tests/unit/engine/test_turn_tuning.py compares them).

* Event classes by name: ``Event.resolve_by_type`` walks the whole ``Event`` class tree
  (``all_subclasses``, with an ``inspect.isabstract`` check per class) for every stored event it
  deserialises — every event of the conversation, every time the tracker store reads a tracker
  (two or three times a turn). The first class of that walk for each type name is kept in a
  dictionary; a name it does not know walks the tree again (a subclass imported later), and the
  answer for an unknown name (``None`` for the old "topic", the default, or ``ValueError``) is Rasa's.
* Which events a save adds: ``SQLTrackerStore.save`` stores ``tracker.events`` from the number of
  events the database already holds for the conversation's latest session, and counts them with a
  query (a sub-select of the latest ``session_started``) before every save. A tracker the store
  read itself, or saved itself, knows that number already: every one of its events up to it is in
  the database. The store notes it on the tracker after a read and after a committed save and
  starts from it; a tracker it did not read or save (a new conversation, a copy rebuilt from
  events) and one with a ``max_event_history`` (its old events fall off the front) are counted as
  before. Trackers of any tracker store based on ``SQLTrackerStore`` (SQLite, PostgreSQL) alike.
* Which events go to the event broker: with an event broker (the production topology's RabbitMQ),
  ``TrackerStore.stream_events`` reads the whole stored tracker again at every save only to learn how
  many of its events are stored (``TrackerEventDiffEngine.event_difference``) — a third full read a
  turn, a fifth of a Rasa process's CPU on PostgreSQL (docs/BENCHMARKS.md). A tracker whose stored
  count the store noted publishes the events after it, the same events Rasa's diff gives; any other
  tracker is diffed as before.
"""
from __future__ import annotations

import itertools
from typing import Any, Dict, Iterator, Optional, Type

_classes_by_name: Dict[str, Type[Any]] = {}
# The attribute a tracker carries while the SQL tracker store knows how many of its events are stored.
STORED_EVENTS_ATTRIBUTE = "_helpdesk_stored_events"


def _event_classes() -> Dict[str, Type[Any]]:
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event

    found: Dict[str, Type[Any]] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        found.setdefault(cls.type_name, cls)
    return found


def apply_event_type_cache() -> None:
    """``Event.resolve_by_type`` from a dictionary of the event classes instead of a tree walk."""
    from rasa.shared.core.events import Event

    original = Event.__dict__["resolve_by_type"].__func__
    if getattr(original, "cached", False):
        return

    def resolve_by_type(type_name: str, default: Optional[Type[Any]] = None) -> Optional[Type[Any]]:
        cls = _classes_by_name.get(type_name)
        if cls is None:
            _classes_by_name.clear()
            _classes_by_name.update(_event_classes())
            cls = _classes_by_name.get(type_name)
        if cls is not None:
            return cls
        return original(type_name, default)  # Rasa's answer for a name no class has

    resolve_by_type.cached = True  # type: ignore[attr-defined]
    resolve_by_type.original = original  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[assignment]


def stored_events(tracker: Any) -> Optional[int]:
    """How many of ``tracker.events`` the SQL tracker store knows are stored, or None (count them)."""
    stored = vars(tracker).get(STORED_EVENTS_ATTRIBUTE)
    events = tracker.events
    if not isinstance(stored, int) or getattr(events, "maxlen", None) is not None or stored > len(events):
        return None
    return stored


def apply_known_stored_events() -> None:
    """``SQLTrackerStore`` saves a tracker it read or saved from the number of events it noted."""
    from rasa.core.tracker_store import SQLTrackerStore

    if getattr(SQLTrackerStore._additional_events, "known_stored", False):
        return
    read, save, additional_events = SQLTrackerStore._retrieve, SQLTrackerStore.save, SQLTrackerStore._additional_events

    async def _retrieve(self: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        tracker = await read(self, sender_id, fetch_events_from_all_sessions)
        if tracker is not None:
            setattr(tracker, STORED_EVENTS_ATTRIBUTE, len(tracker.events))  # exactly the stored events
        return tracker

    def _additional_events(self: Any, session: Any, tracker: Any) -> Iterator:
        stored = stored_events(tracker)
        if stored is None:
            return additional_events(self, session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def _save(self: Any, tracker: Any) -> None:
        await save(self, tracker)  # raises when the commit fails: nothing noted then
        setattr(tracker, STORED_EVENTS_ATTRIBUTE, len(tracker.events))

    _additional_events.known_stored = True  # type: ignore[attr-defined]
    SQLTrackerStore._retrieve = _retrieve  # type: ignore[assignment]
    SQLTrackerStore._additional_events = _additional_events  # type: ignore[assignment]
    SQLTrackerStore.save = _save  # type: ignore[assignment]


def apply_streamed_from_known_events() -> None:
    """``SQLTrackerStore.stream_events`` publishes the events after the noted stored count."""
    from rasa.core.tracker_store import SQLTrackerStore

    stream_events = SQLTrackerStore.stream_events
    if getattr(stream_events, "known_stored", False):
        return

    async def _stream_events(self: Any, tracker: Any) -> None:
        stored = stored_events(tracker)
        if self.event_broker is None or stored is None:
            return await stream_events(self, tracker)  # nothing to publish, or Rasa's own diff
        new_events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    _stream_events.known_stored = True  # type: ignore[attr-defined]
    SQLTrackerStore.stream_events = _stream_events  # type: ignore[assignment]


def apply_turn_tuning() -> None:
    """Everything of this module."""
    apply_event_type_cache()
    apply_known_stored_events()
    apply_streamed_from_known_events()
