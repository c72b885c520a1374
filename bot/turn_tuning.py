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
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Type

_classes_by_name: Dict[str, Type[Any]] = {}


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


def apply_turn_tuning() -> None:
    """Everything of this module."""
    apply_event_type_cache()
