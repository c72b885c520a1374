"""The agent hands the conversation back: the assistant starts again from a clean state.

The gateway (agents/backends.py) resumes the paused conversation through Rasa's HTTP API, executes
this action, then appends `action_listen`, so the user's next message is predicted like any other
turn instead of following the escalation's leftovers (offer, counters, a half-filled form).
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.safety import HelpdeskAction

# Slots that only made sense before or during the escalation.
RESET_SLOTS = ("offer", "handoff_reason", "requested_slot")


def clean_state_events() -> List[EventType]:
    """No loop, no pending offer or question, the not-understood counter back to zero, no agent."""
    return ([ActiveLoop(None)] + [SlotSet(name, None) for name in RESET_SLOTS]
            + [SlotSet("failed_understandings", 0.0), SlotSet("with_agent", False)])


class ActionAgentHandedBack(HelpdeskAction):
    """Tells the user the assistant is back and clears the escalation's state."""

    def name(self) -> str:
        return "action_agent_handed_back"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_back_from_agent")
        return clean_state_events()

    def on_error(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        # Offering a person again here would bounce the user straight back to the queue.
        return clean_state_events()
