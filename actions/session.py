"""The start of a conversation session: Rasa's own behaviour plus the facts the responses quote.

domain.yml's texts never write a fact of the letter by hand; they name slots (``{code_ttl_days}``,
``{contact_phone}``, ...) that Rasa fills when it renders a response. This action sets them at every
session start from :func:`kernel.facts.text_params`, so the code lifetime follows the action
server's ``CODE_TTL_DAYS`` and the S11 contacts and the S10 forum come from the kernel. Otherwise it
does what Rasa's default ``action_session_start`` does: start the session, carry the slots over
(``session_config.carry_over_slots_to_new_session``) and listen.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from kernel.facts import text_params
from kernel.settings import SettingsError

logger = logging.getLogger(__name__)

# kernel.facts.text_params key -> the slot domain.yml's responses name it by
FACT_SLOTS = {
    "days": "code_ttl_days",
    "phone": "contact_phone",
    "phone_abroad": "contact_phone_abroad",
    "contact_email": "contact_email",
    "contact_web": "contact_web",
    "forum_url": "forum_url",
}


def fact_slots(language: str = "hu", env: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The facts as slot values, from ``env`` (default: the action server's environment); SettingsError
    naming a bad CODE_TTL_DAYS."""
    params = text_params(language, env)
    return {slot: params[key] for key, slot in FACT_SLOTS.items()}


def carried_over(tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
    """The previous session's slot events, replayed as Rasa's default does, when the domain carries them over."""
    if not (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
        return []
    return [SlotSet(e["name"], e.get("value")) for e in tracker.applied_events()
            if e.get("event") == "slot" and e.get("name") not in FACT_SLOTS.values()]


class ActionSessionStart(Action):
    """Starts the session with the slots carried over and the facts of the letter set."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        try:
            facts = fact_slots(tracker.get_slot("language") or "hu")
        except SettingsError as exc:  # a bad CODE_TTL_DAYS: say which, in the action server's log
            logger.error("the facts of the letter cannot be set: %s", exc)
            raise
        return ([SessionStarted()] + carried_over(tracker, domain)
                + [SlotSet(slot, value) for slot, value in facts.items()] + [ActionExecuted("action_listen")])
