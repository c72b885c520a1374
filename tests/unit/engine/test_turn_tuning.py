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
