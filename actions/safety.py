"""Every action answers safely: an exception becomes a polite reply, never a 500 from the action server.

rasa-sdk answers 500 with the whole conversation when an action raises (docs: Traps already found),
so each action runs inside :class:`HelpdeskAction` or :func:`log_failure`. Logs carry the exception
type and the code location only, never its message (which could quote what the user typed).
"""
from __future__ import annotations

import logging
import traceback
from abc import ABC, abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import working_hours

logger = logging.getLogger(__name__)

OFFER, HANDOFF_REASON = "offer", "handoff_reason"


def log_failure(action_name: str, exc: BaseException) -> None:
    """Log a failed action without the exception's message."""
    where = "".join(traceback.format_tb(exc.__traceback__)[-3:]) if exc.__traceback__ else ""
    logger.error("action %s failed with %s\n%s", action_name, type(exc).__name__, where)


def offer_handoff(dispatcher: CollectingDispatcher, reason: str, response: str = "utter_offer_handoff") -> List[EventType]:
    """Ask whether a person should take over; a yes then runs action_escalate (data/rules.yml).

    Outside the agents' working hours (kernel.hours) the offer says when people are back, that the
    assistant goes on helping and the 24-hour customer line (S11), and offers a message for the agents
    instead (the same yes/no, the same rules)."""
    status = working_hours.availability()
    if not status.open:
        dispatcher.utter_message(response="utter_agents_closed", **working_hours.back_params(status))
        dispatcher.utter_message(response="utter_offer_message")
    else:
        dispatcher.utter_message(response=response)
    return [SlotSet(OFFER, "handoff"), SlotSet(HANDOFF_REASON, reason)]


class HelpdeskAction(Action, ABC):
    """Base of the help desk's actions: `act` does the work, any exception gets a safe answer."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        try:
            return await self.act(dispatcher, tracker, domain)
        except Exception as exc:  # noqa: BLE001 - the whole point: nothing escapes to rasa-sdk
            log_failure(self.name(), exc)
            return self.on_error(dispatcher, tracker)

    @abstractmethod
    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        """The action's work."""

    def on_error(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        """Default safe answer: apologise and offer a person."""
        dispatcher.utter_message(response="utter_backend_down")
        return offer_handoff(dispatcher, "bot_error")
