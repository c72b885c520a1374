"""The custom slot mappings run after every user message (action_validate_slot_mappings).

- `language`: an explicit speak_english / speak_hungarian always wins; then the
  channel's metadata.language (the phone line knows the caller's choice) on the first message or
  when it changes; then the language detected from the first message; later messages only switch
  when they are a whole sentence in the other language. Default hu (initial value).
- `channel`: metadata.channel ("chat" | "phone") from the input channels in bot/.
- `offer`: the yes/no question the bot just asked lives for one answer only; any other message
  clears it, so a later "igen" cannot accept a stale offer.
- `failed_understandings`: reset by every understood message (two nlu_fallbacks in a row count).

It also reports the statistics' conversation events (actions/conversation_events.py): a chat
session's first message, and an intent that names one of the S4–S9 mistakes.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction

from actions import conversation_events
from actions import language as lang
from actions.gateway_client import GatewayClient
from actions.safety import log_failure
from kernel.fields import CHANNELS

YES_NO_INTENTS = ("affirm", "deny")


def user_messages(tracker: Tracker) -> List[Dict[str, Any]]:
    """The user events of the conversation, oldest first."""
    return [e for e in tracker.events if e.get("event") == "user"]


def message_metadata(event: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    if not event:
        return {}
    metadata = event.get("metadata") or (event.get("parse_data") or {}).get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def latest_intent(tracker: Tracker) -> Optional[str]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def choose_language(tracker: Tracker) -> Optional[str]:
    """The conversation language after the latest message, or None to keep the current one."""
    current = tracker.get_slot("language") or lang.HU
    intent = latest_intent(tracker)
    if intent == "speak_english":
        return lang.EN
    if intent == "speak_hungarian":
        return lang.HU
    messages = user_messages(tracker)
    latest = messages[-1] if messages else None
    previous = messages[-2] if len(messages) > 1 else None
    given = message_metadata(latest).get("language")
    if given in lang.SUPPORTED and (previous is None or message_metadata(previous).get("language") != given):
        return given
    text = (tracker.latest_message or {}).get("text") or ""
    if len(messages) <= 1 and given not in lang.SUPPORTED:
        return lang.detect(text) or current
    other = lang.EN if current == lang.HU else lang.HU
    if lang.is_strong(text, other):
        return other
    return None


class ValidateSlotMappings(ValidationAction):
    """Fills the custom-mapped global slots (see module docstring)."""

    def __init__(self, gateway_factory: conversation_events.GatewayFactory = GatewayClient.from_env) -> None:
        self._gateway_factory = gateway_factory

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        try:
            events = await super().run(dispatcher, tracker, domain)
        except Exception as exc:  # noqa: BLE001 - keep the conversation going with the old values
            log_failure(self.name(), exc)
            events = []
        try:
            conversation_events.report_turn(self._gateway_factory, tracker, events)
        except Exception as exc:  # noqa: BLE001 - statistics never cost the user a turn
            log_failure(self.name(), exc)
        return events

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[str]:
        return ["language", "channel", "offer", "failed_understandings"]

    async def extract_language(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: Dict[str, Any]) -> Dict[str, Any]:
        chosen = choose_language(tracker)
        if chosen and chosen != tracker.get_slot("language"):
            return {"language": chosen}
        return {}

    async def extract_channel(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: Dict[str, Any]) -> Dict[str, Any]:
        messages = user_messages(tracker)
        given = message_metadata(messages[-1] if messages else None).get("channel")
        if given in CHANNELS and given != tracker.get_slot("channel"):
            return {"channel": given}
        return {}

    async def extract_offer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: Dict[str, Any]) -> Dict[str, Any]:
        if tracker.get_slot("offer") is not None and latest_intent(tracker) not in YES_NO_INTENTS:
            return {"offer": None}
        return {}

    async def extract_failed_understandings(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                            domain: Dict[str, Any]) -> Dict[str, Any]:
        if latest_intent(tracker) != "nlu_fallback" and (tracker.get_slot("failed_understandings") or 0) > 0:
            return {"failed_understandings": 0.0}
        return {}
